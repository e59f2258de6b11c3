# nixpkgs: pkgs/by-name/ne/neofetch/package.nix
# Differences from the package expression: postInstall's wrapProgram (makeWrapper) is left out; one stand-in patch; PREFIX=${placeholder "out"} is PREFIX=$(out).
# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

script source/neofetch <<'CONTRACT_EOF'
#!/usr/bin/env bash
# neofetch
version=7.1.0
echo "$version"
CONTRACT_EOF
file source/neofetch.1 <<'CONTRACT_EOF'
.TH NEOFETCH 1
CONTRACT_EOF
file source/Makefile <<'CONTRACT_EOF'
PREFIX = /usr
MANDIR = $(PREFIX)/share/man
SYSCONFDIR = /etc
all:
	@echo Run 'make install' to install Neofetch.
install:
	@mkdir -p $(DESTDIR)$(PREFIX)/bin
	@mkdir -p $(DESTDIR)$(MANDIR)/man1
	@cp -p neofetch $(DESTDIR)$(PREFIX)/bin/neofetch
	@cp -p neofetch.1 $(DESTDIR)$(MANDIR)/man1
	@chmod 755 $(DESTDIR)$(PREFIX)/bin/neofetch
CONTRACT_EOF
source_dir source
file update_old_nixos_logo.patch <<'CONTRACT_EOF'
--- a/neofetch
+++ b/neofetch
@@ -1,4 +1,4 @@
 #!/usr/bin/env bash
 # neofetch
-version=7.1.0
+version=7.1.0-nixos
 echo "$version"
CONTRACT_EOF
