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

__phaser_dump() {
    # Declared-but-empty variables must not trip `set -u` here.
    local - __phaser_n __phaser_attrs
    set +u
    {
        printf 'cwd\0%s\0' "$PWD"
        for __phaser_n in $(compgen -e); do
            printf 'E\0%s\0%s\0' "$__phaser_n" "${!__phaser_n-}"
        done
        for __phaser_n in $(compgen -v); do
            [[ $__phaser_n == __phaser* ]] && continue
            if [[ -v "__phaser_tracked[$__phaser_n]" || $__phaser_n =~ ^(dont|do)[A-Z] || $__phaser_n =~ Flags(Array)?$ ]]; then
                __phaser_attrs=${!__phaser_n@a}
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
