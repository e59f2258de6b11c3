# nixpkgs: pkgs/by-name/gn/gnugrep/package.nix
# Differences from the package expression: the patch is left out; doCheck holds on x86_64-linux.
# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

stand_in_configure grep-3.12/configure grep
file grep-3.12/Makefile.in <<'CONTRACT_EOF'
all: grep
grep:
	printf '#!/bin/sh\necho grep 3.12\n' > grep && chmod +x grep
check: grep
	./grep
install: grep
	$(MKDIR_P) $(DESTDIR)$(bindir) $(DESTDIR)$(infodir) $(DESTDIR)$(mandir)/man1
	install grep $(DESTDIR)$(bindir)/grep
	printf '#!/bin/sh\nexec grep -E "$$@"\n' > $(DESTDIR)$(bindir)/egrep
	printf '#!/bin/sh\nexec grep -F "$$@"\n' > $(DESTDIR)$(bindir)/fgrep
	chmod +x $(DESTDIR)$(bindir)/egrep $(DESTDIR)$(bindir)/fgrep
	install -m 644 doc/grep.info $(DESTDIR)$(infodir)
	install -m 644 doc/grep.1 $(DESTDIR)$(mandir)/man1
CONTRACT_EOF
file grep-3.12/doc/grep.info <<'CONTRACT_EOF'
This is grep.info.
CONTRACT_EOF
file grep-3.12/doc/grep.1 <<'CONTRACT_EOF'
.TH GREP 1
CONTRACT_EOF
tarball grep-3.12 grep-3.12.tar.xz
