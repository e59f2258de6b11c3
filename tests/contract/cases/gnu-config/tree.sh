# nixpkgs: pkgs/by-name/gn/gnu-config/package.nix
# Differences from the package expression: ${configGuess}/${configSub} (fetchurl files) are the plan's srcs; ${runtimeShell} is /usr/bin/bash.
# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

file config.guess-a2287c3 <<'CONTRACT_EOF'
#! /bin/sh
# Attempt to guess a canonical system name.
timestamp='2025-07-09'
echo x86_64-pc-linux-gnu
CONTRACT_EOF
file config.sub-a2287c3 <<'CONTRACT_EOF'
#! /bin/sh
# Configuration validation subroutine script.
timestamp='2025-07-09'
echo "$1"
CONTRACT_EOF
touch -d @$SOURCE_MTIME config.guess-a2287c3 config.sub-a2287c3
