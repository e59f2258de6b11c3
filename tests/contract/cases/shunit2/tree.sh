# nixpkgs: pkgs/by-name/sh/shunit2/package.nix
# Differences from the package expression: resholve's solutions are left out.
# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

file source/shunit2 <<'CONTRACT_EOF'
#! /bin/sh
# shunit2 2.1.8
echo 'Ran 0 tests.'
CONTRACT_EOF
source_dir source
