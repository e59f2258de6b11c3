# nixpkgs: pkgs/by-name/gi/git-extras/package.nix
# Differences from the package expression: PREFIX/SYSCONFDIR=${placeholder "out"}... written with $(out).
# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

file source/Makefile <<'CONTRACT_EOF'
PREFIX ?= /usr/local
SYSCONFDIR ?= $(PREFIX)/etc
BINPREFIX ?= $(PREFIX)/bin
MANPREFIX ?= $(PREFIX)/share/man/man1
install: check
	mkdir -p $(DESTDIR)$(BINPREFIX) $(DESTDIR)$(MANPREFIX) $(DESTDIR)$(SYSCONFDIR)/bash-completion/completions
	for c in bin/*; do install -m 0755 $$c $(DESTDIR)$(BINPREFIX); done
	cp -f man/*.1 $(DESTDIR)$(MANPREFIX)
	cp -f etc/bash_completion.sh $(DESTDIR)$(SYSCONFDIR)/bash-completion/completions/git-extras
check:
	./check_dependencies.sh
CONTRACT_EOF
script source/check_dependencies.sh <<'CONTRACT_EOF'
#!/usr/bin/env bash
echo ok
CONTRACT_EOF
script source/bin/git-summary <<'CONTRACT_EOF'
#!/usr/bin/env bash
echo summary
CONTRACT_EOF
script source/bin/git-ignore <<'CONTRACT_EOF'
#!/usr/bin/env bash
echo ignore
CONTRACT_EOF
file source/man/git-summary.1 <<'CONTRACT_EOF'
.TH GIT-SUMMARY 1
CONTRACT_EOF
file source/etc/bash_completion.sh <<'CONTRACT_EOF'
_git_summary() { :; }
CONTRACT_EOF
file source/etc/git-extras-completion.zsh <<'CONTRACT_EOF'
#compdef git
CONTRACT_EOF
source_dir source
