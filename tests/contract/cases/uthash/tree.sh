# nixpkgs: pkgs/by-name/ut/uthash/package.nix
# Differences from the package expression: the tests Makefile is found only after preCheck's cd; a top-level Makefile is absent so build does nothing.
# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

file source/include/uthash.h <<'CONTRACT_EOF'
#define UTHASH_VERSION 2.3.0
CONTRACT_EOF
file source/include/utlist.h <<'CONTRACT_EOF'
#define UTLIST_VERSION 2.3.0
CONTRACT_EOF
file source/tests/Makefile <<'CONTRACT_EOF'
all:
	test -f ../include/uthash.h && echo tests passed
CONTRACT_EOF
source_dir source
