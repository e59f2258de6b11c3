# nixpkgs: pkgs/by-name/sc/scdoc/package.nix
# Differences from the package expression: PREFIX=${placeholder "out"} is PREFIX=$(out).
# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

file source/Makefile <<'CONTRACT_EOF'
PREFIX?=/usr/local
BINDIR?=$(PREFIX)/bin
MANDIR?=$(PREFIX)/share/man
PCDIR?=$(PREFIX)/share/pkgconfig
LDFLAGS+=-static
all: scdoc
scdoc:
	printf '#!/bin/sh\n# LDFLAGS=%s\necho scdoc\n' '$(LDFLAGS)' > scdoc && chmod +x scdoc
check: scdoc
	./scdoc
install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(PCDIR)
	install -m755 scdoc $(DESTDIR)$(BINDIR)/scdoc
	install -m644 scdoc.1 $(DESTDIR)$(MANDIR)/man1/scdoc.1
	install -m644 scdoc.5 $(DESTDIR)$(MANDIR)/man5/scdoc.5
	printf 'prefix=%s\nincludedir=$${prefix}/include\nscdoc=$${prefix}/bin/scdoc\n' $(PREFIX) > $(DESTDIR)$(PCDIR)/scdoc.pc
CONTRACT_EOF
file source/scdoc.1 <<'CONTRACT_EOF'
.TH SCDOC 1
CONTRACT_EOF
file source/scdoc.5 <<'CONTRACT_EOF'
.TH SCDOC 5
CONTRACT_EOF
source_dir source
