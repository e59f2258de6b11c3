# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

file pkg/gone.txt <<<'bye'
file pkg/kept.txt <<<'kept'
tarball pkg src.tar.gz
file empty.patch <<'CONTRACT_EOF'
--- a/gone.txt
+++ b/gone.txt
@@ -1 +0,0 @@
-bye
CONTRACT_EOF
