# nixpkgs: pkgs/by-name/gz/gzip/package.nix
# Differences from the package expression: the patches are left out.
# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

stand_in_configure gzip-1.15/configure gzip
file gzip-1.15/Makefile.in <<'CONTRACT_EOF'
MKDIR_P = mkdir -p
ZLESS_PROG = 
ZLESS_MAN = 
all: gzip gunzip zcat $(ZLESS_PROG)
gzip:
	printf '#!/bin/sh\necho gzip 1.15\n' > gzip && chmod +x gzip
gunzip zcat zless:
	printf '#!/bin/sh\nexec gzip -d "$$@"\n' > $@ && chmod +x $@
install: all
	mkdir -p $(DESTDIR)$(bindir) $(DESTDIR)$(infodir) $(DESTDIR)$(mandir)/man1
	install gzip gunzip zcat $(ZLESS_PROG) $(DESTDIR)$(bindir)
	install -m 644 doc/gzip.info $(DESTDIR)$(infodir)
	install -m 644 gzip.1 $(ZLESS_MAN) $(DESTDIR)$(mandir)/man1
	echo 'SHELL=$(SHELL) GREP=$(GREP)' > $(DESTDIR)$(bindir)/.build-flags
CONTRACT_EOF
file gzip-1.15/doc/gzip.info <<'CONTRACT_EOF'
This is gzip.info.
CONTRACT_EOF
file gzip-1.15/gzip.1 <<'CONTRACT_EOF'
.TH GZIP 1
CONTRACT_EOF
file gzip-1.15/zless.1 <<'CONTRACT_EOF'
.TH ZLESS 1
CONTRACT_EOF
tarball gzip-1.15 gzip-1.15.tar.xz
