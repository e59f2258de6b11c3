# nixpkgs: pkgs/by-name/pc/pciutils/package.nix
# Differences from the package expression: ${hwdata}/share/hwdata/pci.ids is a file of the tree; the Makefile installs to sbin and $(PREFIX)/man as pciutils' does; HOST is x86_64-linux, CROSS_COMPILE empty, SHARED=yes.
# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

file source/Makefile <<'CONTRACT_EOF'
PREFIX=/usr/local
SBINDIR=$(PREFIX)/sbin
SHAREDIR=$(PREFIX)/share
MANDIR:=$(shell if [ -d $(PREFIX)/share/man ] ; then echo $(PREFIX)/share/man ; else echo $(PREFIX)/man ; fi)
LIBDIR=$(PREFIX)/lib
STRIP=-s
all: lspci setpci libpci.so.3
lspci setpci update-pciids:
	printf '#!/bin/sh\necho %s built for $(HOST) dns=$(DNS)\n' $@ > $@ && chmod +x $@
libpci.so.3:
	printf 'libpci shared=$(SHARED)\n' > $@
install: all update-pciids
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(SHAREDIR) $(DESTDIR)$(MANDIR)/man8
	install $(STRIP) -m 755 lspci setpci $(DESTDIR)$(SBINDIR) || install -m 755 lspci setpci $(DESTDIR)$(SBINDIR)
	install -m 755 update-pciids $(DESTDIR)$(SBINDIR)
	install -m 644 lspci.8 setpci.8 update-pciids.8 $(DESTDIR)$(MANDIR)/man8
install-lib: libpci.so.3
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig
	install -m 644 libpci.so.3 $(DESTDIR)$(LIBDIR)/libpci.so.3.13.0
	ln -sf libpci.so.3.13.0 $(DESTDIR)$(LIBDIR)/libpci.so.3
	printf 'prefix=%s\nlibdir=%s\n' $(PREFIX) $(LIBDIR) > $(DESTDIR)$(LIBDIR)/pkgconfig/libpci.pc
CONTRACT_EOF
file source/lspci.8 <<'CONTRACT_EOF'
.TH LSPCI 8
CONTRACT_EOF
file source/setpci.8 <<'CONTRACT_EOF'
.TH SETPCI 8
CONTRACT_EOF
file source/update-pciids.8 <<'CONTRACT_EOF'
.TH UPDATE-PCIIDS 8
CONTRACT_EOF
file source/hwdata/pci.ids <<'CONTRACT_EOF'
# pci.ids (from hwdata)
8086  Intel Corporation
CONTRACT_EOF
source_dir source
