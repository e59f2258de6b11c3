# nixpkgs: pkgs/by-name/fi/findutils/package.nix
# Differences from the package expression: ${lib.getExe' coreutils ...} are /usr/bin/echo and /usr/bin/sort; the patch drops the statedir install as the real one does.
# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

stand_in_configure findutils-4.11.0/configure findutils
file findutils-4.11.0/xargs/xargs.c <<'CONTRACT_EOF'
char default_cmd[] = "echo";
CONTRACT_EOF
file findutils-4.11.0/Makefile.in <<'CONTRACT_EOF'
all: find xargs.bin locate updatedb
find locate updatedb:
	printf '#!/bin/sh\necho %s\n' $@ > $@ && chmod +x $@
xargs.bin: xargs/xargs.c
	printf '#!/bin/sh\n# %s\n' "$$(cat xargs/xargs.c)" > xargs.bin && chmod +x xargs.bin
check: all
	./find
install: all
	mkdir -p $(bindir) $(mandir)/man1 $(mandir)/man5 $(infodir) $(localstatedir)
	install find locate updatedb $(bindir)
	install xargs.bin $(bindir)/xargs
	for p in find xargs locate updatedb; do printf '.TH %s 1\n' $$p > $(mandir)/man1/$$p.1; done
	printf '.TH LOCATEDB 5\n' > $(mandir)/man5/locatedb.5
	printf 'This is find.info.\n' > $(infodir)/find.info
	echo 'SORT=$(SORT)' > $(infodir)/find.config
CONTRACT_EOF
tarball findutils-4.11.0 findutils-4.11.0.tar.xz
file no-install-statedir.patch <<'CONTRACT_EOF'
--- a/Makefile.in
+++ b/Makefile.in
@@ -8,5 +8,5 @@
 check: all
 	./find
 install: all
-	mkdir -p $(bindir) $(mandir)/man1 $(mandir)/man5 $(infodir) $(localstatedir)
+	mkdir -p $(bindir) $(mandir)/man1 $(mandir)/man5 $(infodir)
 	install find locate updatedb $(bindir)
CONTRACT_EOF
