# nixpkgs: pkgs/by-name/xz/xz/package.nix
# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

stand_in_configure xz-5.8.3/configure xz
script xz-5.8.3/build-aux/config.guess <<'CONTRACT_EOF'
#! /bin/sh
UNAME_MACHINE=$( (/usr/bin/uname -m) 2>/dev/null)
CONTRACT_EOF
script xz-5.8.3/tests/test_files.sh <<'CONTRACT_EOF'
#!/bin/sh
echo tests ok
CONTRACT_EOF
file xz-5.8.3/src/lzma.h <<'CONTRACT_EOF'
#define LZMA_H
CONTRACT_EOF
file xz-5.8.3/Makefile.in <<'CONTRACT_EOF'
all: xz liblzma.so
xz:
	printf '#!/bin/sh\necho xz 5.8.3 config_shell=%s\n' "$(CONFIG_SHELL)" > xz && chmod +x xz
liblzma.so:
	printf 'liblzma\n' > $@
check: all
	tests/test_files.sh
install: all
	mkdir -p $(bindir) $(libdir)/pkgconfig $(includedir) $(mandir)/man1 $(docdir) $(localedir)/fr/LC_MESSAGES
	install xz $(bindir) && ln -s xz $(bindir)/unxz && ln -s xz $(bindir)/xzcat
	install -m 644 liblzma.so $(libdir)/liblzma.so.5.8.3 && ln -s liblzma.so.5.8.3 $(libdir)/liblzma.so.5
	printf 'prefix=%s\nincludedir=$${prefix}/include\n' $(prefix) > $(libdir)/pkgconfig/liblzma.pc
	install -m 644 src/lzma.h $(includedir)
	printf '.TH XZ 1\n' > $(mandir)/man1/xz.1 && ln -s xz.1 $(mandir)/man1/unxz.1
	install -m 644 configure.args $(docdir)
	printf 'mo\n' > $(localedir)/fr/LC_MESSAGES/xz.mo
CONTRACT_EOF
tarball xz-5.8.3 xz-5.8.3.tar.xz
