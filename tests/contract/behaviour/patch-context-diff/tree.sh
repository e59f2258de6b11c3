# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

three_line_source
file ctx.patch <<'CONTRACT_EOF'
*** a/file.txt
--- b/file.txt
***************
*** 1,3 ****
  line one
! line two
  line three
--- 1,3 ----
  line one
! line TWO
  line three
CONTRACT_EOF
