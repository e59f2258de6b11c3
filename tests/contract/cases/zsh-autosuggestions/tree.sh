# nixpkgs: pkgs/by-name/zs/zsh-autosuggestions/package.nix
# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

file source/zsh-autosuggestions.plugin.zsh <<'CONTRACT_EOF'
source ${0:A:h}/zsh-autosuggestions.zsh
CONTRACT_EOF
file source/zsh-autosuggestions.zsh <<'CONTRACT_EOF'
# Fish-like fast/unobtrusive autosuggestions for zsh.
CONTRACT_EOF
source_dir source
