# phaser's bash prelude, part 5: stdenv's unpacking in bash
# (pkgs/stdenv/generic/setup.sh: unpackPhase, unpackFile, _defaultUnpack),
# for plans whose unpack depends on bash hooks (`unpackCmd`,
# `setSourceRoot`, entries in `unpackCmdHooks`); archives are unpacked by
# the native `unpack`. Plans without such hooks get phaser's standard Rhai
# unpack, which does the same.

# Unpacks one source the way stdenv's default unpack hook does: a
# directory is copied under its name without the store hash; tar archives
# (by name) are unpacked; anything else is left to other hooks (returns 1).
_defaultUnpack() {
    local fn=$1 destination
    if [[ -d $fn ]]; then
        destination=$(stripHash "$fn")
        if [[ -e $destination ]]; then
            echo "Cannot copy $fn to $destination: destination already exists!"
            echo "Did you specify two \"srcs\" with the same \"name\"?"
            return 1
        fi
    else
        case $fn in
        *.tar.xz | *.tar.lzma | *.txz | *.tar | *.tar.* | *.tgz | *.tbz2 | *.tbz) ;;
        *) return 1 ;;
        esac
    fi
    local src
    __phaser_json_string src "$fn"
    phaser std unpack "{\"src\": $src, \"dest\": \".\", \"sourceRoot\": false, \"makeWritable\": true}" >/dev/null
}

# unpackFile SRC: the first unpackCmd hook that succeeds unpacks SRC.
unpackFile() {
    curSrc=$1
    echo "unpacking source archive $curSrc"
    if ! runOneHook unpackCmd "$curSrc"; then
        echo "do not know how to unpack source archive $curSrc"
        exit 1
    fi
}

# stdenv's unpackPhase, hooks included.
unpackPhase() {
    runHook preUnpack
    __phaser_unpack_sources
    runHook postUnpack
}

# The body of stdenv's unpackPhase between its hooks: unpack every source
# and find the source root. phaser's bash unpack body runs this (its hooks
# are run by the runner around it).
__phaser_unpack_sources() {
    if [[ -z ${srcs:-} ]]; then
        if [[ -z ${src:-} ]]; then
            echo 'variable $src or $srcs should point to the source'
            exit 1
        fi
        srcs=$src
    fi
    local -a srcsArray
    concatTo srcsArray srcs
    local dirsBefore="" i
    for i in *; do
        [[ -d $i ]] && dirsBefore="$dirsBefore $i "
    done
    for i in "${srcsArray[@]}"; do
        unpackFile "$i"
    done
    : "${sourceRoot=}"
    if [[ -n ${setSourceRoot:-} ]]; then
        runOneHook setSourceRoot
    elif [[ -z $sourceRoot ]]; then
        for i in *; do
            [[ -d $i ]] || continue
            case $dirsBefore in
            *\ $i\ *) ;;
            *)
                if [[ -n $sourceRoot ]]; then
                    echo "unpacker produced multiple directories"
                    exit 1
                fi
                sourceRoot=$i
                ;;
            esac
        done
    fi
    if [[ -z $sourceRoot ]]; then
        echo "unpacker appears to have produced no directories"
        exit 1
    fi
    echo "source root is $sourceRoot"
    if [[ ${dontMakeSourcesWritable:-0} != 1 ]]; then
        chmod -R u+w -- "$sourceRoot"
    fi
}
