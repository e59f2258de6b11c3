# nixpkgs: pkgs/by-name/tr/tree/package.nix
# Differences from the package expression: systemFlags is empty on Linux; CC=${stdenv.cc.targetPrefix}cc is CC=cc; PREFIX=${placeholder "out"} is PREFIX=$(out).
# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

file source/tree.c <<'CONTRACT_EOF'
#include <stdio.h>
int main(void) { puts("tree v2.2.1"); return 0; }
CONTRACT_EOF
file source/Makefile <<'CONTRACT_EOF'
PREFIX=/usr
MANDIR=${PREFIX}/share/man
CC ?= gcc
CFLAGS=-O3 -std=c11
all: tree
tree: tree.c
	$(CC) $(CFLAGS) -o tree tree.c
install: tree
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(MANDIR)/man1
	install tree $(DESTDIR)$(PREFIX)/bin/tree
	install -m 644 doc/tree.1 $(DESTDIR)$(MANDIR)/man1/tree.1
CONTRACT_EOF
file source/doc/tree.1 <<'CONTRACT_EOF'
.TH TREE 1
CONTRACT_EOF
source_dir source
