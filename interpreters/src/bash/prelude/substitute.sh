# phaser's bash prelude, part 2: stdenv's text substitution
# (pkgs/stdenv/generic/setup.sh: substitute, substituteInPlace,
# substituteAll, substituteStream and friends). Files are substituted by
# the native `substitute`; what only the shell can know (the values of
# shell variables for --subst-var) is resolved here first.

# The options of a substitution with every `--subst-var NAME` turned into
# `--subst-var-by NAME VALUE` (the native side sees only the environment,
# stdenv substitutes any shell variable), checked as substituteStream
# checks them. Sets `__phaser_subst_args`.
__phaser_subst_options() {
    __phaser_subst_args=()
    while (($# > 0)); do
        case $1 in
        --replace | --replace-quiet | --replace-warn | --replace-fail | --subst-var-by)
            if (($# < 3)); then
                echo "substituteStream() in derivation ${name-}: ERROR: $1 needs two arguments" >&2
                return 1
            fi
            __phaser_subst_args+=("$1" "$2" "$3")
            shift 3
            ;;
        --subst-var)
            local varName=${2-}
            if ! [[ $varName =~ ^[a-zA-Z_][a-zA-Z0-9_]*$ ]]; then
                echo "substituteStream() in derivation ${name-}: ERROR: substitution variables must be valid Bash names, \"$varName\" isn't." >&2
                return 1
            fi
            if [[ -z ${!varName+x} ]]; then
                echo "substituteStream() in derivation ${name-}: ERROR: variable \$$varName is unset" >&2
                return 1
            fi
            __phaser_subst_args+=(--subst-var-by "$varName" "${!varName}")
            shift 2
            ;;
        *)
            echo "substituteStream() in derivation ${name-}: ERROR: Invalid command line argument: $1" >&2
            return 1
            ;;
        esac
    done
}

# substitute IN OUT OPTIONS
substitute() {
    local input=$1 output=$2
    shift 2
    if [[ ! -f $input ]]; then
        echo "substitute(): ERROR: file '$input' does not exist" >&2
        return 1
    fi
    local -a __phaser_subst_args
    __phaser_subst_options "$@"
    local src dest args derivation
    __phaser_json_string src "$input"
    __phaser_json_string dest "$output"
    __phaser_json_words args "${__phaser_subst_args[@]}"
    __phaser_json_string derivation "${name-}"
    phaser std substitute "{\"src\": $src, \"dest\": $dest, \"refuseNul\": true, \"derivation\": $derivation, \"args\": $args}" >/dev/null
}

# substituteInPlace FILE... OPTIONS
substituteInPlace() {
    local -a files=()
    while (($# > 0)) && [[ $1 != --* ]]; do
        files+=("$1")
        shift
    done
    if ((${#files[@]} == 0)); then
        echo "substituteInPlace called without any files to operate on (files must come before options!)" >&2
        return 1
    fi
    local -a __phaser_subst_args
    __phaser_subst_options "$@"
    local file
    for file in "${files[@]}"; do
        if [[ ! -f $file ]]; then
            echo "substitute(): ERROR: file '$file' does not exist" >&2
            return 1
        fi
    done
    local list args derivation
    __phaser_json_words list "${files[@]}"
    __phaser_json_words args "${__phaser_subst_args[@]}"
    __phaser_json_string derivation "${name-}"
    phaser std substituteInPlace "{\"files\": $list, \"refuseNul\": true, \"derivation\": $derivation, \"args\": $args}" >/dev/null
}

# The options substituteAll uses: `--subst-var-by` for every exported
# variable whose name starts with a lower-case letter, after exporting
# system, pname, name and version as stdenv's _allFlags does.
_allFlags() {
    export system pname name version
    local varName
    for varName in "${!a@}" "${!b@}" "${!c@}" "${!d@}" "${!e@}" "${!f@}" "${!g@}" \
        "${!h@}" "${!i@}" "${!j@}" "${!k@}" "${!l@}" "${!m@}" "${!n@}" "${!o@}" \
        "${!p@}" "${!q@}" "${!r@}" "${!s@}" "${!t@}" "${!u@}" "${!v@}" "${!w@}" \
        "${!x@}" "${!y@}" "${!z@}"; do
        [[ ${!varName@a} == *x* && -v $varName ]] || continue
        args+=(--subst-var "$varName")
    done
}

# substituteAll IN OUT: replaces @name@ by every such variable.
substituteAll() {
    local input=$1 output=$2
    local -a args=()
    _allFlags
    substitute "$input" "$output" "${args[@]}"
}

substituteAllInPlace() {
    local file=$1
    shift
    substituteAll "$file" "$file" "$@"
}

# substituteStream VAR DESCRIPTION OPTIONS: prints the value of the shell
# variable VAR with the substitutions made (DESCRIPTION names it in
# messages).
substituteStream() {
    local var=$1 description=$2
    shift 2
    local mode pattern replacement
    while (($# > 0)); do
        mode=$1
        case $1 in
        --replace | --replace-quiet | --replace-warn | --replace-fail)
            if [[ $1 == --replace ]]; then
                if [[ -z ${__phaser_warned_replace-} ]]; then
                    echo "substituteStream() in derivation ${name-}: WARNING: '--replace' is deprecated, use --replace-{fail,warn,quiet}. ($description)" >&2
                    __phaser_warned_replace=1
                fi
                mode=--replace-warn
            fi
            pattern=$2 replacement=$3
            shift 3
            if [[ ${!var} != *"$pattern"* ]]; then
                if [[ $mode == --replace-warn ]]; then
                    printf "substituteStream() in derivation ${name-}: WARNING: pattern %q doesn't match anything in %s\n" "$pattern" "$description" >&2
                elif [[ $mode == --replace-fail ]]; then
                    printf "substituteStream() in derivation ${name-}: ERROR: pattern %q doesn't match anything in %s\n" "$pattern" "$description" >&2
                    return 1
                fi
            fi
            __phaser_replace_in "$var" "$pattern" "$replacement"
            ;;
        --subst-var)
            local varName=$2
            shift 2
            if ! [[ $varName =~ ^[a-zA-Z_][a-zA-Z0-9_]*$ ]]; then
                echo "substituteStream() in derivation ${name-}: ERROR: substitution variables must be valid Bash names, \"$varName\" isn't." >&2
                return 1
            fi
            if [[ -z ${!varName+x} ]]; then
                echo "substituteStream() in derivation ${name-}: ERROR: variable \$$varName is unset" >&2
                return 1
            fi
            __phaser_replace_in "$var" "@$varName@" "${!varName}"
            ;;
        --subst-var-by)
            __phaser_replace_in "$var" "@$2@" "$3"
            shift 3
            ;;
        *)
            echo "substituteStream() in derivation ${name-}: ERROR: Invalid command line argument: $1" >&2
            return 1
            ;;
        esac
    done
    printf '%s' "${!var}"
}

# Replaces every PATTERN by REPLACEMENT in the variable named VAR.
__phaser_replace_in() {
    local -n __phaser_text=$1
    __phaser_text=${__phaser_text//"$2"/"$3"}
}

substituteAllStream() {
    local -a args=()
    _allFlags
    substituteStream "$1" "$2" "${args[@]}"
}

# consumeEntire VAR < FILE: the whole input into VAR; input with a NUL
# byte is an error (bash cannot hold it).
consumeEntire() {
    if IFS='' read -r -d '' "$1"; then
        echo "consumeEntire(): ERROR: Input null bytes, won't process" >&2
        return 1
    fi
}

# JSON for the native calls, built without subshells: the JSON string of
# TEXT, or the JSON list of WORDS, into the variable OUT.
__phaser_json_string() {
    local -n __phaser_out=$1
    local text=$2
    text=${text//\\/\\\\}
    text=${text//\"/\\\"}
    text=${text//$'\n'/\\n}
    text=${text//$'\t'/\\t}
    text=${text//$'\r'/\\r}
    # Other control characters have no short escape.
    if [[ $text == *[$'\001'-$'\037']* ]]; then
        local escaped="" i c
        for ((i = 0; i < ${#text}; i++)); do
            c=${text:i:1}
            [[ $c != [$'\001'-$'\037'] ]] || printf -v c '\\u%04x' "'$c"
            escaped+=$c
        done
        text=$escaped
    fi
    __phaser_out="\"$text\""
}

__phaser_json_words() {
    local -n __phaser_list=$1
    shift
    local word json sep=""
    __phaser_list="["
    for word in "$@"; do
        __phaser_json_string json "$word"
        __phaser_list+="$sep$json"
        sep=", "
    done
    __phaser_list+="]"
}
