# nixpkgs: pkgs/by-name/he/hello/package.nix
# Differences from the package expression: ${finalAttrs.meta.mainProgram} is hello; versionCheckHook (not in stdenv) is left out.
# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

gnu_package hello-2.12.3 hello 1 info
cat >> hello-2.12.3/Makefile.in <<'CONTRACT_EOF'
installcheck:
	test -x $(bindir)/hello
CONTRACT_EOF
tarball hello-2.12.3 hello-2.12.3.tar.gz
