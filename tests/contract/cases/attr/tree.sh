# nixpkgs: pkgs/by-name/at/attr/package.nix
# Differences from the package expression: autoreconfHook and gettext (not in stdenv) are left out: the generated tree ships configure; the patch is a stand-in.
# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

stand_in_configure attr-2.5.2/configure attr
script attr-2.5.2/install-sh <<'CONTRACT_EOF'
#!/bin/sh
exec install "$@"
CONTRACT_EOF
script attr-2.5.2/include/install-sh <<'CONTRACT_EOF'
#!/bin/sh
exec install "$@"
CONTRACT_EOF
file attr-2.5.2/include/attributes.h <<'CONTRACT_EOF'
#define ATTR_H 1
CONTRACT_EOF
file attr-2.5.2/Makefile.in <<'CONTRACT_EOF'
all: getfattr libattr.so
getfattr setfattr:
	printf '#!/bin/sh\necho %s\n' $@ > $@ && chmod +x $@
libattr.so:
	printf 'libattr\n' > $@
install: all setfattr
	./install-sh -d $(DESTDIR)$(bindir) $(DESTDIR)$(libdir)/pkgconfig $(DESTDIR)$(includedir)/attr $(DESTDIR)$(mandir)/man1 $(DESTDIR)$(mandir)/man3 $(DESTDIR)$(docdir) $(DESTDIR)$(localedir)/de/LC_MESSAGES
	./install-sh -m 755 getfattr setfattr $(DESTDIR)$(bindir)
	./install-sh -m 755 libattr.so $(DESTDIR)$(libdir)/libattr.so.1.1.2502
	ln -s libattr.so.1.1.2502 $(DESTDIR)$(libdir)/libattr.so.1
	ln -s libattr.so.1 $(DESTDIR)$(libdir)/libattr.so
	printf 'prefix=%s\nlibdir=%s\nincludedir=$${prefix}/include\n' $(prefix) $(libdir) > $(DESTDIR)$(libdir)/pkgconfig/libattr.pc
	./include/install-sh -m 644 include/attributes.h $(DESTDIR)$(includedir)/attr
	./install-sh -m 644 doc/getfattr.1 $(DESTDIR)$(mandir)/man1
	./install-sh -m 644 doc/attr_get.3 $(DESTDIR)$(mandir)/man3
	./install-sh -m 644 doc/CHANGES $(DESTDIR)$(docdir)
	./install-sh -m 644 po/de.mo $(DESTDIR)$(localedir)/de/LC_MESSAGES/attr.mo
	./install-sh -m 644 configure.args $(DESTDIR)$(docdir)
CONTRACT_EOF
file attr-2.5.2/doc/getfattr.1 <<'CONTRACT_EOF'
.TH GETFATTR 1
CONTRACT_EOF
file attr-2.5.2/doc/attr_get.3 <<'CONTRACT_EOF'
.TH ATTR_GET 3
CONTRACT_EOF
file attr-2.5.2/doc/CHANGES <<'CONTRACT_EOF'
attr-2.5.2
CONTRACT_EOF
file attr-2.5.2/po/de.mo <<'CONTRACT_EOF'
mo
CONTRACT_EOF
tarball attr-2.5.2 attr-2.5.2.tar.gz
file musl.patch <<'CONTRACT_EOF'
--- a/include/attributes.h
+++ b/include/attributes.h
@@ -1 +1,2 @@
 #define ATTR_H 1
+#include <stdint.h>
CONTRACT_EOF
