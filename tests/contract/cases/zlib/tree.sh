# nixpkgs: pkgs/development/libraries/zlib/default.nix
# Differences from the package expression: an older zlib expression (stdenv.lib era) with its Linux values: configureFlags --shared, dontStrip false, installFlags empty, makeFlags PREFIX=<targetPrefix, empty>; the compile uses gcc from the host.
# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

script zlib-1.2.11/configure <<'CONTRACT_EOF'
#!/bin/sh
prefix=/usr/local
shared=0
for a in "$@"; do
  case $a in
    --prefix=*) prefix=${a#--prefix=} ;;
    --shared) shared=1 ;;
    *) echo "unknown option $a"; exit 1 ;;
  esac
done
{
  echo "prefix = $prefix"
  echo "SHARED = $shared"
  cat Makefile.in
} > Makefile
CONTRACT_EOF
file zlib-1.2.11/adler32.c <<'CONTRACT_EOF'
unsigned long adler32(unsigned long a) { return a + 1; }
CONTRACT_EOF
file zlib-1.2.11/zlib.h <<'CONTRACT_EOF'
#define ZLIB_VERSION "1.2.11"
unsigned long adler32(unsigned long a);
CONTRACT_EOF
file zlib-1.2.11/zlib.3 <<'CONTRACT_EOF'
.TH ZLIB 3
CONTRACT_EOF
file zlib-1.2.11/Makefile.in <<'CONTRACT_EOF'
CC = cc
all: libz.a libz.so.1.2.11
adler32.o: adler32.c
	$(CC) -O2 -fPIC -c adler32.c
libz.a: adler32.o
	ar rc libz.a adler32.o
	ranlib libz.a
libz.so.1.2.11: adler32.o
	$(CC) -shared -Wl,-soname,libz.so.1 -o libz.so.1.2.11 adler32.o
install: all
	mkdir -p $(DESTDIR)$(prefix)/lib/pkgconfig $(DESTDIR)$(prefix)/include $(DESTDIR)$(prefix)/share/man/man3
	cp libz.a libz.so.1.2.11 $(DESTDIR)$(prefix)/lib
	cd $(DESTDIR)$(prefix)/lib && ln -s libz.so.1.2.11 libz.so.1 && ln -s libz.so.1.2.11 libz.so
	cp zlib.h $(DESTDIR)$(prefix)/include
	cp zlib.3 $(DESTDIR)$(prefix)/share/man/man3
	printf 'prefix=%s\nincludedir=$${prefix}/include\nlibdir=$${prefix}/lib\nName: zlib\n' $(prefix) > $(DESTDIR)$(prefix)/lib/pkgconfig/zlib.pc
CONTRACT_EOF
tarball zlib-1.2.11 zlib-1.2.11.tar.gz
