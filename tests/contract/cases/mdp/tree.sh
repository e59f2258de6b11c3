# nixpkgs: pkgs/by-name/md/mdp/package.nix
# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

file source/Makefile <<'CONTRACT_EOF'
PREFIX ?= /usr/local
all: mdp
mdp:
	printf '#!/bin/sh\necho mdp\n' > mdp && chmod +x mdp
install: mdp
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 mdp $(DESTDIR)$(PREFIX)/bin/mdp
	install -m 644 mdp.1 $(DESTDIR)$(PREFIX)/share/man/man1/mdp.1
CONTRACT_EOF
file source/mdp.1 <<'CONTRACT_EOF'
.TH MDP 1
CONTRACT_EOF
source_dir source
