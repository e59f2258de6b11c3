# nixpkgs: pkgs/by-name/jq/jq/package.nix
# Differences from the package expression: autoreconfHook, bison, oniguruma and removeReferencesTo (not in stdenv) are left out, with the postFixup that needs the last one; ${tzdata}/share/zoneinfo is /usr/share/zoneinfo; the configure script is a stand-in that writes the flags it got.
# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

stand_in_configure jq-1.8.2/configure jq
script jq-1.8.2/scripts/version <<'CONTRACT_EOF'
#!/bin/sh
git describe
CONTRACT_EOF
file jq-1.8.2/vendor/oniguruma/README <<'CONTRACT_EOF'
vendored
CONTRACT_EOF
script jq-1.8.2/tests/shtest <<'CONTRACT_EOF'
#!/bin/sh
TZ=Asia/Tokyo date
CONTRACT_EOF
file jq-1.8.2/src/jq.h <<'CONTRACT_EOF'
#define JQ_H
CONTRACT_EOF
file jq-1.8.2/Makefile.in <<'CONTRACT_EOF'
all: jq libjq.so
jq:
	printf '#!/bin/sh\n# jq %s\nread -r input; echo world\n' "$$(./scripts/version)" > jq && chmod +x jq
libjq.so:
	printf 'libjq\n' > $@
check:
	grep -q zoneinfo tests/shtest
install: all
	mkdir -p $(bindir) $(libdir)/pkgconfig $(includedir) $(mandir)/man1 $(datadir)/doc/jq
	install jq $(bindir)
	install -m 644 libjq.so $(libdir)/libjq.so.1
	ln -s libjq.so.1 $(libdir)/libjq.so
	printf 'prefix=%s\nincludedir=$${prefix}/include\nlibdir=%s\n' $(prefix) $(libdir) > $(libdir)/pkgconfig/libjq.pc
	install -m 644 src/jq.h $(includedir)
	printf '.TH JQ 1\n' > $(mandir)/man1/jq.1
	install -m 644 configure.args $(datadir)/doc/jq
CONTRACT_EOF
tarball jq-1.8.2 jq-1.8.2.tar.gz
