//! One test per behaviour of nixpkgs' setup.sh and default hooks that a
//! package's bash relies on (issue 9's list: the bash environment, helper
//! functions, failure semantics, fixup hooks, phase details, what real
//! packages hit), beyond what the nixpkgs test ports cover. Each plan is
//! tests/contract/behaviour/NAME; expected.json holds the exit status and
//! output trees nixpkgs' setup.sh gave (tests/contract/README.md), expect.json
//! the log lines it printed.

use phaser_tests::contract::assert_behaviour;

macro_rules! behaviour {
    ($test:ident, $dir:literal) => {
        #[test]
        fn $test() {
            assert_behaviour($dir);
        }
    };
}

// ---- 1. The bash environment

// structured attrs: a plain attribute is a shell variable, not in children's environment
behaviour!(attrs_declared_not_exported, "attrs-declared-not-exported");

// NIX_ATTRS_JSON_FILE and NIX_ATTRS_SH_FILE name the attributes as JSON and as bash declarations
behaviour!(attrs_files_exist, "attrs-files-exist");

// doCheck = 0 is set for stdenv (the shell sees "0", a non-empty value)
behaviour!(do_check_zero_is_set, "do-check-zero-is-set");

// a dont* flag given as "" is not set (stdenv tests -n)
behaviour!(
    dont_flag_empty_string_is_unset,
    "dont-flag-empty-string-is-unset"
);

// structured attrs: env.* attributes are exported
behaviour!(env_exported, "env-exported");

// errexit: a failing command ends the build with its status
behaviour!(errexit_on, "errexit-on");

// HOME is /homeless-shelter, TZ is UTC, GZIP_NO_TIMESTAMPS is 1
behaviour!(home_and_tz, "home-and-tz");

// NIX_BUILD_CORES unset means 1
behaviour!(nix_build_cores_default, "nix-build-cores-default");

// NIX_STORE is set (to /nix/store)
behaviour!(nix_store_set, "nix-store-set");

// phases run without set -u: an unset variable expands to nothing
behaviour!(nounset_off, "nounset-off");

// nullglob is on: a pattern matching nothing expands to nothing
behaviour!(nullglob_on, "nullglob-on");

// PATH: the cc and binutils wrappers' bin, then the host's tools (as /usr/bin)
behaviour!(path_from_initial_path, "path-from-initial-path");

// pipefail: a pipeline fails when any command in it fails
behaviour!(pipefail_on, "pipefail-on");

// SOURCE_DATE_EPOCH defaults to 315532800 and is exported
behaviour!(source_date_epoch_default, "source-date-epoch-default");

// TMPDIR, TMP, TEMP and TEMPDIR are the build's own directory
behaviour!(tmpdir_is_build_top, "tmpdir-is-build-top");

// ---- 2. Helper functions

// a helper function setup.sh or a default hook defines: addToSearchPath adds existing directories once
behaviour!(helper_addtosearchpath, "helper-addToSearchPath");

// a helper function setup.sh or a default hook defines: appendToVar and prependToVar on arrays and strings
behaviour!(
    helper_appendtovar_prependtovar,
    "helper-appendToVar-prependToVar"
);

// a helper function setup.sh or a default hook defines: concatStringsSep on an array and on a string
behaviour!(helper_concatstringssep, "helper-concatStringsSep");

// a helper function setup.sh or a default hook defines: concatTo joins arrays and splits strings, with defaults
behaviour!(helper_concatto, "helper-concatTo");

// a helper function setup.sh or a default hook defines: echoCmd, printWords and printLines
behaviour!(
    helper_echocmd_printwords_printlines,
    "helper-echoCmd-printWords-printLines"
);

// a helper function setup.sh or a default hook defines: getAllOutputNames
behaviour!(helper_getalloutputnames, "helper-getAllOutputNames");

// a helper function setup.sh or a default hook defines: isELF and isScript
behaviour!(helper_iself_isscript, "helper-isELF-isScript");

// a helper function setup.sh or a default hook defines: _makeSymlinksRelative makes links within an output relative, leaves links to other outputs
behaviour!(helper_makesymlinksrelative, "helper-makeSymlinksRelative");

// a helper function setup.sh or a default hook defines: _moveLib64 and _moveSbin (prefix names the output)
behaviour!(helper_movelib64_movesbin, "helper-moveLib64-moveSbin");

// a helper function setup.sh or a default hook defines: _moveSystemdUserUnits
behaviour!(helper_movesystemduserunits, "helper-moveSystemdUserUnits");

// a helper function setup.sh or a default hook defines: moveToOutput moves from every output, merges directories, removes emptied parents, REMOVE deletes
behaviour!(helper_movetooutput, "helper-moveToOutput");

// a helper function setup.sh or a default hook defines: _moveToShare moves man, doc, info to share
behaviour!(helper_movetoshare, "helper-moveToShare");

// a helper function setup.sh or a default hook defines: _multioutDocs and _multioutDevs move documentation and development files
behaviour!(
    helper_multioutdocs_multioutdevs,
    "helper-multioutDocs-multioutDevs"
);

// a helper function setup.sh or a default hook defines: nixErrorLog prints on the log (NIX_LOG_FD), with its level and caller
behaviour!(helper_nixerrorlog, "helper-nixErrorLog");

// a helper function setup.sh or a default hook defines: _pruneLibtoolFiles clears dependency_libs of shared libraries' .la files only
behaviour!(helper_prunelibtoolfiles, "helper-pruneLibtoolFiles");

// a helper function setup.sh or a default hook defines: runHook runs every hook, runOneHook stops at the first that succeeds
behaviour!(helper_runhook_runonehook, "helper-runHook-runOneHook");

// a helper function setup.sh or a default hook defines: stripHash removes a store hash prefix
behaviour!(helper_striphash, "helper-stripHash");

// substitute --subst-var sees a shell variable that is not exported
behaviour!(
    helper_substitute_subst_var_unexported,
    "helper-substitute-subst-var-unexported"
);

// a helper function setup.sh or a default hook defines: substituteAll replaces @var@ for exported lowercase variables (pname, name, version, out...)
behaviour!(helper_substituteall, "helper-substituteAll");

// a helper function setup.sh or a default hook defines: substituteAllInPlace
behaviour!(helper_substituteallinplace, "helper-substituteAllInPlace");

// a helper function setup.sh or a default hook defines: substituteAllStream prints the substituted variable
behaviour!(helper_substituteallstream, "helper-substituteAllStream");

// substituteInPlace --replace-fail on a missing pattern fails the build
behaviour!(
    helper_substituteinplace_replace_fail,
    "helper-substituteInPlace-replace-fail"
);

// a helper function setup.sh or a default hook defines: substituteInPlace with --replace-warn on a missing pattern warns and goes on
behaviour!(
    helper_substituteinplace_replace_warn,
    "helper-substituteInPlace-replace-warn"
);

// a helper function setup.sh or a default hook defines: substituteStream with --replace-fail, --subst-var and --subst-var-by
behaviour!(helper_substitutestream, "helper-substituteStream");

// a helper function setup.sh or a default hook defines: _updateSourceDateEpochFromSourceRoot takes the newest regular file
behaviour!(helper_updatesourcedateepoch, "helper-updateSourceDateEpoch");

// ---- 3. Failure semantics

// an error in a phase's code names a line number
behaviour!(error_line_number, "error-line-number");

// exitHook does not run when the build fails
behaviour!(exithook_not_on_failure, "exitHook-not-on-failure");

// exitHook runs when the build succeeds, failureHook does not
behaviour!(exithook_on_success, "exitHook-on-success");

// a failing build exits with the failing command's status after running failureHook
behaviour!(
    failure_status_and_failurehook,
    "failure-status-and-failureHook"
);

// succeedOnFailure: $out/nix-support/failed holds the status and the build succeeds
behaviour!(succeedonfailure_status, "succeedOnFailure-status");

// ---- 4. Fixup hooks

// an outputBin naming a missing output fails with _assignFirst's message
behaviour!(fixup_assignfirst_error, "fixup-assignFirst-error");

// fixup fails when a wrapper script refers to the build directory
behaviour!(fixup_audit_tmpdir, "fixup-audit-tmpdir");

// fixup fails on a dangling symlink inside an output
behaviour!(fixup_broken_symlink_fails, "fixup-broken-symlink-fails");

// fixup compresses man pages with gzip -n and points symlinks at the .gz
behaviour!(fixup_compress_man_pages, "fixup-compress-man-pages");

// dontStripHost keeps debug symbols
behaviour!(fixup_dontstriphost, "fixup-dontStripHost");

// fixup merges lib64 into lib and sbin into bin, leaving links
behaviour!(fixup_lib64_sbin, "fixup-lib64-sbin");

// fixup makes absolute symlinks within an output relative
behaviour!(fixup_make_symlinks_relative, "fixup-make-symlinks-relative");

// fixup moves $out/man, $out/doc, $out/info to share
behaviour!(fixup_move_docs, "fixup-move-docs");

// fixup moves development files from every output, e.g. $lib/lib/pkgconfig to dev, and removes emptied directories
behaviour!(
    fixup_moves_from_every_output,
    "fixup-moves-from-every-output"
);

// outputDev, outputBin, outputLib, outputMan, outputDoc, outputInclude, outputInfo, outputDevdoc, outputDevman
behaviour!(fixup_output_variables, "fixup-output-variables");

// fixup rewrites script interpreters to the host's (PATH) tools, leaves non-executable files
behaviour!(fixup_patch_shebangs_host, "fixup-patch-shebangs-host");

// fixup records propagatedBuildInputs and the outputs dev propagates in dev/nix-support
behaviour!(
    fixup_propagated_build_inputs,
    "fixup-propagated-build-inputs"
);

// fixup substitutes setupHook into the dev output's nix-support/setup-hook
behaviour!(fixup_setuphook, "fixup-setupHook");

// fixup strips debug symbols from bin and lib
behaviour!(fixup_strip_default, "fixup-strip-default");

// fixup moves lib/systemd/user to share/systemd/user and links it back
behaviour!(fixup_systemd_user_units, "fixup-systemd-user-units");

// ---- 5. Phase details

// makeFlags and buildFlags elements with spaces stay one argument
behaviour!(build_makeflags_with_spaces, "build-makeFlags-with-spaces");

// check does nothing when the build phase was custom (no Makefile found by stdenv's build)
behaviour!(
    check_skipped_after_custom_build,
    "check-skipped-after-custom-build"
);

// configure fixes libtool scripts (sys_lib_search_path) and /usr/bin/file in libtool configure scripts
behaviour!(configure_fixlibtool, "configure-fixLibtool");

// configure gets --disable-static, --disable-dependency-tracking, --prefix in stdenv's order; lt_cv_deplibs_check_method=pass_all
behaviour!(configure_flags_order, "configure-flags-order");

// with outputs, configure gets --bindir, --sbindir, --includedir, --mandir, --infodir, --docdir, --libdir, --libexecdir, --localedir as the outputs ask
behaviour!(
    configure_multiple_outputs_flags,
    "configure-multiple-outputs-flags"
);

// configurePlatforms adds --build and --host
behaviour!(configure_platforms, "configure-platforms");

// prefixKey replaces --prefix=; dontAddDisableDepTrack and dontDisableStatic
behaviour!(
    configure_prefixkey_dontaddprefix,
    "configure-prefixKey-dontAddPrefix"
);

// configureScript = "" means ./configure
behaviour!(
    configure_script_empty_means_default,
    "configure-script-empty-means-default"
);

// setOutputFlags = false: no output directory flags
behaviour!(
    configure_setoutputflags_false,
    "configure-setOutputFlags-false"
);

// doDist: make dist, tarballs copied to $out/tarballs
behaviour!(dist_copies_tarballs, "dist-copies-tarballs");

// doDist fails when no tarball matches, as cp does
behaviour!(dist_fails_without_tarballs, "dist-fails-without-tarballs");

// installCheckTarget runs without probing
behaviour!(installcheck_explicit_target, "installCheck-explicit-target");

// a context diff applies
behaviour!(patch_context_diff, "patch-context-diff");

// patchFlags -p1 -F3 -l: fuzz and whitespace-insensitive matching
behaviour!(patch_fuzz_and_whitespace, "patch-fuzz-and-whitespace");

// a .gz patch is decompressed
behaviour!(patch_gz_compressed, "patch-gz-compressed");

// patchFlags -p0
behaviour!(patch_p0, "patch-p0");

// patchFlags -p1 -E removes files the patch empties
behaviour!(patch_remove_empty, "patch-remove-empty");

// patchFlags -p1 -R applies a patch in reverse
behaviour!(patch_reverse, "patch-reverse");

// a source whose only directory is hidden has no source root
behaviour!(
    unpack_hidden_directory_not_counted,
    "unpack-hidden-directory-not-counted"
);

// a symlink to a directory counts as a second directory
behaviour!(
    unpack_link_to_directory_counted,
    "unpack-link-to-directory-counted"
);

// srcs: every source unpacked, sourceRoot names the source root
behaviour!(unpack_multiple_srcs, "unpack-multiple-srcs");

// setSourceRoot picks the source root
behaviour!(unpack_setsourceroot, "unpack-setSourceRoot");

// SOURCE_DATE_EPOCH comes from the newest regular file after postUnpack (not directories or symlinks)
behaviour!(unpack_source_date_epoch, "unpack-source-date-epoch");

// unpack makes the source root writable and executable
behaviour!(
    unpack_source_root_made_executable,
    "unpack-source-root-made-executable"
);

// unpackCmd unpacks what the default unpacker cannot
behaviour!(unpack_unpackcmd, "unpack-unpackCmd");

// ---- 6. What real packages hit

// the cc and bintools wrappers' setup hooks export CC, CXX, AR, AS, LD, NM, OBJCOPY, OBJDUMP, RANLIB, READELF, SIZE, STRINGS, STRIP
behaviour!(cc_wrapper_variables, "cc-wrapper-variables");

// make CC:=$(CC) gets the exported CC
behaviour!(make_cc_from_environment, "make-cc-from-environment");
