# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

file source/Makefile <<'CONTRACT_EOF'
all:
	true
check:
	echo ran > checked
CONTRACT_EOF
source_dir source
