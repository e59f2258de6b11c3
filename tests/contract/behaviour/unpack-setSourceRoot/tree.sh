# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

file top/inner/marker <<<'inner'
file top/other <<<'other'
tarball top src.tar.gz
