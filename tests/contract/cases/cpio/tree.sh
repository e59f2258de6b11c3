# nixpkgs: pkgs/by-name/cp/cpio/package.nix
# Differences from the package expression: separateDebugInfo (a mkDerivation transformation adding a debug output and hook) and autoreconfHook are left out.
# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

gnu_package cpio-2.15 cpio 1 info
sed -i 's/echo cpio/echo cpio CFLAGS=$(CFLAGS)/' cpio-2.15/Makefile.in
tarball cpio-2.15 cpio-2.15.tar.bz2
