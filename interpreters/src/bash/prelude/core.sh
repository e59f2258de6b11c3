# phaser's bash prelude, part 1: the helper functions of
# pkgs/stdenv/generic/setup.sh that phases and hooks call (hooks, logging,
# variables and flags, search paths, file tests). Sourced before the
# package's variables, so a package may redefine any of them.

# The phaser binary that runs this build, whatever PATH says.
phaser() {
    "$PHASER_EXE" "$@"
}

# ---- logging (setup.sh: nixLog, _nixLogWithLevel) -------------------------
# Messages go to Nix's log channel ($NIX_LOG_FD) only, at or below
# $NIX_DEBUG's level, as in stdenv; without NIX_LOG_FD they are dropped.

nixLog() {
    [[ -n ${NIX_LOG_FD-} ]] || return 0
    local caller=${FUNCNAME[1]}
    [[ $caller == _callImplicitHook ]] && caller=${hookName:?}
    printf '%s: %s\n' "$caller" "$*" >&"$NIX_LOG_FD"
}

_nixLogWithLevel() {
    [[ -z ${NIX_LOG_FD-} || ${NIX_DEBUG:-0} -lt ${1:?} ]] && return 0
    local -a names=(ERROR WARN NOTICE INFO TALKATIVE CHATTY DEBUG VOMIT)
    if [[ $1 != [0-7] ]]; then
        echo "_nixLogWithLevel: called with invalid log level: $1" >&"$NIX_LOG_FD"
        return 1
    fi
    local caller=${FUNCNAME[2]}
    [[ $caller == _callImplicitHook ]] && caller=${hookName:?}
    printf '%s: %s: %s\n' "${names[$1]}" "$caller" "${2:?}" >&"$NIX_LOG_FD"
}

nixErrorLog() { _nixLogWithLevel 0 "$*"; }
nixWarnLog() { _nixLogWithLevel 1 "$*"; }
nixNoticeLog() { _nixLogWithLevel 2 "$*"; }
nixInfoLog() { _nixLogWithLevel 3 "$*"; }
nixTalkativeLog() { _nixLogWithLevel 4 "$*"; }
nixChattyLog() { _nixLogWithLevel 5 "$*"; }
nixDebugLog() { _nixLogWithLevel 6 "$*"; }
nixVomitLog() { _nixLogWithLevel 7 "$*"; }

# A command with every argument quoted unambiguously: `echoCmd 'build flags' -j2 'a b'`.
echoCmd() {
    printf '%s:' "$1"
    shift
    printf ' %q' "$@"
    echo
}

printLines() {
    (($# > 0)) || return 0
    printf '%s\n' "$@"
}

printWords() {
    (($# > 0)) || return 0
    printf '%s ' "$@"
}

# ---- hooks (setup.sh: runHook, runOneHook, _callImplicitHook, _eval) ------

# runHook NAME ARGS: the implicit hook NAME (a function, else an executable
# on PATH sourced, else the variable NAME evaluated), then every entry of
# the array `${NAME%Hook}Hooks`; a failing hook fails the build.
runHook() {
    local hookName=$1
    shift
    local listRef="${hookName%Hook}Hooks[@]"
    local hook
    for hook in "_callImplicitHook 0 $hookName" ${!listRef+"${!listRef}"}; do
        _eval "$hook" "$@"
    done
    return 0
}

# runOneHook NAME ARGS: like runHook, but stops at the first hook that
# succeeds; fails when none does.
runOneHook() {
    local hookName=$1
    shift
    local listRef="${hookName%Hook}Hooks[@]"
    local hook
    for hook in "_callImplicitHook 1 $hookName" ${!listRef+"${!listRef}"}; do
        if _eval "$hook" "$@"; then
            return 0
        fi
    done
    return 1
}

# The implicit hook NAME; returns DEFAULT when there is none.
_callImplicitHook() {
    local def=$1 hookName=$2
    if declare -F "$hookName" >/dev/null; then
        "$hookName"
    elif type -p "$hookName" >/dev/null; then
        source "$hookName"
    elif [[ -n ${!hookName:-} ]]; then
        eval "${!hookName}"
    else
        return "$def"
    fi
}

# A function hook gets the arguments; any other hook is code to evaluate
# (inside a function, so its `return` leaves the hook, not the caller).
_eval() {
    if declare -F "$1" >/dev/null 2>&1; then
        "$@"
    else
        eval "$1"
    fi
}

# ---- variables and flags (setup.sh) ----------------------------------------

# prependToVar NAME WORDS / appendToVar NAME WORDS: add words to a list
# attribute, which is an array with structured attributes (phaser's plans
# always are) unless it already exists as a plain string.
prependToVar() {
    __phaser_add_to_var prependToVar "$@"
}

appendToVar() {
    __phaser_add_to_var appendToVar "$@"
}

__phaser_add_to_var() {
    local caller=$1
    local -n __phaser_var=$2
    local asArray=true declaration
    [[ -n ${__structuredAttrs-} ]] || asArray=false
    if declaration=$(declare -p "$2" 2>/dev/null); then
        case ${declaration#* } in
        -A*)
            if [[ $caller == appendToVar ]]; then
                echo "appendToVar(): ERROR: trying to use appendToVar on an associative array, use variable+=([\"X\"]=\"Y\") instead." >&2
            else
                echo "prependToVar(): ERROR: trying to use prependToVar on an associative array." >&2
            fi
            return 1
            ;;
        -a*) asArray=true ;;
        *) asArray=false ;;
        esac
    fi
    shift 2
    if [[ $caller == appendToVar ]]; then
        if $asArray; then
            __phaser_var=(${__phaser_var+"${__phaser_var[@]}"} "$@")
        else
            __phaser_var="${__phaser_var-} $*"
        fi
    elif $asArray; then
        __phaser_var=("$@" ${__phaser_var+"${__phaser_var[@]}"})
    else
        __phaser_var="$* ${__phaser_var-}"
    fi
}

# concatTo TARGET NAME[=DEFAULT]...: append each named variable to the
# array TARGET, arrays element by element, strings split on white space;
# DEFAULT stands in for a variable that is empty or unset.
concatTo() {
    local -
    set -o noglob
    local -n __phaser_target=$1
    shift
    local arg default name declaration
    for arg in "$@"; do
        IFS="=" read -r name default <<<"$arg"
        local -n __phaser_source=$name
        if [[ -z "${__phaser_source[*]}" && -n $default ]]; then
            __phaser_target+=("$default")
        elif declaration=$(declare -p "$name" 2>/dev/null); then
            case ${declaration#* } in
            -A*)
                echo "concatTo(): ERROR: trying to use concatTo on an associative array." >&2
                return 1
                ;;
            -a*) __phaser_target+=("${__phaser_source[@]}") ;;
            *)
                if [[ $name == *Array ]]; then
                    nixErrorLog "concatTo(): $name is not declared as array, treating as a singleton. This will become an error in future"
                    __phaser_target+=(${__phaser_source+"${__phaser_source[@]}"})
                else
                    __phaser_target+=(${__phaser_source-})
                fi
                ;;
            esac
        fi
        unset -n __phaser_source
    done
}

# concatStringsSep SEP NAME: the words of NAME joined by SEP (an array's
# elements as they are, a string's space-separated words).
concatStringsSep() {
    local sep=$1 name=$2 declaration
    declaration=$(declare -p "$name" 2>/dev/null) || return 0
    local -n __phaser_list=$name
    case ${declaration#* } in
    -A*)
        echo "concatStringsSep(): ERROR: trying to use concatStringsSep on an associative array." >&2
        return 1
        ;;
    -a*) local IFS=$'\036' ;;
    *) local IFS=" " ;;
    esac
    local joined="${__phaser_list[*]}"
    echo -n "${joined//"$IFS"/"$sep"}"
}

# The older form of concatTo, which some setup hooks still call: flags
# from the named variables into `flagsArray`.
_accumFlagsArray() {
    local name
    for name in "$@"; do
        if [[ -n ${__structuredAttrs-} ]]; then
            local -n __phaser_flags=$name
            flagsArray+=(${__phaser_flags+"${__phaser_flags[@]}"})
            unset -n __phaser_flags
        else
            local -n __phaser_flags=$name
            case $name in
            *Array) flagsArray+=(${__phaser_flags+"${__phaser_flags[@]}"}) ;;
            *) flagsArray+=(${__phaser_flags-}) ;;
            esac
            unset -n __phaser_flags
        fi
    done
}

# ---- search paths ------------------------------------------------------------

# addToSearchPathWithCustomDelimiter DELIM VAR DIR: append an existing
# directory to the exported list VAR unless it is there already.
addToSearchPathWithCustomDelimiter() {
    local delimiter=$1 varName=$2 dir=$3
    if [[ -d $dir && "${!varName:+${delimiter}${!varName}${delimiter}}" != *"${delimiter}${dir}${delimiter}"* ]]; then
        export "${varName}=${!varName:+${!varName}${delimiter}}${dir}"
    fi
}

addToSearchPath() {
    addToSearchPathWithCustomDelimiter ":" "$@"
}

# Puts DIR/lib first in the linker's run path (NIX_LDFLAGS), unless
# NIX_NO_SELF_RPATH=1.
_addRpathPrefix() {
    if [[ ${NIX_NO_SELF_RPATH:-0} != 1 ]]; then
        export NIX_LDFLAGS="-rpath $1/lib ${NIX_LDFLAGS-}"
    fi
}

# ---- file tests ----------------------------------------------------------------

# The first bytes of FILE, for the magic-number tests below.
__phaser_magic() {
    local fd
    exec {fd}<"$1"
    LANG=C read -r -n "$2" -u "$fd" __phaser_read_magic || true
    exec {fd}<&-
}

isELF() {
    local __phaser_read_magic
    __phaser_magic "$1" 4
    [[ $__phaser_read_magic == $'\177ELF' ]]
}

isScript() {
    local __phaser_read_magic
    __phaser_magic "$1" 2
    [[ $__phaser_read_magic =~ \#! ]]
}

isMachO() {
    local __phaser_read_magic
    __phaser_magic "$1" 4
    case $__phaser_read_magic in
    $'\xfe\xed\xfa\xcf' | $'\xcf\xfa\xed\xfe' | $'\xfe\xed\xfa\xce' | $'\xce\xfa\xed\xfe' | $'\xca\xfe\xba\xbe' | $'\xbe\xba\xfe\xca') return 0 ;;
    *) return 1 ;;
    esac
}

# The base name of a path without its `HASH-` store prefix.
stripHash() {
    local base restoreCase=
    base=$(basename -- "$1")
    shopt -q nocasematch && restoreCase=1
    shopt -u nocasematch
    if [[ $base =~ ^[a-z0-9]{32}- ]]; then
        echo "${base:33}"
    else
        echo "$base"
    fi
    [[ -z $restoreCase ]] || shopt -s nocasematch
}

# fixLibtool FILE: the libtool script FILE searches only the -L
# directories of NIX_LDFLAGS for libraries, not the machine's (setup.sh's
# configure fix; phaser's standard configure does it natively).
fixLibtool() {
    local flag search_path=
    for flag in ${NIX_LDFLAGS-}; do
        [[ $flag == -L* ]] && search_path+=" ${flag#-L}"
    done
    sed -i "$1" -e "s^eval \(sys_lib_search_path=\).*^\1'${search_path}'^" \
        -e 's^eval sys_lib_.+search_path=.*^^'
}

# Writes the exported environment to $NIX_BUILD_TOP/env-vars (mode 600),
# for debugging a failed build, unless noDumpEnvVars=1.
dumpVars() {
    if [[ ${noDumpEnvVars:-0} != 1 && -d $NIX_BUILD_TOP ]]; then
        local mask
        mask=$(umask)
        umask 0077
        export 2>/dev/null >"$NIX_BUILD_TOP/env-vars"
        umask "$mask"
    fi
}

# The output names: the keys of the `outputs` array.
getAllOutputNames() {
    if [[ -n ${__structuredAttrs-} ]]; then
        echo "${!outputs[*]}"
    else
        echo "$outputs"
    fi
}
