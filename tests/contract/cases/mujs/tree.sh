# nixpkgs: pkgs/by-name/mu/mujs/package.nix
# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

file mujs-1.3.5/Makefile <<'CONTRACT_EOF'
prefix ?= /usr/local
bindir ?= $(prefix)/bin
incdir ?= $(prefix)/include
libdir ?= $(prefix)/lib
all: mujs libmujs.so
mujs:
	printf '#!/bin/sh\necho mujs\n' > mujs && chmod +x mujs
libmujs.so:
	printf 'not really a library\n' > libmujs.so
install-common: mujs
	install -d $(DESTDIR)$(incdir) $(DESTDIR)$(libdir)/pkgconfig $(DESTDIR)$(bindir)
	install -m 644 mujs.h $(DESTDIR)$(incdir)
	printf 'prefix=%s\nName: mujs\n' $(prefix) > $(DESTDIR)$(libdir)/pkgconfig/mujs.pc
	install -m 755 mujs $(DESTDIR)$(bindir)
install-shared: install-common libmujs.so
	install -m 755 libmujs.so $(DESTDIR)$(libdir)
install: install-common
	echo static install
CONTRACT_EOF
file mujs-1.3.5/mujs.h <<'CONTRACT_EOF'
#define MUJS_VERSION 135
CONTRACT_EOF
tarball mujs-1.3.5 mujs-1.3.5.tar.gz
