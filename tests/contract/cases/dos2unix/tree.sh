# nixpkgs: pkgs/by-name/do/dos2unix/package.nix
# Differences from the package expression: prefix=${placeholder "out"} written as prefix=$(out) (the same path, from make's environment).
# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

file dos2unix-7.5.2/Makefile <<'CONTRACT_EOF'
prefix = /usr
all: dos2unix unix2dos
dos2unix unix2dos:
	printf '#!/bin/sh\necho %s\n' $@ > $@ && chmod +x $@
install: all
	install -d $(prefix)/bin $(prefix)/share/man/man1 $(prefix)/share/doc/dos2unix-7.5.2
	install -m 755 dos2unix unix2dos $(prefix)/bin
	install -m 644 man/man1/dos2unix.1 $(prefix)/share/man/man1
	cd $(prefix)/share/man/man1 && ln -sf dos2unix.1 unix2dos.1
	install -m 644 README.txt $(prefix)/share/doc/dos2unix-7.5.2
CONTRACT_EOF
file dos2unix-7.5.2/man/man1/dos2unix.1 <<'CONTRACT_EOF'
.TH DOS2UNIX 1
CONTRACT_EOF
file dos2unix-7.5.2/README.txt <<'CONTRACT_EOF'
dos2unix
CONTRACT_EOF
tarball dos2unix-7.5.2 dos2unix-7.5.2.tar.gz
