# nixpkgs: pkgs/by-name/ba/bash-preexec/package.nix
# Differences from the package expression: doCheck (bats, not on the host) is left out; the postInstall copy is added so the patched test file is in the output.
# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

file source/bash-preexec.sh <<'CONTRACT_EOF'
# bash-preexec.sh -- Bash support for ZSH-like 'preexec' and 'precmd' functions.
CONTRACT_EOF
file source/test/bash-preexec.bats <<'CONTRACT_EOF'
#!/usr/bin/env bats

setup() {
  true
}

@test "IFS is kept" {
  false
}

@test "other" {
  true
}
CONTRACT_EOF
source_dir source
