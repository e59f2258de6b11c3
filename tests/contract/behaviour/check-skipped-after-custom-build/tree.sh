# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

make_targets_package
