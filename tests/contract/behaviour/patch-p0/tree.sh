# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

three_line_source
file p0.patch <<'CONTRACT_EOF'
--- file.txt
+++ file.txt
@@ -1,3 +1,3 @@
 line one
-line two
+line 2
 line three
CONTRACT_EOF
