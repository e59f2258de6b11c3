# Helpers for the cases' tree.sh (sourced through $CONTRACT_TREE_LIB; the
# case directory is the working directory): sources made the same way every
# time, so phaser and the oracle see the same bytes, modes and times.
set -euo pipefail
umask 022

# The time every source file gets (2010-01-01), so SOURCE_DATE_EPOCH is
# the same whoever builds.
SOURCE_MTIME=1262304000

# tarball DIR FILE: packs DIR (sorted, owner 0, fixed times) into FILE
# (.tar.gz, .tar.xz, .tar.bz2 or .tar) and removes DIR.
tarball() {
    local dir=$1 file=$2 compress
    case $file in
        *.tar.gz | *.tgz) compress="gzip -n" ;;
        *.tar.xz) compress="xz" ;;
        *.tar.bz2) compress="bzip2" ;;
        *.tar) compress="cat" ;;
        *) echo "tarball: unknown archive type $file" >&2; return 1 ;;
    esac
    find "$dir" -exec touch -h -d "@$SOURCE_MTIME" {} +
    tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_MTIME" -cf - "$dir" | $compress > "$file"
    rm -rf "$dir"
}

# source_dir DIR: a directory source as Nix copies it into the store
# (every time 1 s after the epoch).
source_dir() {
    find "$1" -exec touch -h -d @1 {} +
}

# file PATH: writes stdin to PATH, creating its directory.
file() {
    mkdir -p "$(dirname "$1")"
    cat > "$1"
}

# script PATH: like file, executable.
script() {
    file "$1"
    chmod 755 "$1"
}

# stand_in_configure PATH DOCNAME: an autoconf-like configure script that
# takes --prefix and the --*dir= options (and VAR=value), writes Makefile
# as the dir variables followed by Makefile.in, and records its arguments
# in configure.args (the generated Makefiles install that file, so the
# flags stdenv passed are part of the output); MKDIR_P is the
# environment's, else a mode-0750 `install -d`. It mentions
# enable-static and dependency-tracking as autoconf's scripts do.
stand_in_configure() {
    local docname=$2
    script "$1" <<'CONFIGURE'
#!/bin/sh
# enable-static disable-dependency-tracking
for a in "$@"; do
  case $a in
    --prefix=*) prefix=${a#--prefix=} ;;
    --bindir=*) bindir=${a#--bindir=} ;;
    --sbindir=*) sbindir=${a#--sbindir=} ;;
    --libdir=*) libdir=${a#--libdir=} ;;
    --libexecdir=*) libexecdir=${a#--libexecdir=} ;;
    --includedir=*) includedir=${a#--includedir=} ;;
    --oldincludedir=*) oldincludedir=${a#--oldincludedir=} ;;
    --mandir=*) mandir=${a#--mandir=} ;;
    --infodir=*) infodir=${a#--infodir=} ;;
    --docdir=*) docdir=${a#--docdir=} ;;
    --datadir=*) datadir=${a#--datadir=} ;;
    --localedir=*) localedir=${a#--localedir=} ;;
    --sysconfdir=*) sysconfdir=${a#--sysconfdir=} ;;
    --localstatedir=*) localstatedir=${a#--localstatedir=} ;;
    -*) ;;
    *=*) eval "${a%%=*}='${a#*=}'" ;;
  esac
done
: ${datadir:=$prefix/share} ${infodir:=$prefix/share/info} ${sysconfdir:=$prefix/etc} ${localstatedir:=$prefix/var}
: ${bindir:=$prefix/bin} ${libdir:=$prefix/lib} ${includedir:=$prefix/include} ${mandir:=$prefix/share/man}
: ${docdir:=$prefix/share/doc/@DOCNAME@} ${localedir:=$prefix/share/locale}
{
  for v in prefix datadir bindir libdir includedir mandir docdir localedir infodir sysconfdir localstatedir; do
    eval "echo \"$v = \$$v\""
  done
  echo "MKDIR_P = ${MKDIR_P:-install -d -m 0750}"
  cat Makefile.in
} > Makefile
printf '%s\n' "$@" > configure.args
CONFIGURE
    sed -i "s|@DOCNAME@|$docname|" "$1"
}

# gnu_package DIR PROGRAM [MAN_SECTION] [no-info]: a GNU-style tree in DIR:
# the stand-in configure, a Makefile.in building PROGRAM (a script naming
# itself) with check and install targets, its man page and info file.
# Extra Makefile.in rules can be appended afterwards.
gnu_package() {
    local dir=$1 prog=$2 man=${3:-1} info=${4:-info}
    stand_in_configure "$dir/configure" "$prog"
    {
        printf 'all: %s\n%s:\n\tprintf '"'"'#!/bin/sh\\necho %s\\n'"'"' > %s && chmod +x %s\n' "$prog" "$prog" "$prog" "$prog" "$prog"
        printf 'check: %s\n\t./%s\n' "$prog" "$prog"
        printf 'install: all\n\tmkdir -p $(DESTDIR)$(bindir) $(DESTDIR)$(mandir)/man%s $(DESTDIR)$(docdir)\n' "$man"
        printf '\tinstall %s $(DESTDIR)$(bindir)\n\tinstall -m 644 doc/%s.%s $(DESTDIR)$(mandir)/man%s\n' "$prog" "$prog" "$man" "$man"
        printf '\tinstall -m 644 configure.args $(DESTDIR)$(docdir)\n'
        if [ "$info" = info ]; then
            printf '\tmkdir -p $(DESTDIR)$(infodir)\n\tinstall -m 644 doc/%s.info $(DESTDIR)$(infodir)\n' "$prog"
        fi
    } > "$dir/Makefile.in"
    file "$dir/doc/$prog.$man" <<<".TH ${prog^^} $man
.SH NAME
$prog"
    if [ "$info" = info ]; then
        file "$dir/doc/$prog.info" <<<"This is $prog.info."
    fi
}

# three_line_source: src.tar.gz holding pkg/file.txt ("line one", "line
# two", "line three"), the source the patch behaviours patch.
three_line_source() {
    printf 'line one\nline two\nline three\n' | file pkg/file.txt
    tarball pkg src.tar.gz
}

# configured_package: src.tar.gz holding the stand-in configure and a
# Makefile.in whose install puts configure.args and the environment
# configure's callers set (lt_cv_deplibs_check_method, CONFIG_SHELL) in
# $(docdir), so the configure flags stdenv passed are in the output.
configured_package() {
    stand_in_configure pkg/configure pkg
    file pkg/Makefile.in <<'MAKEFILE'
all:
install:
	mkdir -p $(DESTDIR)$(docdir)
	cp configure.args $(DESTDIR)$(docdir)/
	env | grep -E '^(lt_cv_deplibs_check_method|CONFIG_SHELL)=' | sort > $(DESTDIR)$(docdir)/env
MAKEFILE
    tarball pkg src.tar.gz
}

# make_targets_package: src.tar.gz holding a Makefile (no configure) whose
# targets record what ran: all writes $(MAKEFLAGS) and $(FOO), check and
# mycheck leave markers, dist makes pkg-1.0.tar.gz, nodist makes nothing.
make_targets_package() {
    file pkg/Makefile <<'MAKEFILE'
all:
	echo '$(MAKEFLAGS) [$(FOO)]' > build-flags
check:
	echo checked > check-ran
mycheck:
	mkdir -p $(out)/share && echo ran > $(out)/share/mycheck-ran
install:
	mkdir -p $(out)/share
	cp build-flags $(out)/share/
	test -f check-ran && cp check-ran $(out)/share/ || true
dist:
	mkdir -p pkg-1.0 && echo d > pkg-1.0/f && tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@1262304000 -cf - pkg-1.0 | gzip -n > pkg-1.0.tar.gz
nodist:
	true
MAKEFILE
    tarball pkg src.tar.gz
}
