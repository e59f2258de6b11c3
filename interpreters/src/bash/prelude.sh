# phaser's bash prelude: the helpers a bash phase can call, on top of
# `phaser std`. Sourced before the package's variables and its script.

# The phaser binary that runs this build, whatever PATH says.
phaser() {
    "$PHASER_EXE" "$@"
}
