# nixpkgs: pkgs/by-name/nn/nnn/package.nix
# Differences from the package expression: postInstall without installShellCompletion and wrapProgram (hooks stdenv does not have).
# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

file source/Makefile <<'CONTRACT_EOF'
PREFIX ?= /usr/local
all: nnn
nnn:
	printf '#!/bin/sh\necho nnn\n' > nnn && chmod +x nnn
install: all
	install -m 0755 -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 nnn $(DESTDIR)$(PREFIX)/bin
	install -m 0755 -d $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0644 nnn.1 $(DESTDIR)$(PREFIX)/share/man/man1
install-desktop:
	install -m 0755 -d $(DESTDIR)$(PREFIX)/share/applications
	install -m 0644 misc/desktop/nnn.desktop $(DESTDIR)$(PREFIX)/share/applications
CONTRACT_EOF
file source/nnn.1 <<'CONTRACT_EOF'
.TH NNN 1
.SH NAME
nnn \- the missing terminal file manager
CONTRACT_EOF
file source/misc/desktop/nnn.desktop <<'CONTRACT_EOF'
[Desktop Entry]
Name=nnn
Exec=nnn
CONTRACT_EOF
script source/plugins/preview-tui <<'CONTRACT_EOF'
#!/usr/bin/env bash
echo preview
CONTRACT_EOF
file source/plugins/.nnn-plugin-helper <<'CONTRACT_EOF'
# helper
CONTRACT_EOF
file source/misc/quitcd/quitcd.bash_sh_zsh <<'CONTRACT_EOF'
n () { :; }
CONTRACT_EOF
source_dir source
