# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

file source/Makefile <<'CONTRACT_EOF'
all:
	echo ran > built
CONTRACT_EOF
source_dir source
