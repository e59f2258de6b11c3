# phaser's bash prelude, dependencies: the parts of
# pkgs/stdenv/generic/setup.sh that setup hooks call or that run them.
# The dependency lists themselves (pkgsBuildHost, pkgsHostTarget, ...)
# are resolved by phaser and given as attributes.

# addEnvHooks OFFSET HOOK...: registers env hooks for every kind of
# dependency whose host offset is OFFSET (-1 build, 0 host, 1 target).
addEnvHooks() {
    local depHostOffset=$1
    shift
    case $depHostOffset in
    -1) envBuildBuildHooks+=("$@") envBuildHostHooks+=("$@") envBuildTargetHooks+=("$@") ;;
    0) envHostHostHooks+=("$@") envHostTargetHooks+=("$@") ;;
    1) envTargetTargetHooks+=("$@") ;;
    *)
        echo "addEnvHooks: offset $depHostOffset is not -1, 0 or 1" >&2
        return 1
        ;;
    esac
}

# Sources a dependency's setup hook as activatePackage does (a dependency
# that is a file is a setup hook itself); the hook sees what sort of
# dependency it is in hostOffset and targetOffset.
__phaser_activate() {
    local pkg=$1
    local -r hostOffset=$2
    local -r targetOffset=$3
    if [[ -f $pkg ]]; then
        echo "sourcing setup hook $pkg" >&2
        source "$pkg"
    fi
    if [[ -f $pkg/nix-support/setup-hook ]]; then
        echo "sourcing setup hook $pkg/nix-support/setup-hook" >&2
        source "$pkg/nix-support/setup-hook"
    fi
}

# setup.sh's _addToEnv: for each sort of dependency, `runHook
# env<Host><Target>Hook PKG` on every dependency (each once) without
# strictDeps, or on the dependencies of that sort with it; the hooks see
# depHostOffset and depTargetOffset.
_addToEnv() {
    local -a __phaser_hooks=(envBuildBuildHook envBuildHostHook envBuildTargetHook
        envHostHostHook envHostTargetHook envTargetTargetHook)
    local -a __phaser_lists=(pkgsBuildBuild pkgsBuildHost pkgsBuildTarget
        pkgsHostHost pkgsHostTarget pkgsTargetTarget)
    local -a __phaser_host=(-1 -1 -1 0 0 1) __phaser_target=(-1 0 1 0 1 1)
    local depHostOffset depTargetOffset pkg __phaser_i __phaser_list
    for __phaser_i in 0 1 2 3 4 5; do
        depHostOffset=${__phaser_host[__phaser_i]}
        depTargetOffset=${__phaser_target[__phaser_i]}
        local -n __phaser_registered="${__phaser_hooks[__phaser_i]}s"
        if ((${#__phaser_registered[@]} == 0)); then
            unset -n __phaser_registered
            continue
        fi
        unset -n __phaser_registered
        if [[ -z ${strictDeps-} ]]; then
            local -A __phaser_visited=()
            for __phaser_list in "${__phaser_lists[@]}"; do
                local -n __phaser_pkgs=$__phaser_list
                for pkg in ${__phaser_pkgs+"${__phaser_pkgs[@]}"}; do
                    [[ -v "__phaser_visited[$pkg]" ]] && continue
                    __phaser_visited[$pkg]=1
                    runHook "${__phaser_hooks[__phaser_i]}" "$pkg"
                done
                unset -n __phaser_pkgs
            done
            unset __phaser_visited
        else
            local -n __phaser_pkgs=${__phaser_lists[__phaser_i]}
            for pkg in ${__phaser_pkgs+"${__phaser_pkgs[@]}"}; do
                runHook "${__phaser_hooks[__phaser_i]}" "$pkg"
            done
            unset -n __phaser_pkgs
        fi
    done
}

# The env hook lists no setup hook added to are not kept as attributes.
__phaser_forget_empty_env_hooks() {
    local name
    for name in envBuildBuildHooks envBuildHostHooks envBuildTargetHooks \
        envHostHostHooks envHostTargetHooks envTargetTargetHooks; do
        local -n __phaser_list=$name
        ((${#__phaser_list[@]} > 0)) || unset "$name"
        unset -n __phaser_list
    done
}
