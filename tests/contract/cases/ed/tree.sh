# nixpkgs: pkgs/by-name/ed/ed/package.nix
# Differences from the package expression: the source is .tar.gz instead of .tar.lz (lzip is not a host tool); CC=${stdenv.cc.targetPrefix}cc is CC=cc.
# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

gnu_package ed-1.22.6 ed 1 info
tarball ed-1.22.6 ed-1.22.6.tar.gz
