# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

file hook.sh <<'CONTRACT_EOF'
export MY_PKG_HOME=@out@/share
echo @pname@ @version@ @name@
CONTRACT_EOF
