# nixpkgs: pkgs/by-name/le/less/package.nix
# Differences from the package expression: the configure.ac patch and autoreconfHook are left out.
# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

gnu_package less-668 less 1 no-info
tarball less-668 less-668.tar.gz
