# nixpkgs: pkgs/by-name/sl/sl/package.nix
# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

file sl-5.05/sl.c <<'CONTRACT_EOF'
#include <stdio.h>
int main(void) { puts("choo choo (" CC ")"); return 0; }
CONTRACT_EOF
file sl-5.05/Makefile <<'CONTRACT_EOF'
CC=cc
CFLAGS=-O
sl: sl.c
	$(CC) $(CFLAGS) -DCC='"$(CC)"' -o sl sl.c
CONTRACT_EOF
file sl-5.05/sl.1 <<'CONTRACT_EOF'
.TH SL 1
.SH NAME
sl \- cure your bad habit of mistyping
CONTRACT_EOF
file sl-5.05/sl.1.ja <<'CONTRACT_EOF'
.TH SL 1
.SH NAME
sl \- (japanese)
CONTRACT_EOF
tarball sl-5.05 sl-5.05.tar.gz
