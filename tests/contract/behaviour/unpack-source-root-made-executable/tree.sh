# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

file pkg/a <<<'a'
chmod 0500 pkg
find pkg -exec touch -h -d "@$SOURCE_MTIME" {} +
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_MTIME" -czf src.tar.gz pkg
chmod 0755 pkg && rm -rf pkg
