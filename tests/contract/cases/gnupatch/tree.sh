# nixpkgs: pkgs/by-name/gn/gnupatch/package.nix
# Differences from the package expression: gnulibBootstrapHook and bison (not in stdenv) are left out: the generated tree ships configure.
# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

gnu_package source patch 1 info
source_dir source
