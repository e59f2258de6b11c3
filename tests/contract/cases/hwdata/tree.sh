# nixpkgs: pkgs/by-name/hw/hwdata/package.nix
# Generates the sources plan.json names (tests/contract/README.md).
source "$CONTRACT_TREE_LIB"

stand_in_configure source/configure hwdata
file source/Makefile.in <<'CONTRACT_EOF'
datadir = $(prefix)/share
all:
	@echo nothing to build
install:
	mkdir -p $(datadir)/hwdata $(libdir)/pkgconfig
	install -m 644 pci.ids usb.ids $(datadir)/hwdata
	printf 'prefix=%s\npkgdatadir=$${prefix}/share/hwdata\n' $(prefix) > $(libdir)/pkgconfig/hwdata.pc
CONTRACT_EOF
file source/pci.ids <<'CONTRACT_EOF'
8086  Intel Corporation
CONTRACT_EOF
file source/usb.ids <<'CONTRACT_EOF'
1d6b  Linux Foundation
CONTRACT_EOF
source_dir source
