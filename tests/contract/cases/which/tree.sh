# nixpkgs: pkgs/by-name/wh/which/package.nix
# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

stand_in_configure which-2.23/configure which
file which-2.23/Makefile.in <<'CONTRACT_EOF'
all: which
which:
	printf '#!/bin/sh\ncommand -v "$$1"\n' > which && chmod +x which
install: all
	$(MKDIR_P) $(DESTDIR)$(bindir) $(DESTDIR)$(mandir)/man1 $(DESTDIR)$(infodir)
	install which $(DESTDIR)$(bindir)
	install -m 644 which.1 $(DESTDIR)$(mandir)/man1
	install -m 644 which.info $(DESTDIR)$(infodir)
	install -m 644 configure.args $(DESTDIR)$(infodir)/which.config
CONTRACT_EOF
file which-2.23/which.1 <<'CONTRACT_EOF'
.TH WHICH 1
CONTRACT_EOF
file which-2.23/which.info <<'CONTRACT_EOF'
This is which.info.
CONTRACT_EOF
tarball which-2.23 which-2.23.tar.gz
