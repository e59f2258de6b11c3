# nixpkgs: pkgs/by-name/co/cowsay/package.nix
# Differences from the package expression: postInstall's wrapProgram (makeWrapper, not in stdenv) is left out; prefix=${placeholder "out"} is prefix=$(out).
# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

file source/Makefile <<'CONTRACT_EOF'
prefix = /usr/local
bindir = $(prefix)/bin
mandir = $(prefix)/share/man
cowsdir = $(prefix)/share/cowsay/cows
all: cowsay
cowsay: cowsay.in
	sed 's|%PREFIX%|$(prefix)|' cowsay.in > cowsay && chmod +x cowsay
install: all
	install -d $(DESTDIR)$(bindir) $(DESTDIR)$(mandir)/man1 $(DESTDIR)$(cowsdir)
	install -m 755 cowsay $(DESTDIR)$(bindir)
	ln -s cowsay $(DESTDIR)$(bindir)/cowthink
	install -m 644 cowsay.1 $(DESTDIR)$(mandir)/man1
	ln -s cowsay.1 $(DESTDIR)$(mandir)/man1/cowthink.1
	install -m 644 cows/*.cow $(DESTDIR)$(cowsdir)
CONTRACT_EOF
file source/cowsay.in <<'CONTRACT_EOF'
#!/usr/bin/env perl
# cowpath: %PREFIX%/share/cowsay/cows
print "moo\n";
CONTRACT_EOF
file source/cowsay.1 <<'CONTRACT_EOF'
.TH COWSAY 1
CONTRACT_EOF
file source/cows/default.cow <<'CONTRACT_EOF'
$the_cow = <<EOC;
        \   ^__^
EOC
CONTRACT_EOF
source_dir source
