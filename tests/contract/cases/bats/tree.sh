# nixpkgs: pkgs/by-name/ba/bats/package.nix
# Differences from the package expression: resholve's solutions (post-processing outside stdenv) are left out.
# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

script source/install.sh <<'CONTRACT_EOF'
#!/usr/bin/env bash
set -e
PREFIX="$1"
install -d -m 755 "$PREFIX"/{bin,libexec/bats-core,lib/bats-core,share/man/man1,share/man/man7}
install -m 755 bin/* "$PREFIX/bin"
install -m 755 libexec/bats-core/* "$PREFIX/libexec/bats-core"
install -m 755 lib/bats-core/* "$PREFIX/lib/bats-core"
install -m 644 man/bats.1 "$PREFIX/share/man/man1"
install -m 644 man/bats.7 "$PREFIX/share/man/man7"
echo "Installed Bats to $PREFIX/bin/bats"
CONTRACT_EOF
script source/bin/bats <<'CONTRACT_EOF'
#!/usr/bin/env bash
exec "$(dirname "$0")/../libexec/bats-core/bats" "$@"
CONTRACT_EOF
script source/libexec/bats-core/bats <<'CONTRACT_EOF'
#!/usr/bin/env bash
echo "Bats 1.12.0"
CONTRACT_EOF
file source/lib/bats-core/common.bash <<'CONTRACT_EOF'
bats_common() { :; }
CONTRACT_EOF
file source/man/bats.1 <<'CONTRACT_EOF'
.TH BATS 1
CONTRACT_EOF
file source/man/bats.7 <<'CONTRACT_EOF'
.TH BATS 7
CONTRACT_EOF
source_dir source
