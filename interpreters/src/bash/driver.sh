# phaser's bash driver: runs one phase script the way stdenv's shell would,
# then dumps what the script changed so the runner can turn it into the
# phase's answer. Variables and functions of phaser's own start with
# __phaser so they never clash with a package's.
set -euo pipefail
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

# Every variable name, without a subshell: "${!a@}" lists the variables
# whose names start with `a`, and a name starts with a letter or `_`.
# (Two `$(compgen ...)` forks cost more than the rest of the driver.)
# `local -` keeps `set +u` to this function: under -u, bash 5 takes
# `${!name@a}` of an empty array for an unbound variable.
__phaser_dump() {
    local - __phaser_n __phaser_attrs
    set +u
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
            [[ $__phaser_n == __phaser* ]] && continue
            __phaser_attrs=${!__phaser_n@a}
            [[ $__phaser_attrs == *x* ]] && printf 'E\0%s\0%s\0' "$__phaser_n" "${!__phaser_n-}"
            # Globs, not regular expressions: bash compiles a regex at every test.
            if [[ -v "__phaser_tracked[$__phaser_n]" || $__phaser_n == do[A-Z]* ||
                $__phaser_n == dont[A-Z]* || $__phaser_n == *Flags || $__phaser_n == *FlagsArray ]]; then
                case $__phaser_attrs in
                *A*) ;;
                *a*)
                    local -n __phaser_ref=$__phaser_n
                    printf 'A\0%s\0%s\0' "$__phaser_n" "${#__phaser_ref[@]}"
                    ((${#__phaser_ref[@]} == 0)) || printf '%s\0' "${__phaser_ref[@]}"
                    unset -n __phaser_ref
                    ;;
                *) printf 'S\0%s\0%s\0' "$__phaser_n" "${!__phaser_n-}" ;;
                esac
            fi
        done
    } >"$PHASER_DUMP"
}

set -E
trap '__phaser_on_err $? "$LINENO"' ERR
source "$PHASER_SCRIPT"
trap - ERR
__phaser_dump
