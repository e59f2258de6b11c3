# nixpkgs: pkgs/by-name/pi/pigz/package.nix
# Differences from the package expression: makeFlags: CC=${stdenv.cc}/bin/cc written as CC=cc; doCheck is stdenv.hostPlatform.isLinux.
# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

file pigz-2.8/pigz.c <<'CONTRACT_EOF'
#include <stdio.h>
int main(void) { puts("pigz 2.8"); return 0; }
CONTRACT_EOF
file pigz-2.8/Makefile <<'CONTRACT_EOF'
CC=cc
CFLAGS=-O2
pigz: pigz.c
	$(CC) $(CFLAGS) -o pigz pigz.c
tests: pigz
	./pigz | grep -q 2.8
.PHONY: tests
CONTRACT_EOF
file pigz-2.8/pigz.1 <<'CONTRACT_EOF'
.TH PIGZ 1 "2023"
.SH NAME
pigz \- compress or expand files
CONTRACT_EOF
printf '%%PDF-1.4\n%%fake\n' > pigz-2.8/pigz.pdf
tarball pigz-2.8 pigz-2.8.tar.gz
