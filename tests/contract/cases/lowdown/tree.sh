# nixpkgs: pkgs/by-name/lo/lowdown/package.nix
# Differences from the package expression: bmake and dieHook are left out (GNU make reads the stand-in Makefile; die is not reached).
# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

script lowdown-2.0.2/configure <<'CONTRACT_EOF'
#!/bin/sh
for a in "$@"; do echo "$a"; done > Makefile.configure
CONTRACT_EOF
file lowdown-2.0.2/Makefile <<'CONTRACT_EOF'
include Makefile.configure
bins: lowdown
lowdown:
	printf '#!/bin/sh\ncat "$$1"\n' > lowdown && chmod +x lowdown
liblowdown.so.2:
	printf 'liblowdown\n' > $@
regress: lowdown
	./lowdown Makefile.configure > /dev/null
install: bins
	mkdir -p $(BINDIR) $(PREFIX)/include $(LIBDIR)/pkgconfig $(MANDIR)/man1 $(MANDIR)/man3
	install -m 0755 lowdown $(BINDIR)
	install -m 0644 lowdown.h $(PREFIX)/include
	printf 'prefix=%s\nlibdir=%s\n' $(PREFIX) $(LIBDIR) > $(LIBDIR)/pkgconfig/lowdown.pc
	install -m 0644 man/lowdown.1 $(MANDIR)/man1
	install -m 0644 man/lowdown.3 $(MANDIR)/man3
install_shared: liblowdown.so.2
	install -m 0644 liblowdown.so.2 $(LIBDIR)
	ln -sf liblowdown.so.2 $(LIBDIR)/liblowdown.so
CONTRACT_EOF
file lowdown-2.0.2/lowdown.h <<'CONTRACT_EOF'
#define LOWDOWN_H
CONTRACT_EOF
file lowdown-2.0.2/man/lowdown.1 <<'CONTRACT_EOF'
.TH LOWDOWN 1
CONTRACT_EOF
file lowdown-2.0.2/man/lowdown.3 <<'CONTRACT_EOF'
.TH LOWDOWN 3
CONTRACT_EOF
tarball lowdown-2.0.2 lowdown-2.0.2.tar.gz
