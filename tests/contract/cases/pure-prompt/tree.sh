# nixpkgs: pkgs/by-name/pu/pure-prompt/package.nix
# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

file source/pure.zsh <<'CONTRACT_EOF'
# Pure
# by Sindre Sorhus
CONTRACT_EOF
script source/async.zsh <<'CONTRACT_EOF'
#!/usr/bin/env zsh
# zsh-async
CONTRACT_EOF
source_dir source
