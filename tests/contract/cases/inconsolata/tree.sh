# nixpkgs: pkgs/by-name/in/inconsolata/package.nix
# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

for f in ofl/inconsolata/static/Inconsolata-Bold.ttf ofl/inconsolata/static/Inconsolata-Regular.ttf ofl/inconsolata/Inconsolata[wdth,wght].ttf; do mkdir -p "source/$(dirname "$f")"; printf '\000\001\000\000%s' "$f" > "source/$f"; done
source_dir source
