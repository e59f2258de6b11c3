# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

file main/main-file <<<'main'
tarball main main.tar.gz
file extra/extra-file <<<'extra'
source_dir extra
