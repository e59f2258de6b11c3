# nixpkgs: pkgs/by-name/bc/bc/package.nix
# Differences from the package expression: the patch is a stand-in; autoreconfHook, flex, readline and texinfo are left out.
# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

gnu_package bc-1.07.1 bc 1 info
tarball bc-1.07.1 bc-1.07.1.tar.gz
file cross-bc.patch <<'CONTRACT_EOF'
--- a/doc/bc.info
+++ b/doc/bc.info
@@ -1 +1 @@
-This is bc.info.
+This is bc.info (cross).
CONTRACT_EOF
