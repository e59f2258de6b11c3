//! nixpkgs' own tests of stdenv, ported to phaser plans: one test per test
//! attribute of pkgs/test/stdenv/default.nix, hooks.nix,
//! patch-shebangs.nix, no-broken-symlinks.nix, pkgs/test/substitute and
//! pkgs/stdenv/tests. Each plan (tests/contract/nixpkgs/NAME/plan.json)
//! runs the test's own bash; expect.json says what the nixpkgs test checks
//! (exit status, log lines, output files), and every expectation was checked
//! against nixpkgs' real setup.sh first (tests/contract/README.md).
//!
//! Not ported, because they test Nix or nixpkgs' Nix code rather than the
//! build's bash: default.nix's ensure-no-execve-in-setup-sh (strace of
//! sourcing setup.sh), rejectedHashes.md5 (evaluation), the
//! test-cc-wrapper-substitutions pair (building the cc-wrapper derivation),
//! the test-inputDerivation* attributes (Nix's inputDerivation and output
//! checks) and tests-stdenv-gcc-stageCompare; `hooks` and
//! `structuredAttrsByDefault.hooks` are the hooks.nix ports below (plans are
//! structured attrs either way).

use phaser_tests::contract::assert_expectation;

macro_rules! port {
    ($test:ident, $dir:literal) => {
        #[test]
        fn $test() {
            assert_expectation("nixpkgs", $dir);
        }
    };
}

// nixpkgs: pkgs/test/stdenv/hooks.nix, compress-man-pages
port!(hooks_compress_man_pages, "hooks-compress-man-pages");
// nixpkgs: pkgs/test/stdenv/hooks.nix, make-symlinks-relative (the builtins.derivation version calling _makeSymlinksRelative)
port!(hooks_make_symlinks_relative, "hooks-make-symlinks-relative");
// nixpkgs: pkgs/test/stdenv/hooks.nix, move-docs
port!(hooks_move_docs, "hooks-move-docs");
// nixpkgs: pkgs/test/stdenv/hooks.nix, move-lib64
port!(hooks_move_lib64, "hooks-move-lib64");
// nixpkgs: pkgs/test/stdenv/hooks.nix, move-sbin
port!(hooks_move_sbin, "hooks-move-sbin");
// nixpkgs: pkgs/test/stdenv/hooks.nix, prune-libtool-files
port!(hooks_prune_libtool_files, "hooks-prune-libtool-files");
// nixpkgs: pkgs/test/stdenv/hooks.nix, reproducible-builds
port!(hooks_reproducible_builds, "hooks-reproducible-builds");
// nixpkgs: pkgs/test/stdenv/hooks.nix, set-source-date-epoch-to-latest
port!(
    hooks_set_source_date_epoch_to_latest,
    "hooks-set-source-date-epoch-to-latest"
);
// nixpkgs: pkgs/test/stdenv/no-broken-symlinks.nix, fail-broken-symlinks-absolute
port!(
    no_broken_symlinks_fail_broken_symlinks_absolute,
    "no-broken-symlinks-fail-broken-symlinks-absolute"
);
// nixpkgs: pkgs/test/stdenv/no-broken-symlinks.nix, fail-broken-symlinks-relative
port!(
    no_broken_symlinks_fail_broken_symlinks_relative,
    "no-broken-symlinks-fail-broken-symlinks-relative"
);
// nixpkgs: pkgs/test/stdenv/no-broken-symlinks.nix, fail-dangling-symlink-absolute
port!(
    no_broken_symlinks_fail_dangling_symlink_absolute,
    "no-broken-symlinks-fail-dangling-symlink-absolute"
);
// nixpkgs: pkgs/test/stdenv/no-broken-symlinks.nix, fail-dangling-symlink-relative
port!(
    no_broken_symlinks_fail_dangling_symlink_relative,
    "no-broken-symlinks-fail-dangling-symlink-relative"
);
// nixpkgs: pkgs/test/stdenv/no-broken-symlinks.nix, fail-reflexive-symlink-absolute
port!(
    no_broken_symlinks_fail_reflexive_symlink_absolute,
    "no-broken-symlinks-fail-reflexive-symlink-absolute"
);
// nixpkgs: pkgs/test/stdenv/no-broken-symlinks.nix, fail-reflexive-symlink-relative
port!(
    no_broken_symlinks_fail_reflexive_symlink_relative,
    "no-broken-symlinks-fail-reflexive-symlink-relative"
);
// nixpkgs: pkgs/test/stdenv/no-broken-symlinks.nix, fail-unreadable-symlink-absolute
port!(
    no_broken_symlinks_fail_unreadable_symlink_absolute,
    "no-broken-symlinks-fail-unreadable-symlink-absolute"
);
// nixpkgs: pkgs/test/stdenv/no-broken-symlinks.nix, fail-unreadable-symlink-relative
port!(
    no_broken_symlinks_fail_unreadable_symlink_relative,
    "no-broken-symlinks-fail-unreadable-symlink-relative"
);
// nixpkgs: pkgs/test/stdenv/no-broken-symlinks.nix, pass-broken-symlinks-absolute-allowed
port!(
    no_broken_symlinks_pass_broken_symlinks_absolute_allowed,
    "no-broken-symlinks-pass-broken-symlinks-absolute-allowed"
);
// nixpkgs: pkgs/test/stdenv/no-broken-symlinks.nix, pass-broken-symlinks-relative-allowed
port!(
    no_broken_symlinks_pass_broken_symlinks_relative_allowed,
    "no-broken-symlinks-pass-broken-symlinks-relative-allowed"
);
// nixpkgs: pkgs/test/stdenv/no-broken-symlinks.nix, pass-dangling-symlink-absolute-allowed
port!(
    no_broken_symlinks_pass_dangling_symlink_absolute_allowed,
    "no-broken-symlinks-pass-dangling-symlink-absolute-allowed"
);
// nixpkgs: pkgs/test/stdenv/no-broken-symlinks.nix, pass-dangling-symlink-relative-allowed
port!(
    no_broken_symlinks_pass_dangling_symlink_relative_allowed,
    "no-broken-symlinks-pass-dangling-symlink-relative-allowed"
);
// nixpkgs: pkgs/test/stdenv/no-broken-symlinks.nix, pass-reflexive-symlink-absolute-allowed
port!(
    no_broken_symlinks_pass_reflexive_symlink_absolute_allowed,
    "no-broken-symlinks-pass-reflexive-symlink-absolute-allowed"
);
// nixpkgs: pkgs/test/stdenv/no-broken-symlinks.nix, pass-reflexive-symlink-relative-allowed
port!(
    no_broken_symlinks_pass_reflexive_symlink_relative_allowed,
    "no-broken-symlinks-pass-reflexive-symlink-relative-allowed"
);
// nixpkgs: pkgs/test/stdenv/no-broken-symlinks.nix, pass-unreadable-symlink-absolute-allowed
port!(
    no_broken_symlinks_pass_unreadable_symlink_absolute_allowed,
    "no-broken-symlinks-pass-unreadable-symlink-absolute-allowed"
);
// nixpkgs: pkgs/test/stdenv/no-broken-symlinks.nix, pass-unreadable-symlink-relative-allowed
port!(
    no_broken_symlinks_pass_unreadable_symlink_relative_allowed,
    "no-broken-symlinks-pass-unreadable-symlink-relative-allowed"
);
// nixpkgs: pkgs/test/stdenv/no-broken-symlinks.nix, pass-valid-symlink-absolute
port!(
    no_broken_symlinks_pass_valid_symlink_absolute,
    "no-broken-symlinks-pass-valid-symlink-absolute"
);
// nixpkgs: pkgs/test/stdenv/no-broken-symlinks.nix, pass-valid-symlink-outside-nix-store-absolute
port!(
    no_broken_symlinks_pass_valid_symlink_outside_nix_store_absolute,
    "no-broken-symlinks-pass-valid-symlink-outside-nix-store-absolute"
);
// nixpkgs: pkgs/test/stdenv/no-broken-symlinks.nix, pass-valid-symlink-outside-nix-store-relative
port!(
    no_broken_symlinks_pass_valid_symlink_outside_nix_store_relative,
    "no-broken-symlinks-pass-valid-symlink-outside-nix-store-relative"
);
// nixpkgs: pkgs/test/stdenv/no-broken-symlinks.nix, pass-valid-symlink-relative
port!(
    no_broken_symlinks_pass_valid_symlink_relative,
    "no-broken-symlinks-pass-valid-symlink-relative"
);
// nixpkgs: pkgs/test/stdenv/default.nix, outputs-no-out
port!(outputs_no_out, "outputs-no-out");
// nixpkgs: pkgs/test/stdenv/patch-shebangs.nix, bad-shebang
port!(patch_shebangs_bad_shebang, "patch-shebangs-bad-shebang");
// nixpkgs: pkgs/test/stdenv/patch-shebangs.nix, dont-patch-builtins
port!(
    patch_shebangs_dont_patch_builtins,
    "patch-shebangs-dont-patch-builtins"
);
// nixpkgs: pkgs/test/stdenv/patch-shebangs.nix, ignores-nix-store
port!(
    patch_shebangs_ignores_nix_store,
    "patch-shebangs-ignores-nix-store"
);
// nixpkgs: pkgs/test/stdenv/patch-shebangs.nix, preserves-binary-data
port!(
    patch_shebangs_preserves_binary_data,
    "patch-shebangs-preserves-binary-data"
);
// nixpkgs: pkgs/test/stdenv/patch-shebangs.nix, preserves-read-only
port!(
    patch_shebangs_preserves_read_only,
    "patch-shebangs-preserves-read-only"
);
// nixpkgs: pkgs/test/stdenv/patch-shebangs.nix, preserves-timestamp
port!(
    patch_shebangs_preserves_timestamp,
    "patch-shebangs-preserves-timestamp"
);
// nixpkgs: pkgs/test/stdenv/patch-shebangs.nix, read-only-script
port!(
    patch_shebangs_read_only_script,
    "patch-shebangs-read-only-script"
);
// nixpkgs: pkgs/test/stdenv/patch-shebangs.nix, split-string
port!(patch_shebangs_split_string, "patch-shebangs-split-string");
// nixpkgs: pkgs/test/stdenv/patch-shebangs.nix, updates-nix-store
port!(
    patch_shebangs_updates_nix_store,
    "patch-shebangs-updates-nix-store"
);
// nixpkgs: pkgs/test/stdenv/patch-shebangs.nix, without-trailing-newline
port!(
    patch_shebangs_without_trailing_newline,
    "patch-shebangs-without-trailing-newline"
);
// nixpkgs: pkgs/test/stdenv/default.nix, structuredAttrsByDefault.test-concat-strings-sep
port!(
    structuredattrsbydefault_test_concat_strings_sep,
    "structuredAttrsByDefault-test-concat-strings-sep"
);
// nixpkgs: pkgs/test/stdenv/default.nix, structuredAttrsByDefault.test-concat-to
port!(
    structuredattrsbydefault_test_concat_to,
    "structuredAttrsByDefault-test-concat-to"
);
// nixpkgs: pkgs/test/stdenv/default.nix, structuredAttrsByDefault.test-golden-example-structuredAttrs
port!(
    structuredattrsbydefault_test_golden_example_structuredattrs,
    "structuredAttrsByDefault-test-golden-example-structuredAttrs"
);
// nixpkgs: pkgs/test/stdenv/default.nix, structuredAttrsByDefault.test-prepend-append-to-var
port!(
    structuredattrsbydefault_test_prepend_append_to_var,
    "structuredAttrsByDefault-test-prepend-append-to-var"
);
// nixpkgs: pkgs/test/stdenv/default.nix, structuredAttrsByDefault.test-structured-env-attrset
port!(
    structuredattrsbydefault_test_structured_env_attrset,
    "structuredAttrsByDefault-test-structured-env-attrset"
);
// nixpkgs: pkgs/test/substitute/default.nix, legacySingleArg (substitute's builder, pkgs/build-support/substitute/substitute.sh, with the environment it gets)
port!(substitute_legacysinglearg, "substitute-legacySingleArg");
// nixpkgs: pkgs/test/substitute/default.nix, legacySingleReplace (substitute's builder, pkgs/build-support/substitute/substitute.sh, with the environment it gets)
port!(
    substitute_legacysinglereplace,
    "substitute-legacySingleReplace"
);
// nixpkgs: pkgs/test/substitute/default.nix, legacyString (substitute's builder, pkgs/build-support/substitute/substitute.sh, with the environment it gets)
port!(substitute_legacystring, "substitute-legacyString");
// nixpkgs: pkgs/test/substitute/default.nix, legacyVar (substitute's builder, pkgs/build-support/substitute/substitute.sh, with the environment it gets)
port!(substitute_legacyvar, "substitute-legacyVar");
// nixpkgs: pkgs/test/substitute/default.nix, substitutions (substitute's builder, pkgs/build-support/substitute/substitute.sh, with the environment it gets)
port!(substitute_substitutions, "substitute-substitutions");
// nixpkgs: pkgs/stdenv/tests/succeedOnFailure.nix
port!(succeedonfailure, "succeedOnFailure");
// nixpkgs: pkgs/test/stdenv/default.nix, test-concat-strings-sep
port!(test_concat_strings_sep, "test-concat-strings-sep");
// nixpkgs: pkgs/test/stdenv/default.nix, test-concat-to
port!(test_concat_to, "test-concat-to");
// nixpkgs: pkgs/test/stdenv/default.nix, test-env-attrset
port!(test_env_attrset, "test-env-attrset");
// nixpkgs: pkgs/test/stdenv/default.nix, test-prepend-append-to-var
port!(test_prepend_append_to_var, "test-prepend-append-to-var");
// nixpkgs: pkgs/test/stdenv/default.nix, test-structured-env-attrset
port!(test_structured_env_attrset, "test-structured-env-attrset");
