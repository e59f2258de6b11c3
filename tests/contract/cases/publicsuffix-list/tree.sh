# nixpkgs: pkgs/by-name/pu/publicsuffix-list/package.nix
# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

file source/public_suffix_list.dat <<'CONTRACT_EOF'
// ===BEGIN ICANN DOMAINS===
com
org
co.uk
CONTRACT_EOF
file source/tests/test_psl.txt <<'CONTRACT_EOF'
checkPublicSuffix('example.com', 'example.com');
CONTRACT_EOF
source_dir source
