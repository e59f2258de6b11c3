# phaser's bash driver: runs one phase script the way stdenv's shell runs a
# phase, then dumps what the script changed so the runner can turn it into
# the phase's answer. Variables and functions of phaser's own start with
# __phaser so they never clash with a package's.
#
# The shell options are stdenv's for phases: `bash -e` runs the builder
# (pkgs/stdenv/generic/default-builder.sh), and pkgs/stdenv/generic/setup.sh
# turns on pipefail, inherit_errexit and nullglob and leaves nounset off.
set -e -o pipefail
shopt -s inherit_errexit nullglob
source "$PHASER_PRELUDE"
source "$PHASER_VARS"
cd -- "$PHASER_CWD"

# Records where the first failure happened: the script's own line even when
# the failing command is inside a helper function the script called.
__phaser_on_err() {
    local status=$1 line=$2 i
    [[ -e $PHASER_ERRORS ]] && return 0
    for ((i = 0; i < ${#BASH_SOURCE[@]}; i++)); do
        if [[ ${BASH_SOURCE[i]} == "$PHASER_SCRIPT" ]]; then
            ((i > 0)) && line=${BASH_LINENO[i - 1]}
            printf '%s\0%s\0%s\0' "$status" "$line" "$BASH_COMMAND" >"$PHASER_ERRORS"
            return 0
        fi
    done
    printf '%s\0%s\0%s\0' "$status" "" "$BASH_COMMAND" >"$PHASER_ERRORS"
}

# Every variable and every function the package's shell has after the
# script, without a subshell: "${!a@}" lists the variables whose names
# start with `a`, and a name starts with a letter or `_`. The runner
# compares them with what the phase started with. (Two `$(compgen ...)`
# forks cost more than the rest of the driver.)
__phaser_dump() {
    local - __phaser_n __phaser_a
    set +e
    {
        printf 'cwd\0%s\0' "$PWD"
        for __phaser_n in "${!A@}" "${!B@}" "${!C@}" "${!D@}" "${!E@}" "${!F@}" "${!G@}" \
            "${!H@}" "${!I@}" "${!J@}" "${!K@}" "${!L@}" "${!M@}" "${!N@}" \
            "${!O@}" "${!P@}" "${!Q@}" "${!R@}" "${!S@}" "${!T@}" "${!U@}" \
            "${!V@}" "${!W@}" "${!X@}" "${!Y@}" "${!Z@}" "${!a@}" "${!b@}" \
            "${!c@}" "${!d@}" "${!e@}" "${!f@}" "${!g@}" "${!h@}" "${!i@}" \
            "${!j@}" "${!k@}" "${!l@}" "${!m@}" "${!n@}" "${!o@}" "${!p@}" \
            "${!q@}" "${!r@}" "${!s@}" "${!t@}" "${!u@}" "${!v@}" "${!w@}" \
            "${!x@}" "${!y@}" "${!z@}" "${!_@}"; do
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
        while IFS= read -r __phaser_n; do
            [[ $__phaser_n == __phaser* || -v "__phaser_prelude_functions[$__phaser_n]" ]] && continue
            printf 'F\0%s\0' "$__phaser_n"
            declare -f "$__phaser_n"
            printf '\0'
        done <"$PHASER_DUMP.functions"
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
