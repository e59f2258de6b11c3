# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

file .hidden-src/a <<<'a'
tarball .hidden-src src.tar.gz
