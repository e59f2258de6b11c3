# phaser's bash prelude, part 4: the functions of stdenv's default setup
# hooks (pkgs/build-support/setup-hooks/*.sh), for packages that call them
# by name. Each works on `$prefix` (one output) as in stdenv, with the work
# done by phaser's native functions; phaser's standard fixup phase calls
# those natively and does not go through these.

# patchShebangs [--build|--host] [--update] PATH...
patchShebangs() {
    local -a flags=()
    while (($# > 0)); do
        case $1 in
        --host) flags+=(--host) ;;
        --build) flags+=(--build) ;;
        --update) flags+=(--update) ;;
        --) shift; break ;;
        -*)
            echo "Unknown option $1 supplied to patchShebangs" >&2
            return 1
            ;;
        *) break ;;
        esac
        shift
    done
    echo "patching script interpreter paths in $*"
    if (($# == 0)); then
        echo "No arguments supplied to patchShebangs" >&2
        return 0
    fi
    phaser std patchShebangs "${flags[@]}" -- "$@" >/dev/null
}

# patch-shebangs.sh's fixupOutput hook: the build PATH for the dev output
# (unless it is `out`), the host path for the others.
patchShebangsAuto() {
    if [[ -z ${dontPatchShebangs-} && -e $prefix ]]; then
        if [[ ${output-} != out && ${output-} == "${outputDev-}" ]]; then
            patchShebangs --build "$prefix"
        else
            patchShebangs --host "$prefix"
        fi
    fi
}

compressManPages() {
    phaser std compressManPages "$1" >/dev/null
}

# stripDirs STRIP RANLIB DIRS FLAGS: strip.sh's helper, for $prefix.
stripDirs() {
    local cmd=$1 ranlibCmd=$2 dirs=$3 stripFlags=$4
    [[ -n $cmd ]] || { echo "stripDirs: Strip command is empty" >&2; exit 1; }
    [[ -n $ranlibCmd ]] || { echo "stripDirs: Ranlib command is empty" >&2; exit 1; }
    local -a list=() flagList=() exclude=()
    local dir
    for dir in $dirs; do list+=("$dir"); done
    for dir in $stripFlags; do flagList+=("$dir"); done
    [[ -z ${stripExclude+x} ]] || exclude=("${stripExclude[@]}")
    ((${#list[@]} > 0)) || return 0
    local prefixJson listJson flagsJson excludeJson cmdJson ranlibJson
    __phaser_json_string prefixJson "$prefix"
    __phaser_json_string cmdJson "$cmd"
    __phaser_json_string ranlibJson "$ranlibCmd"
    __phaser_json_words listJson "${list[@]}"
    __phaser_json_words flagsJson "${flagList[@]}"
    __phaser_json_words excludeJson "${exclude[@]}"
    phaser std strip "{\"paths\": [$prefixJson], \"strip\": $cmdJson, \"ranlib\": $ranlibJson, \"debugList\": $listJson, \"debugFlags\": $flagsJson, \"allList\": [], \"exclude\": $excludeJson}" >/dev/null
}

# strip.sh's fixupOutput hook.
_doStrip() {
    [[ -z ${dontStrip-} && -z ${dontStripHost-} ]] || return 0
    type -f "${STRIP-}" >/dev/null 2>&1 || return 0
    local debugList=${stripDebugList[*]:-lib lib32 lib64 libexec bin sbin Applications Library/Frameworks}
    stripDirs "$STRIP" "${RANLIB-}" "$debugList" "${stripDebugFlags[*]:--S -p}"
    stripDirs "$STRIP" "${RANLIB-}" "${stripAllList[*]:-}" "${stripAllFlags[*]:--s -p}"
}

_pruneLibtoolFiles() {
    if [[ -n ${dontPruneLibtoolFiles-} || ! -e $prefix ]]; then
        return
    fi
    phaser std pruneLibtoolFiles "$prefix" >/dev/null
}

_moveLib64() {
    [[ ${dontMoveLib64-} != 1 ]] || return 0
    phaser std moveLib64 "$prefix" >/dev/null
}

_moveSbin() {
    [[ ${dontMoveSbin-} != 1 ]] || return 0
    phaser std moveSbin "$prefix" >/dev/null
}

_moveSystemdUserUnits() {
    [[ ${dontMoveSystemdUserUnits:-0} != 1 ]] || return 0
    phaser std moveSystemdUserUnits "${prefix:?}" >/dev/null
}

# move-docs.sh's preFixup hook: man, doc and info (or forceShare) of $out
# into share/.
_moveToShare() {
    if [[ -z ${forceShare+x} || -z ${forceShare[*]} ]]; then
        forceShare=(man doc info)
    fi
    [[ -n ${out-} ]] || return 0
    local path list
    __phaser_json_string path "$out"
    __phaser_json_words list "${forceShare[@]}"
    phaser std moveDocs "{\"path\": $path, \"forceShare\": $list}" >/dev/null
}

_makeSymlinksRelative() {
    if [[ -n ${dontRewriteSymlinks-} || ! -e $prefix ]]; then
        return
    fi
    phaser std makeSymlinksRelative "$prefix" >/dev/null
}

_makeSymlinksRelativeInAllOutputs() {
    local output
    for output in $(getAllOutputNames); do
        prefix=${!output} _makeSymlinksRelative
    done
}

# no-broken-symlinks.sh: a symlink into the build directory, or a
# dangling or reflexive one into the store, fails the build. Outside Nix
# the directories holding the outputs count as the store.
noBrokenSymlinks() {
    local output=${1:?} name
    [[ -e $output ]] || return 0
    local -a stores=("${NIX_STORE:-/nix/store}")
    for name in $(getAllOutputNames); do
        stores+=("$(dirname -- "${!name}")")
    done
    local path storesJson tmpJson
    __phaser_json_string path "$output"
    __phaser_json_words storesJson "${stores[@]}"
    __phaser_json_string tmpJson "${TMPDIR:-}"
    phaser std checkSymlinks "{\"path\": $path, \"stores\": $storesJson, \"tmpdir\": $tmpJson}" >/dev/null || exit 1
}

noBrokenSymlinksInAllOutputs() {
    if [[ -z ${dontCheckForBrokenSymlinks-} ]]; then
        local output
        for output in $(getAllOutputNames); do
            noBrokenSymlinks "${!output}"
        done
    fi
}

# audit-tmpdir.sh: run paths and wrapper scripts must not name $TMPDIR.
auditTmpdir() {
    [[ -e $1 ]] || return 0
    echo "checking for references to $TMPDIR/ in $1..."
    phaser std auditTmpdir "$1" >/dev/null || exit 1
}

# patchelf's fixupOutput hook: shrinks run paths with patchelf, when it is
# on PATH (phaser's standard fixup does not call it).
patchELF() {
    local dir=$1 file
    [[ -e $dir ]] || return 0
    echo "shrinking RPATHs of ELF executables and libraries in $dir"
    while IFS= read -r -d '' file; do
        [[ $file =~ .build-id ]] && continue
        isELF "$file" || continue
        echo "shrinking $file"
        patchelf --shrink-rpath "$file" || true
    done < <(find "$dir" -type f -print0)
}

# set-source-date-epoch-to-latest.sh: raise SOURCE_DATE_EPOCH to the
# newest regular file under PATH that predates the build.
updateSourceDateEpoch() {
    local path=$1 found time file
    [[ $path == -* ]] && path="./$path"
    local pathJson referenceJson
    __phaser_json_string pathJson "$path"
    __phaser_json_string referenceJson "$NIX_BUILD_TOP/.."
    found=$(phaser std --json newestFile "{\"path\": $pathJson, \"notNewerThan\": $referenceJson}")
    [[ $found =~ \"mtime\":([0-9]+),.*\"path\":\"(.*)\"\} ]] || return 0
    time=${BASH_REMATCH[1]}
    file=${BASH_REMATCH[2]}
    if ((time > ${SOURCE_DATE_EPOCH:-0})); then
        echo "setting SOURCE_DATE_EPOCH to timestamp $time of file $file"
        export SOURCE_DATE_EPOCH=$time
        if ((time > EPOCHSECONDS - 60)); then
            echo "warning: file $file may be generated; SOURCE_DATE_EPOCH may be non-deterministic"
        fi
    fi
}

_updateSourceDateEpochFromSourceRoot() {
    if [[ -n ${sourceRoot-} ]]; then
        updateSourceDateEpoch "$sourceRoot"
    fi
}

# fixupPhase's record of propagated dependencies in the dev output.
recordPropagatedDependencies() {
    local -a vars=(depsBuildBuildPropagated propagatedNativeBuildInputs depsBuildTargetPropagated
        depsHostHostPropagated propagatedBuildInputs depsTargetTargetPropagated)
    local -a files=(propagated-build-build-deps propagated-native-build-inputs propagated-build-target-deps
        propagated-host-host-deps propagated-build-inputs propagated-target-target-deps)
    local i
    for i in "${!vars[@]}"; do
        local listRef="${vars[i]}[@]"
        [[ -n "${!listRef-}" ]] || continue
        mkdir -p "${!outputDev}/nix-support"
        printWords ${!listRef} >"${!outputDev}/nix-support/${files[i]}"
    done
}
