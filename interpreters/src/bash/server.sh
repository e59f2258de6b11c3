# phaser's long-lived bash, one per build: the prelude is sourced once, and
# each bash phase runs in a subshell forked from this shell. A subshell
# starts from the state a fresh `bash -c` would have and cannot change this
# shell, so a phase still sees only what its input gives it and hands on
# only its answer.
#
# Its directory (`$__phaser_dir`, set before this script) holds the
# files of the phase to run (phase_files.rs).
# Requests come on stdin: the phase's label, ended by a NUL (bash reads a
# pipe a byte at a time, so a request is short). Replies go to fd 3:
# `started PID` once the phase's subshell has its request, in a process
# group of its own (`set -m`), then `done STATUS` when it ended. A phase's
# stdout and stderr are the FIFOs `stdout` and `stderr` in the directory,
# which the runner reads; this shell's own stdout goes nowhere, its stderr
# (job notices, its own errors) to server.log.
set +e
set -m

# The first steps of a phase's subshell once it has its request (its
# stdin is /dev/null from its start): its own file descriptors, and the
# name, clock and depth a fresh bash has. (What stays different: `$$` is
# this shell's pid for every phase, as in stdenv's one shell, and the
# subshell does not ignore SIGQUIT itself as a fresh bash does; the
# commands it runs start with the same signal dispositions either way.)
__phaser_enter() {
    set +m
    exec >"$1/stdout" 2>"$1/stderr" 3>&- 5<&- || exit 126
    BASH_ARGV0=phaser-$2
    BASH_SUBSHELL=0
    SECONDS=0
}

# The functions every phase starts with, for the dump to tell at a glance
# that a phase defined none (through a file: a `$(...)` would fork).
declare -F >functions
IFS= read -r -d '' __phaser_functions_at_start <functions

# The variables every phase starts from; a phase's env.sh and vars.sh
# hold only what its phase has different (base.rs).
source ./base.sh

# The FIFO `go` hands a request on to the subshell forked for it: this
# shell keeps the only writing end (fd 7), so a subshell waiting there
# reads its end when this shell is gone, and ends without running
# anything. (The runner makes the FIFO; opening its reading end first
# through a read-write descriptor keeps the two opens from blocking.)
exec 6<>go 5<go 7>go 6<&-

# Each phase's subshell is forked ahead of its request, as soon as the
# last phase ended: forking bash is most of what a phase costs, and this
# way it overlaps the runner's reading of the last answer. The subshell is
# the same copy of this shell either way (nothing here changes between
# phases).
while :; do
    (
        exec 7>&- </dev/null
        IFS= read -r -d '' __phaser_label <&5 || exit 0
        __phaser_enter "$__phaser_dir" "$__phaser_label"
        source "$__phaser_dir/env.sh"
        # Where a fresh bash started: in the phase's directory, with $PWD
        # from getcwd and $OLDPWD exported but unset.
        builtin cd -P -- "$PHASER_CWD" || exit 1
        unset OLDPWD
        export OLDPWD
        set -e
        eval "$__phaser_driver"
    ) &
    __phaser_pid=$!
    # No request: the runner is gone (or has a new server); the subshell
    # waiting for one ends with this shell.
    IFS= read -r -d '' __phaser_label || exit 0
    printf '%s\0' "$__phaser_label" >&7
    printf 'started %s\n' "$__phaser_pid" >&3
    wait "$__phaser_pid"
    printf 'done %s\n' "$?" >&3
done
