# phaser's bash prelude, part 3: multiple outputs, as
# pkgs/build-support/setup-hooks/multiple-outputs.sh has them. The
# `output*` variables themselves (outputDev, outputBin, ...) are set by the
# runner before the first phase; these are the functions packages call.

# _assignFirst VAR NAME...: VAR becomes the first NAME whose variable is
# set and not empty (the word REMOVE always qualifies).
_assignFirst() {
    local varName=$1 _var
    local REMOVE=REMOVE
    shift
    for _var in "$@"; do
        if [[ -n ${!_var-} ]]; then
            eval "${varName}=${_var}"
            return
        fi
    done
    echo
    echo "error: _assignFirst: could not find a non-empty variable whose name to assign to ${varName}."
    echo "       The following variables were all unset or empty:"
    echo "           $*"
    if [[ -z ${out:-} ]]; then
        echo '       If you do not want an "out" output in your derivation, make sure to define'
        echo '       the other specific required outputs. This can be achieved by picking one'
        echo "       of the above as an output."
        echo '       You do not have to remove "out" if you want to have a different default'
        echo '       output, because the first output is taken as a default.'
        echo
    fi
    return 1
}

# _overrideFirst VAR NAME...: _assignFirst, unless VAR is already set.
_overrideFirst() {
    if [[ -z ${!1-} ]]; then
        _assignFirst "$@"
    fi
}

# moveToOutput PATTERN OUTPUT_PATH: moves what matches PATTERN (a glob
# relative to each output) from every other output into OUTPUT_PATH (or
# deletes it for REMOVE), merging directories and removing directories
# the move left empty.
moveToOutput() {
    local -a paths=()
    local output
    for output in $(getAllOutputNames); do
        paths+=("${!output}")
    done
    local pattern dest list
    __phaser_json_string pattern "$1"
    __phaser_json_string dest "$2"
    __phaser_json_words list "${paths[@]}"
    phaser std moveToOutput "{\"pattern\": $pattern, \"dest\": $dest, \"outputs\": $list}" >/dev/null
}

# Configure flags that put each kind of file into its output (a
# preConfigure hook in stdenv; phaser's standard configure does the same
# natively).
_multioutConfig() {
    if [[ "$(getAllOutputNames)" == out || -z ${setOutputFlags-1} ]]; then
        return
    fi
    if [[ -z ${shareDocName:-} ]]; then
        local confScript=${configureScript:-}
        if [[ -z $confScript && -x ./configure ]]; then
            confScript=./configure
        fi
        if [[ -f $confScript ]]; then
            local shareDocName
            shareDocName=$(sed -n "s/^PACKAGE_TARNAME='\(.*\)'$/\1/p" <"$confScript")
        fi
        if [[ -z $shareDocName || $shareDocName == *[^a-zA-Z0-9_-]* ]]; then
            shareDocName=$(echo "$name" | sed 's/-[^a-zA-Z].*//')
        fi
    fi
    prependToVar configureFlags \
        --bindir="${!outputBin}"/bin --sbindir="${!outputBin}"/sbin \
        --includedir="${!outputInclude}"/include \
        --mandir="${!outputMan}"/share/man --infodir="${!outputInfo}"/share/info \
        --docdir="${!outputDoc}"/share/doc/"${shareDocName}" \
        --libdir="${!outputLib}"/lib --libexecdir="${!outputLib}"/libexec \
        --localedir="${!outputLib}"/share/locale
    prependToVar installFlags \
        pkgconfigdir="${!outputDev}"/lib/pkgconfig \
        m4datadir="${!outputDev}"/share/aclocal aclocaldir="${!outputDev}"/share/aclocal
}

# Documentation into its outputs (a preFixup hook).
_multioutDocs() {
    local REMOVE=REMOVE
    moveToOutput share/info "${!outputInfo}"
    moveToOutput share/doc "${!outputDoc}"
    moveToOutput share/gtk-doc "${!outputDevdoc}"
    moveToOutput share/devhelp/books "${!outputDevdoc}"
    moveToOutput share/man "${!outputMan}"
    moveToOutput share/man/man3 "${!outputDevman}"
}

# Headers, pkg-config, CMake and aclocal files into the development
# outputs (a preFixup hook), with each .pc file's includedir following.
_multioutDevs() {
    if [[ "$(getAllOutputNames)" == out || -z ${moveToDev-1} ]]; then
        return
    fi
    moveToOutput include "${!outputInclude}"
    moveToOutput lib/pkgconfig "${!outputDev}"
    moveToOutput share/pkgconfig "${!outputDev}"
    moveToOutput lib/cmake "${!outputDev}"
    moveToOutput share/aclocal "${!outputDev}"
    local f
    for f in "${!outputDev}"/{lib,share}/pkgconfig/*.pc; do
        echo "Patching '$f' includedir to output ${!outputInclude}"
        sed -i "/^includedir=/s,=\${prefix},=${!outputInclude}," "$f"
    done
}

# The development output propagates the outputs a dependent needs (a
# postFixup hook): nix-support/propagated-build-inputs.
_multioutPropagateDev() {
    [[ "$(getAllOutputNames)" != out ]] || return 0
    local outputFirst
    for outputFirst in $(getAllOutputNames); do
        break
    done
    local propagater=${outputDev:-$outputFirst}
    if [[ -z ${propagatedBuildOutputs+1} ]]; then
        local -A seen=()
        local candidate
        propagatedBuildOutputs=
        for candidate in $(printf '%s\n' $outputBin $outputInclude $outputLib | LC_ALL=C sort -u); do
            [[ $candidate == *"$propagater"* ]] && continue
            propagatedBuildOutputs+="$candidate "
        done
    fi
    [[ -n $propagatedBuildOutputs ]] || return 0
    mkdir -p "${!propagater}"/nix-support
    local output
    for output in $propagatedBuildOutputs; do
        echo -n " ${!output}" >>"${!propagater}"/nix-support/propagated-build-inputs
    done
}
