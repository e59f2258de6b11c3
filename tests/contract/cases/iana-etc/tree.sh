# nixpkgs: pkgs/by-name/ia/iana-etc/package.nix
# Differences from the package expression: src is fetchzip's unpacked directory; setupHook is the writeText file.
# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

file iana-etc-20250505/services <<'CONTRACT_EOF'
ssh		22/tcp
http		80/tcp
CONTRACT_EOF
file iana-etc-20250505/protocols <<'CONTRACT_EOF'
ip	0	IP
tcp	6	TCP
CONTRACT_EOF
source_dir iana-etc-20250505
file setup-hook <<'CONTRACT_EOF'
export NIX_ETC_PROTOCOLS=@out@/etc/protocols
export NIX_ETC_SERVICES=@out@/etc/services
CONTRACT_EOF
