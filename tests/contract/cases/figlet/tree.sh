# nixpkgs: pkgs/by-name/fi/figlet/package.nix
# Differences from the package expression: postInstall's contributed fonts (a second fetch) are left out; the patch is a stand-in; MANDIR $(prefix)/man moves to share/man in fixup.
# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

file figlet-2.2.5/figlet.c <<'CONTRACT_EOF'
#include <stdio.h>
int main(void) { puts("figlet 2.2.5"); return 0; }
CONTRACT_EOF
file figlet-2.2.5/Makefile <<'CONTRACT_EOF'
prefix = /usr/local
BINDIR = $(prefix)/bin
MANDIR = $(prefix)/man
DEFAULTFONTDIR = $(prefix)/share/figlet
CC = gcc
LD = gcc
all: figlet
figlet: figlet.o
	$(LD) -o figlet figlet.o
figlet.o: figlet.c
	$(CC) -c -O2 figlet.c
check: figlet
	./figlet | grep -q figlet
install: figlet
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man6 $(DESTDIR)$(DEFAULTFONTDIR)
	cp figlet $(DESTDIR)$(BINDIR)
	cp figlet.6 $(DESTDIR)$(MANDIR)/man6
	cp fonts/*.flf $(DESTDIR)$(DEFAULTFONTDIR)
	echo 'built with $(CC)' > $(DESTDIR)$(DEFAULTFONTDIR)/README.build
CONTRACT_EOF
file figlet-2.2.5/figlet.6 <<'CONTRACT_EOF'
.TH FIGLET 6
CONTRACT_EOF
file figlet-2.2.5/fonts/standard.flf <<'CONTRACT_EOF'
flf2a$ 6 5 16 15 11 0 24463
CONTRACT_EOF
tarball figlet-2.2.5 figlet-2.2.5.tar.gz
file musl-fix-cplusplus-decls.patch <<'CONTRACT_EOF'
--- a/figlet.6
+++ b/figlet.6
@@ -1 +1,2 @@
 .TH FIGLET 6
+.SH NAME
CONTRACT_EOF
