# phaser's Nix library: a plan written as a Nix attribute set becomes a
# derivation whose builder is phaser (a static build, so any builder of
# the platform can run it), with `__structuredAttrs = true`: the
# derivation's .attrs.json is the plan. No nixpkgs needed.
#
#   let phaserLib = import ./runtime/nix { phaser = ./phaser; };
#   in phaserLib.package {
#     pname = "hello"; version = "2.10"; src = ./hello-2.10.tar.gz;
#     outputs = [ "out" "man" ];
#     buildInputs = [ libfoo ];            # derivations: their dev output if they have one
#     nativeBuildInputs = [ phaserLib.modules.installShellFiles ];
#     phaser.hooks.postInstall = { lua = "std.log('installed')"; };
#     passthru = { tests = ...; };          # on the result, not in the derivation
#   }
#
# The result is the derivation (its outputs as `.out`, `.dev`, ...) with
# `passthru` and `plan` (the attribute set given) added.
{
  # The phaser binary Nix runs as the builder (a path or a derivation).
  phaser,
  system ? builtins.currentSystem,
  # PATH the phases get unless the plan's `env.PATH` says otherwise (Nix
  # gives builders none): the machine's tools, which the sandbox must
  # show (extra-sandbox-paths), as phaser builds with the host toolchain.
  hostPath ? "/usr/bin:/bin",
}:
let
  # Every stdenv dependency attribute (runtime/src/deps/find.rs).
  dependencyAttributes = [
    "depsBuildBuild" "depsBuildBuildPropagated"
    "nativeBuildInputs" "propagatedNativeBuildInputs"
    "nativeCheckInputs" "nativeInstallCheckInputs"
    "depsBuildTarget" "depsBuildTargetPropagated"
    "depsHostHost" "depsHostHostPropagated"
    "buildInputs" "propagatedBuildInputs"
    "checkInputs" "installCheckInputs"
    "depsTargetTarget" "depsTargetTargetPropagated"
    "defaultNativeBuildInputs" "defaultBuildInputs"
  ];

  # nixpkgs' lib.chooseDevOutputs: a dependency with a `dev` output is
  # used through it (its nix-support/propagated-build-inputs brings the
  # other outputs a dependent needs).
  chooseDev = dep: if builtins.isAttrs dep && dep ? dev then dep.dev else dep;

  package = plan:
    let
      attrs = builtins.removeAttrs plan [ "passthru" ];
      dependencies = builtins.listToAttrs (map (name: {
        inherit name;
        value = map chooseDev attrs.${name};
      }) (builtins.filter (name: attrs ? ${name}) dependencyAttributes));
      drv = derivation (attrs // dependencies // {
        name = plan.name or "${plan.pname}-${plan.version}";
        inherit system;
        builder = "${phaser}";
        __structuredAttrs = true;
        outputs = plan.outputs or [ "out" ];
        env = { PATH = hostPath; } // (plan.env or { });
      });
    in
    drv // (plan.passthru or { }) // { inherit plan; };

  # The example modules (runtime/modules), as store paths to put in a
  # plan's nativeBuildInputs.
  module = name: builtins.path { path = ../modules + "/${name}"; inherit name; };
in
{
  inherit package;
  modules = {
    installShellFiles = module "install-shell-files";
    wrapProgram = module "wrap-program";
  };
}
