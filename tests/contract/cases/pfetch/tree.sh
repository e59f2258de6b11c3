# nixpkgs: pkgs/by-name/pf/pfetch/package.nix
# Differences from the package expression: doInstallCheck with versionCheckHook (not in stdenv) is left out.
# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

script source/pfetch <<'CONTRACT_EOF'
#!/bin/sh
# pfetch - Simple POSIX sh fetch script.
echo pfetch 1.7.1
CONTRACT_EOF
source_dir source
