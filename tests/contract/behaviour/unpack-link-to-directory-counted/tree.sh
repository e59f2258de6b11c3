# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

mkdir -p top && cd top && mkdir -p pkg-1.0 && echo a > pkg-1.0/a && ln -s pkg-1.0 current && cd ..
find top -exec touch -h -d "@$SOURCE_MTIME" {} +
tar -C top --sort=name --owner=0 --group=0 --numeric-owner -czf src.tar.gz pkg-1.0 current
rm -rf top
