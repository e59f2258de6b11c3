# phaser's bash driver: runs one phase script the way stdenv's shell runs a
# phase, then dumps what the script changed so the runner can turn it into
# the phase's answer (its functions are in driver_functions.sh).
#
# It runs at the top level of a shell that has stdenv's options for phases,
# the prelude and the driver's functions already (options.sh): a fresh
# `bash -c`, or a subshell the long-lived bash of server.sh forked, whose
# variables are as fresh.
source "$PHASER_VARS"
cd -- "$PHASER_CWD"
set -E
trap '__phaser_on_err $? "$LINENO"' ERR
__phaser_phase
trap - ERR
__phaser_dump
