# nixpkgs: pkgs/by-name/en/entr/package.nix
# Differences from the package expression: ${coreutils}/bin/cat written as /usr/bin/cat; env.TARGET_OS is stdenv.hostPlatform.uname.system.
# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

file entr-5.8/entr.c <<'CONTRACT_EOF'
static const char *cat = "/bin/cat";
int main(void) { return 0; }
CONTRACT_EOF
file entr-5.8/entr.1 <<'CONTRACT_EOF'
.TH ENTR 1
.SH EXAMPLES
ls | entr /bin/cat file
CONTRACT_EOF
script entr-5.8/configure <<'CONTRACT_EOF'
#!/bin/sh
echo "configure: $*" > configured
CONTRACT_EOF
file entr-5.8/Makefile <<'CONTRACT_EOF'
PREFIX ?= /usr/local
all: entr
entr: entr.c
	printf '#!/bin/sh\n# built for %s with %s\n' "$${TARGET_OS}" "$$(cat configured)" > entr
	grep -o '"/[a-z/]*cat"' entr.c >> entr
	chmod +x entr
test: entr
	./entr
install: entr
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install entr $(DESTDIR)$(PREFIX)/bin
	install -m 644 entr.1 $(DESTDIR)$(PREFIX)/share/man/man1
CONTRACT_EOF
tarball entr-5.8 entr-5.8.tar.gz
