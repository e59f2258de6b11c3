# nixpkgs: pkgs/by-name/ma/man-pages/package.nix
# Differences from the package expression: VERSION=${finalAttrs.version} written out; prefix=${placeholder "out"} is prefix=$(out); doInstallCheck (man on the host) is left out.
# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

file man-pages-6.11/Makefile <<'CONTRACT_EOF'
prefix := /usr/local
VERSION := unknown
DISTDATE ?= unknown
mandir := $(prefix)/share/man
install:
	for s in 2 3 5 8; do mkdir -p $(DESTDIR)$(mandir)/man$$s; done
	for f in man*/*; do sed 's/(date)/$(DISTDATE)/; s/(unreleased)/$(VERSION)/' $$f > $(DESTDIR)$(mandir)/$$f; done
CONTRACT_EOF
file man-pages-6.11/man2/write.2 <<'CONTRACT_EOF'
.TH write 2 (date) "Linux man-pages (unreleased)"
.SH NAME
write \- write to a file descriptor
CONTRACT_EOF
file man-pages-6.11/man3/printf.3 <<'CONTRACT_EOF'
.TH printf 3 (date) "Linux man-pages (unreleased)"
.SH NAME
printf \- formatted output conversion
CONTRACT_EOF
file man-pages-6.11/man5/hosts.5 <<'CONTRACT_EOF'
.TH hosts 5 (date) "Linux man-pages (unreleased)"
CONTRACT_EOF
file man-pages-6.11/man8/ld.so.8 <<'CONTRACT_EOF'
.TH ld.so 8 (date) "Linux man-pages (unreleased)"
CONTRACT_EOF
file man-pages-6.11/man3/vprintf.3 <<'CONTRACT_EOF'
.so man3/printf.3
CONTRACT_EOF
tarball man-pages-6.11 man-pages-6.11.tar.xz
