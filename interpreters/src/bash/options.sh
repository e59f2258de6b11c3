# The shell options are stdenv's for phases: `bash -e` runs the builder
# (pkgs/stdenv/generic/default-builder.sh), and pkgs/stdenv/generic/setup.sh
# turns on pipefail, inherit_errexit and nullglob and leaves nounset off.
set -e -o pipefail
shopt -s inherit_errexit nullglob
