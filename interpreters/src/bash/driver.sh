# phaser's bash driver: runs one phase script the way stdenv's shell runs a
# phase, then dumps what the script changed so the runner can turn it into
# the phase's answer. Variables and functions of phaser's own start with
# __phaser so they never clash with a package's.
#
# It runs at the top level of a shell that has stdenv's options for phases
# and the prelude already (options.sh): a fresh `bash -c`, or a subshell the
# long-lived bash of server.sh forked, whose variables are as fresh.
source "$PHASER_VARS"
cd -- "$PHASER_CWD"

# Records where the first failure happened: the script's own line even when
# the failing command is inside a helper function the script called. Where
# errexit is on, it then exits as errexit would, with the same status:
# bash 5.2's own errexit exit from a `source`d file inside a function
# prints "pop_var_context: head of shell_variables not a function
# context", which stdenv's shell (it `eval`s phases) never shows.
__phaser_on_err() {
    local status=$1 line=$2 i
    if [[ ! -e $PHASER_ERRORS ]]; then
        for ((i = 0; i < ${#BASH_SOURCE[@]}; i++)); do
            if [[ ${BASH_SOURCE[i]} == "$PHASER_SCRIPT" ]]; then
                ((i > 0)) && line=${BASH_LINENO[i - 1]}
                break
            fi
        done
        ((i < ${#BASH_SOURCE[@]})) || line=
        printf '%s\0%s\0%s\0' "$status" "$line" "$BASH_COMMAND" >"$PHASER_ERRORS"
    fi
    [[ $- != *e* ]] || exit "$status"
}

# Every variable and every function the package's shell has after the
# script. The runner compares them with what the phase started with. The
# names come from one `compgen` each, into a file (a `$(...)` would fork)
# and read back with `mapfile`: bash's loops are slow, and this is the
# driver's main cost.
__phaser_dump() {
    local - __phaser_n __phaser_a __phaser_names __phaser_functions
    set +e
    {
        printf 'cwd\0%s\0' "$PWD"
        compgen -v >"$PHASER_DUMP.names"
        mapfile -t __phaser_names <"$PHASER_DUMP.names"
        for __phaser_n in "${__phaser_names[@]}"; do
            [[ $__phaser_n == __phaser* || $__phaser_n == BASH_* ]] && continue
            __phaser_a=${!__phaser_n@a}
            case $__phaser_a in
            *A*)
                local -n __phaser_ref=$__phaser_n
                printf 'H\0%s\0%s\0' "$__phaser_n" "${#__phaser_ref[@]}"
                for __phaser_k in "${!__phaser_ref[@]}"; do
                    printf '%s\0%s\0' "$__phaser_k" "${__phaser_ref[$__phaser_k]}"
                done
                unset -n __phaser_ref
                ;;
            *a*)
                local -n __phaser_ref=$__phaser_n
                printf 'A\0%s\0%s\0' "$__phaser_n" "${#__phaser_ref[@]}"
                ((${#__phaser_ref[@]} == 0)) || printf '%s\0' "${__phaser_ref[@]}"
                unset -n __phaser_ref
                ;;
            *x*) printf 'E\0%s\0%s\0' "$__phaser_n" "${!__phaser_n-}" ;;
            *) printf 'S\0%s\0%s\0' "$__phaser_n" "${!__phaser_n-}" ;;
            esac
        done
        # Functions the prelude does not define: the package's own, which
        # later bash phases see as stdenv's one shell would show them.
        compgen -A function >"$PHASER_DUMP.functions"
        mapfile -t __phaser_functions <"$PHASER_DUMP.functions"
        for __phaser_n in "${__phaser_functions[@]}"; do
            [[ $__phaser_n == __phaser* || -v "__phaser_prelude_functions[$__phaser_n]" ]] && continue
            printf 'F\0%s\0' "$__phaser_n"
            declare -f "$__phaser_n"
            printf '\0'
        done
        # The last record: a dump without it was cut short (a full disk).
        printf 'end\0'
    } >"$PHASER_DUMP"
}

set -E
trap '__phaser_on_err $? "$LINENO"' ERR
# Inside a function, as stdenv evaluates a phase inside `runPhase`: a
# phase's `local` declarations and `return` work as they do there.
__phaser_phase() {
    source "$PHASER_SCRIPT"
}
__phaser_phase
trap - ERR
__phaser_dump
