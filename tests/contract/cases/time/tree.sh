# nixpkgs: pkgs/by-name/ti/time/package.nix
# Differences from the package expression: the two patches are stand-ins for the generated tree.
# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

gnu_package time-1.9 time 1 info
tarball time-1.9 time-1.9.tar.gz
file time-1.9-implicit-func-decl-clang.patch <<'CONTRACT_EOF'
--- a/doc/time.info
+++ b/doc/time.info
@@ -1 +1,2 @@
 This is time.info.
+Patched once.
CONTRACT_EOF
file time-1.9-fix-sighandler-prototype-for-c23.patch <<'CONTRACT_EOF'
diff --git a/doc/time.1 b/doc/time.1
--- a/doc/time.1
+++ b/doc/time.1
@@ -1,3 +1,4 @@
 .TH TIME 1
 .SH NAME
 time
+.SH PATCHED
CONTRACT_EOF
