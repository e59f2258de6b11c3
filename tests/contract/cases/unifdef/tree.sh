# nixpkgs: pkgs/by-name/un/unifdef/package.nix
# Differences from the package expression: the patch is a stand-in touching the generated tree.
# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

file unifdef-2.12/Makefile <<'CONTRACT_EOF'
prefix = ${HOME}
bindir = ${prefix}/bin
mandir = ${prefix}/share/man
DESTDIR = /nonexistent
all: unifdef
unifdef: unifdef.sh
	cp unifdef.sh unifdef && chmod +x unifdef
install: unifdef
	install -d ${DESTDIR}${bindir} ${DESTDIR}${mandir}/man1
	install -m 755 unifdef ${DESTDIR}${bindir}
	install -m 644 unifdef.1 ${DESTDIR}${mandir}/man1
CONTRACT_EOF
file unifdef-2.12/unifdef.sh <<'CONTRACT_EOF'
#!/bin/sh
echo unifdef 2.12
CONTRACT_EOF
file unifdef-2.12/unifdef.1 <<'CONTRACT_EOF'
.TH UNIFDEF 1
CONTRACT_EOF
tarball unifdef-2.12 unifdef-2.12.tar.xz
file unifdef-fix-build-with-gcc15.patch <<'CONTRACT_EOF'
--- a/unifdef.sh
+++ b/unifdef.sh
@@ -1,2 +1,2 @@
 #!/bin/sh
-echo unifdef 2.12
+echo unifdef 2.12 patched
CONTRACT_EOF
