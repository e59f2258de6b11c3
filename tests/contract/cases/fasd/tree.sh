# nixpkgs: pkgs/by-name/fa/fasd/package.nix
# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

file source/Makefile <<'CONTRACT_EOF'
PREFIX ?= /usr/local
BINDIR ?= ${PREFIX}/bin
MANDIR ?= ${PREFIX}/share/man
INSTALL ?= install
all:
install:
	${INSTALL} -d ${BINDIR}
	${INSTALL} -m755 fasd ${BINDIR}
	${INSTALL} -d ${MANDIR}/man1
	${INSTALL} -m644 fasd.1 ${MANDIR}/man1
CONTRACT_EOF
script source/fasd <<'CONTRACT_EOF'
#!/usr/bin/env sh
echo fasd
CONTRACT_EOF
file source/fasd.1 <<'CONTRACT_EOF'
.TH FASD 1
CONTRACT_EOF
source_dir source
