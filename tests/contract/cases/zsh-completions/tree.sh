# nixpkgs: pkgs/by-name/zs/zsh-completions/package.nix
# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

file source/src/_afew <<'CONTRACT_EOF'
#compdef afew
CONTRACT_EOF
file source/src/_tmuxp <<'CONTRACT_EOF'
#compdef tmuxp
CONTRACT_EOF
file source/src/_node <<'CONTRACT_EOF'
#compdef node
CONTRACT_EOF
file source/src/_rails <<'CONTRACT_EOF'
#compdef rails
CONTRACT_EOF
source_dir source
