# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

file pkg/old <<<'old'
touch -d @1300000000 pkg/old
ln -s old pkg/link
touch -h -d @1450000000 pkg/link
touch -d @1450000000 pkg
tar --sort=name --owner=0 --group=0 --numeric-owner -czf src.tar.gz pkg
rm -rf pkg
