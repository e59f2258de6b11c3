# The package chain of xiph.json as Nix derivations, one per package,
# through phaser's Nix library (runtime/nix): dependency names become the
# derivations of those packages.
{
  # The static phaser the derivations run as their builder.
  phaser,
  # The directory holding the Debian orig tarballs (tests/fetch-sources).
  sources,
  # Extra attributes for a package, by name: the remote-builder test
  # sends some packages to another machine with requiredSystemFeatures.
  extra ? (name: { }),
}:
let
  lib = import ../../runtime/nix { inherit phaser; };
  spec = builtins.fromJSON (builtins.readFile ./xiph.json);
  byName = names: map (name: packages.${name}) names;
  packages = builtins.mapAttrs (name: attrs:
    lib.package (attrs // {
      src = sources + "/${attrs.src}";
    } // builtins.mapAttrs (_: byName) (builtins.intersectAttrs {
      buildInputs = null;
      propagatedBuildInputs = null;
      nativeBuildInputs = null;
    } attrs) // extra name)) spec.packages;
in
packages
