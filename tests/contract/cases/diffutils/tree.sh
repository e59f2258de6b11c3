# nixpkgs: pkgs/by-name/di/diffutils/package.nix
# Differences from the package expression: the patches are left out; PR_PROGRAM=${coreutils}/bin/pr is /usr/bin/pr.
# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

gnu_package diffutils-3.12 diff 1 info
sed -i 's/echo diff/echo diff pr=$(PR_PROGRAM)/' diffutils-3.12/Makefile.in
tarball diffutils-3.12 diffutils-3.12.tar.xz
