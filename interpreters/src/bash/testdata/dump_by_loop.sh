# The bash driver's dump as it was before it read one `declare -p`: a loop
# over `compgen -v` reading each variable's attributes and value. It stays
# here only as the reference dump_parity_tests.rs compares the driver's
# dump with: both must give the runner the same variables and functions.
__phaser_dump_by_loop() {
    local - __phaser_n __phaser_a __phaser_names __phaser_functions
    set +e
    {
        printf 'cwd\0%s\0' "$PWD"
        compgen -v >"$__phaser_loop_dump.names"
        mapfile -t __phaser_names <"$__phaser_loop_dump.names"
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
        compgen -A function >"$__phaser_loop_dump.functions"
        mapfile -t __phaser_functions <"$__phaser_loop_dump.functions"
        for __phaser_n in "${__phaser_functions[@]}"; do
            [[ $__phaser_n == __phaser* || -v "__phaser_prelude_functions[$__phaser_n]" ]] && continue
            printf 'F\0%s\0' "$__phaser_n"
            declare -f "$__phaser_n"
            printf '\0'
        done
        # The last record: a dump without it was cut short (a full disk).
        printf 'end\0'
    } >"$__phaser_loop_dump"
}
