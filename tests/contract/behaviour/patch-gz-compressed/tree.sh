# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

three_line_source
printf -- '--- a/file.txt\n+++ b/file.txt\n@@ -1,3 +1,3 @@\n-line one\n+line ONE\n line two\n line three\n' | gzip -n > c.patch.gz
