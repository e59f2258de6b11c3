# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

configured_package
