# nixpkgs: pkgs/by-name/ni/nix-zsh-completions/package.nix
# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

file source/_nix <<'CONTRACT_EOF'
#compdef nix
CONTRACT_EOF
file source/_nix-build <<'CONTRACT_EOF'
#compdef nix-build
CONTRACT_EOF
file source/nix-zsh-completions.plugin.zsh <<'CONTRACT_EOF'
fpath=(${0:h} $fpath)
CONTRACT_EOF
file source/nix.plugin.zsh <<'CONTRACT_EOF'
# nix plugin
CONTRACT_EOF
source_dir source
