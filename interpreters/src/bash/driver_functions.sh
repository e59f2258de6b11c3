# The functions of phaser's bash driver (driver.sh runs them): defined
# once in the long-lived bash (server.sh) and inherited by each phase's
# subshell, or defined by a fresh `bash -c` before its one phase. Their
# names, and the variables they use, start with __phaser so they never
# clash with a package's.

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

# Inside a function, as stdenv evaluates a phase inside `runPhase`: a
# phase's `local` declarations and `return` work as they do there.
__phaser_phase() {
    source "$PHASER_SCRIPT"
}

# Every variable and every function the package's shell has after the
# script, for the runner to compare with what the phase started with.
# bash's own loops are slow, so the variables are one `declare -p`, which
# the runner parses. Two things it cannot show are written the long way:
# what a name reference (`declare -n`) reads as, and the functions the
# package defined (those are skipped when the list of functions is still
# the one the phase started with, `__phaser_functions_at_start`). Both
# lists come through a file (a `$(...)` would fork), ended by a NUL.
#
# Both files are written in place (`1<>`, not `>`): ext4 flushes a file at
# once when it is cut to nothing and written again, which costs
# milliseconds. What is left of an older, longer content lies after the
# NUL, or after the dump's `end` record, where nobody reads.
#
# phaser's own long variables (the server's script and the driver, the
# lists of functions) are unset before the `declare -p`: the runner skips
# them, and quoting kilobytes of text with newlines is most of its work.
__phaser_dump() {
    # (No `local -` to restore errexit: nothing runs after the dump, and
    # `declare -p` would list it.)
    local __phaser_functions __phaser_refs __phaser_line __phaser_n \
        __phaser_a __phaser_k
    set +e
    # (Two `read`s split the file: bash's `${x#*...}` is quadratic.)
    { declare -F; printf '\1'; declare -pn; printf '\0'; } 1<>"$PHASER_DUMP-listing"
    {
        IFS= read -r -d $'\1' __phaser_functions
        IFS= read -r -d '' __phaser_refs
    } <"$PHASER_DUMP-listing"
    {
        printf 'cwd\0%s\0' "$PWD"
        [[ -z $__phaser_refs ]] || while IFS= read -r __phaser_line; do
            [[ $__phaser_line == 'declare -'* ]] || continue
            __phaser_n=${__phaser_line#declare -* }
            __phaser_n=${__phaser_n%%=*}
            [[ $__phaser_n == __phaser* || $__phaser_n == BASH_* ]] && continue
            # What the name refers to, as reading it shows it.
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
        done <<<"$__phaser_refs"
        # Functions the prelude does not define: the package's own, which
        # later bash phases see as stdenv's one shell would show them.
        if [[ $__phaser_functions != "${__phaser_functions_at_start-}" ]]; then
            while IFS= read -r __phaser_line; do
                [[ $__phaser_line == 'declare -'* ]] || continue
                __phaser_n=${__phaser_line#declare -* }
                [[ $__phaser_n == __phaser* || -v "__phaser_prelude_functions[$__phaser_n]" ]] && continue
                printf 'F\0%s\0' "$__phaser_n"
                declare -f "$__phaser_n"
                printf '\0'
            done <<<"$__phaser_functions"
        fi
        unset -v __phaser_functions __phaser_refs __phaser_functions_at_start \
            __phaser_prelude_functions __phaser_driver BASH_EXECUTION_STRING
        printf 'P\0'
        declare -p
        printf '\0'
        # The last record: a dump without it was cut short (a full disk).
        printf 'end\0'
    } 1<>"$PHASER_DUMP"
}
