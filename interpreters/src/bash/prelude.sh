# phaser's bash prelude: stdenv's helper names, defined on top of
# `phaser std`, so nixpkgs phase snippets run unchanged. Sourced before the
# package's variables and its script.

# The phaser binary that runs this build, whatever PATH says.
phaser() {
    "$PHASER_EXE" "$@"
}

# runHook NAME: stdenv's hook runner. Runs the shell function NAME, else
# the variable NAME as bash (the plan's top-level hook string), then every
# entry of the array NAMEs. The runner does not run a top-level string hook
# a second time when the phase body calls runHook for it.
runHook() {
    local __phaser_hook=$1 __phaser_entry
    shift
    if declare -F "$__phaser_hook" >/dev/null; then
        "$__phaser_hook" "$@"
    elif [[ -n ${!__phaser_hook-} ]]; then
        eval "${!__phaser_hook}"
    fi
    local __phaser_list="${__phaser_hook}Hooks"
    if declare -p "$__phaser_list" &>/dev/null && [[ ${!__phaser_list@a} == *a* ]]; then
        local -n __phaser_entries=$__phaser_list
        for __phaser_entry in "${__phaser_entries[@]}"; do
            if declare -F "$__phaser_entry" >/dev/null; then "$__phaser_entry" "$@"; else eval "$__phaser_entry"; fi
        done
    fi
    return 0
}

# The output names, as stdenv's getAllOutputNames prints them.
getAllOutputNames() {
    echo "${!outputs[@]}"
}

# substituteInPlace FILE... --replace-fail A B --subst-var NAME ...
substituteInPlace() {
    phaser std substituteInPlace -- "$@"
}

# substitute IN OUT --replace-fail A B ...
substitute() {
    phaser std substitute -- "$@"
}

# substituteAllInPlace FILE: replace @NAME@ by every exported variable NAME
# that occurs in the file.
substituteAllInPlace() {
    local file=$1 name
    shift
    local -a args=()
    for name in $(grep -o '@[a-zA-Z_][a-zA-Z0-9_]*@' "$file" | sort -u | tr -d @); do
        [[ -v $name ]] && args+=(--subst-var "$name")
    done
    ((${#args[@]} == 0)) || phaser std substituteInPlace -- "$file" "${args[@]}" "$@"
}

# patchShebangs [--build|--host] [--update] PATH...
patchShebangs() {
    local -a flags=()
    while [[ ${1-} == --* ]]; do
        case $1 in
        --host) flags+=(--host) ;;
        --build) flags+=(--build) ;;
        --update) flags+=(--update) ;;
        --) shift; break ;;
        *) echo "patchShebangs: unknown option $1" >&2; return 1 ;;
        esac
        shift
    done
    (($# > 0)) || return 0
    phaser std patchShebangs "${flags[@]}" -- "$@" >/dev/null
}

# stripDirs STRIP_CMD DIRS FLAGS: stdenv's helper, over the `strip` function.
stripDirs() {
    local cmd=$1 dirs=$2 flags=$3 dir
    local -a list=()
    for dir in $dirs; do list+=("$dir"); done
    ((${#list[@]} > 0)) || return 0
    phaser std strip "{\"paths\": [\"${prefix:-$out}\"], \"strip\": \"$cmd\", \"debugList\": $(__phaser_json_words "${list[@]}"), \"debugFlags\": $(__phaser_json_words $flags)}" >/dev/null
}

# compressManPages DIR, moveToShare-style helpers.
compressManPages() {
    phaser std compressManPages "$1" >/dev/null
}

# A JSON list of words (strings quoted; backslashes and quotes escaped).
__phaser_json_words() {
    local word out="" sep=""
    for word in "$@"; do
        word=${word//\\/\\\\}
        word=${word//\"/\\\"}
        out+="$sep\"$word\""
        sep=", "
    done
    printf '[%s]' "$out"
}
