# nixpkgs: pkgs/by-name/ma/mailcap/package.nix
# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

file mailcap-2.1.54/mailcap <<'CONTRACT_EOF'
application/pdf; /usr/bin/evince %s
text/html; /usr/bin/w3m -T text/html %s; copiousoutput
CONTRACT_EOF
file mailcap-2.1.54/mime.types <<'CONTRACT_EOF'
# comment
application/pdf					pdf
text/html					html htm
image/png					png
CONTRACT_EOF
script mailcap-2.1.54/generate-nginx-mimetypes.sh <<'CONTRACT_EOF'
#!/bin/sh
echo 'types {'
grep -v '^#' | while read t e; do [ -n "$e" ] && echo "    $t $e;"; done
echo '}'
CONTRACT_EOF
file mailcap-2.1.54/mailcap.5 <<'CONTRACT_EOF'
.TH MAILCAP 5
.SH NAME
mailcap \- metamail capabilities file
CONTRACT_EOF
tarball mailcap-2.1.54 mailcap-2.1.54.tar.xz
