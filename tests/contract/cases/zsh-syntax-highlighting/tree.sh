# nixpkgs: pkgs/by-name/zs/zsh-syntax-highlighting/package.nix
# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

file source/Makefile <<'CONTRACT_EOF'
NAME=zsh-syntax-highlighting
INSTALL?=install -c
PREFIX?=/usr/local
SHARE_DIR?=$(DESTDIR)$(PREFIX)/share/$(NAME)
DOC_DIR?=$(DESTDIR)$(PREFIX)/share/doc/$(NAME)
all:
	@echo nothing to build
install: all
	$(INSTALL) -d $(SHARE_DIR)
	$(INSTALL) -d $(DOC_DIR)
	cp .version zsh-syntax-highlighting.zsh $(SHARE_DIR)
	cp COPYING.md README.md $(DOC_DIR)
	cp -R highlighters $(SHARE_DIR)
CONTRACT_EOF
printf '0.8.0\n' > source/.version
file source/zsh-syntax-highlighting.zsh <<'CONTRACT_EOF'
# zsh-syntax-highlighting
CONTRACT_EOF
file source/COPYING.md <<'CONTRACT_EOF'
BSD 3-clause
CONTRACT_EOF
file source/README.md <<'CONTRACT_EOF'
# zsh-syntax-highlighting
CONTRACT_EOF
file source/highlighters/main/main-highlighter.zsh <<'CONTRACT_EOF'
# main
CONTRACT_EOF
source_dir source
