//! GNU patch's command line (`patchFlags` in stdenv's patchPhase) read the
//! way GNU patch 2.7's `getopt_long` reads it: clustered short options,
//! attached or separate arguments, `--long=value` and unambiguous
//! abbreviations of long options, `--` ending the options.

use std::path::PathBuf;

use super::{Backup, BackupStyle, Format, PatchOptions, ReadOnly, Zone};

/// What phaser's patch accepts, for error messages.
const SUPPORTED: &str = "-p N/--strip=N, -R/--reverse, -F N/--fuzz=N, -l/--ignore-whitespace, \
     -N/--forward, -t/--batch, -f/--force, -s/--silent/--quiet, --verbose, -E/--remove-empty-files, \
     --binary, -Z/--set-utc, -T/--set-time, -d DIR/--directory=DIR, -u/--unified, -c/--context, \
     -b/--backup, --backup-if-mismatch, --no-backup-if-mismatch, -z/--suffix, -V/--version-control, \
     -B/--prefix, -Y/--basename-prefix, -r/--reject-file, --reject-format, --read-only, \
     --quoting-style, --dry-run, -g 0";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Arg {
    None,
    Required,
    Optional,
}

/// GNU patch 2.7's options: long name, argument, and the short letter (or
/// the long name again for options without one).
const OPTIONS: &[(&str, Arg, &str)] = &[
    ("backup", Arg::None, "b"),
    ("prefix", Arg::Required, "B"),
    ("context", Arg::None, "c"),
    ("directory", Arg::Required, "d"),
    ("ifdef", Arg::Required, "D"),
    ("ed", Arg::None, "e"),
    ("remove-empty-files", Arg::None, "E"),
    ("force", Arg::None, "f"),
    ("fuzz", Arg::Required, "F"),
    ("get", Arg::Required, "g"),
    ("input", Arg::Required, "i"),
    ("ignore-whitespace", Arg::None, "l"),
    ("merge", Arg::Optional, "merge"),
    ("normal", Arg::None, "n"),
    ("forward", Arg::None, "N"),
    ("output", Arg::Required, "o"),
    ("strip", Arg::Required, "p"),
    ("reject-file", Arg::Required, "r"),
    ("reverse", Arg::None, "R"),
    ("quiet", Arg::None, "s"),
    ("silent", Arg::None, "s"),
    ("batch", Arg::None, "t"),
    ("set-time", Arg::None, "T"),
    ("unified", Arg::None, "u"),
    ("version", Arg::None, "v"),
    ("version-control", Arg::Required, "V"),
    ("debug", Arg::Required, "x"),
    ("basename-prefix", Arg::Required, "Y"),
    ("suffix", Arg::Required, "z"),
    ("set-utc", Arg::None, "Z"),
    ("dry-run", Arg::None, "dry-run"),
    ("verbose", Arg::None, "verbose"),
    ("binary", Arg::None, "binary"),
    ("help", Arg::None, "help"),
    ("backup-if-mismatch", Arg::None, "backup-if-mismatch"),
    ("no-backup-if-mismatch", Arg::None, "no-backup-if-mismatch"),
    ("posix", Arg::None, "posix"),
    ("quoting-style", Arg::Required, "quoting-style"),
    ("reject-format", Arg::Required, "reject-format"),
    ("read-only", Arg::Required, "read-only"),
    ("follow-symlinks", Arg::None, "follow-symlinks"),
];

/// Short options and whether they take an argument (GNU patch's
/// `bB:cd:D:eEfF:g:i:lnNo:p:r:RstTuvV:x:Y:z:Z`).
const SHORT: &str = "bB:cd:D:eEfF:g:i:lnNo:p:r:RstTuvV:x:Y:z:Z";

fn short_arg(letter: char) -> Option<Arg> {
    let at = SHORT.find(letter)?;
    Some(if SHORT[at + 1..].starts_with(':') {
        Arg::Required
    } else {
        Arg::None
    })
}

/// One option as read: its key (short letter or long name), how it was
/// written (for messages) and its argument.
struct Given {
    key: &'static str,
    written: String,
    value: Option<String>,
}

/// Splits `flags` into options, as `getopt_long` does.
fn options(flags: &[String]) -> Result<Vec<Given>, String> {
    let mut found = Vec::new();
    let mut i = 0;
    while i < flags.len() {
        let flag = &flags[i];
        i += 1;
        if flag == "--" {
            if let Some(operand) = flags.get(i) {
                return Err(operand_error(operand));
            }
            break;
        }
        if let Some(long) = flag.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((name, value)) => (name, Some(value.to_string())),
                None => (long, None),
            };
            let (full, arg, key) = long_option(name)?;
            let value = match (arg, inline) {
                (Arg::None, Some(_)) => {
                    return Err(format!("option `--{full}` doesn't allow an argument"))
                }
                (Arg::Required, None) => {
                    let value = flags
                        .get(i)
                        .ok_or_else(|| format!("option `--{full}` requires an argument"))?;
                    i += 1;
                    Some(value.clone())
                }
                (_, inline) => inline,
            };
            found.push(Given {
                key,
                written: format!("--{full}"),
                value,
            });
            continue;
        }
        let Some(cluster) = flag.strip_prefix('-').filter(|c| !c.is_empty()) else {
            return Err(operand_error(flag));
        };
        for (at, letter) in cluster.char_indices() {
            let arg = short_arg(letter).ok_or_else(|| format!("invalid option `-{letter}`"))?;
            let key = OPTIONS
                .iter()
                .map(|(_, _, key)| *key)
                .find(|key| key.len() == 1 && key.starts_with(letter))
                .ok_or_else(|| format!("invalid option `-{letter}`"))?;
            if arg == Arg::None {
                found.push(Given {
                    key,
                    written: format!("-{letter}"),
                    value: None,
                });
                continue;
            }
            let rest = &cluster[at + letter.len_utf8()..];
            let value = if rest.is_empty() {
                let value = flags
                    .get(i)
                    .ok_or_else(|| format!("option `-{letter}` requires an argument"))?;
                i += 1;
                value.clone()
            } else {
                rest.to_string()
            };
            found.push(Given {
                key,
                written: format!("-{letter}"),
                value: Some(value),
            });
            break;
        }
    }
    Ok(found)
}

fn operand_error(operand: &str) -> String {
    format!(
        "`{operand}` is a file operand (ORIGFILE or PATCHFILE); phaser's patch applies the patch it is \
         given to the files the patch names and takes no file operands"
    )
}

/// The long option `name` is, exactly or as an unambiguous abbreviation.
fn long_option(name: &str) -> Result<(&'static str, Arg, &'static str), String> {
    if let Some((full, arg, key)) = OPTIONS.iter().find(|(full, _, _)| *full == name) {
        return Ok((full, *arg, key));
    }
    let matches: Vec<&(&str, Arg, &str)> = OPTIONS
        .iter()
        .filter(|(full, _, _)| !name.is_empty() && full.starts_with(name))
        .collect();
    match matches.as_slice() {
        [] => Err(format!("unrecognized option `--{name}`")),
        [(full, arg, key), rest @ ..] if rest.iter().all(|(_, a, k)| a == arg && k == key) => {
            Ok((full, *arg, key))
        }
        _ => Err(format!(
            "option `--{name}` is ambiguous; possibilities: {}",
            matches
                .iter()
                .map(|(full, _, _)| format!("`--{full}`"))
                .collect::<Vec<_>>()
                .join(" ")
        )),
    }
}

/// GNU patch's `numeric_string`: an optional sign and decimal digits that
/// fit an `int`.
fn number(text: &str, negative_allowed: bool, what: &str) -> Result<i32, String> {
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{what} `{text}` is not a number"));
    }
    let value = digits
        .bytes()
        .try_fold(0i32, |value, digit| {
            let digit = i32::from(digit - b'0');
            value
                .checked_mul(10)?
                .checked_add(if negative { -digit } else { digit })
        })
        .ok_or_else(|| format!("{what} `{text}` is too large"))?;
    if value < 0 && !negative_allowed {
        return Err(format!("{what} `{text}` is negative"));
    }
    Ok(value)
}

/// One of `choices` (long name and value), exactly or abbreviated, as
/// gnulib's `argmatch` accepts it.
fn choice<T: Copy + PartialEq>(text: &str, choices: &[(&str, T)], what: &str) -> Result<T, String> {
    if let Some((_, value)) = choices.iter().find(|(name, _)| *name == text) {
        return Ok(*value);
    }
    let matches: Vec<T> = choices
        .iter()
        .filter(|(name, _)| !text.is_empty() && name.starts_with(text))
        .map(|(_, value)| *value)
        .collect();
    match matches.first() {
        Some(first) if matches.iter().all(|v| v == first) => Ok(*first),
        _ => Err(format!(
            "{} `{text}` for {what}; valid arguments are: {}",
            if matches.is_empty() {
                "invalid argument"
            } else {
                "ambiguous argument"
            },
            choices
                .iter()
                .map(|(name, _)| format!("`{name}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// The backup style a `-V`/`--version-control` or `VERSION_CONTROL` value
/// names (`none`/`off` are refused: GNU patch still makes backups then).
pub(crate) fn backup_style(text: &str, what: &str) -> Result<BackupStyle, String> {
    let style = choice(
        text,
        &[
            ("none", None),
            ("off", None),
            ("simple", Some(BackupStyle::Simple)),
            ("never", Some(BackupStyle::Simple)),
            ("existing", Some(BackupStyle::Existing)),
            ("nil", Some(BackupStyle::Existing)),
            ("numbered", Some(BackupStyle::Numbered)),
            ("t", Some(BackupStyle::Numbered)),
        ],
        what,
    )?;
    style.ok_or_else(|| {
        format!(
            "{what} `{text}` is not supported by phaser's patch (use simple, existing or numbered)"
        )
    })
}

impl PatchOptions {
    /// The options GNU patch would use for `patch FLAGS < PATCH` run in
    /// `dir` with the environment `env`: GNU patch's defaults (no `-p`:
    /// base names only; `.orig` backups of files whose hunks needed an
    /// offset or fuzz; `SIMPLE_BACKUP_SUFFIX`, `PATCH_VERSION_CONTROL` or
    /// `VERSION_CONTROL` from `env`), then `flags`. Unknown options, and
    /// GNU options phaser does not implement, are errors that name the
    /// option.
    pub fn gnu(
        patch: impl Into<PathBuf>,
        dir: impl Into<PathBuf>,
        flags: &[String],
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<PatchOptions, String> {
        if env("POSIXLY_CORRECT").is_some() {
            return Err(
                "POSIXLY_CORRECT is set: GNU patch's POSIX mode is not implemented by phaser's patch"
                    .into(),
            );
        }
        let mut options = PatchOptions {
            strip: None,
            backup: Backup {
                if_mismatch: true,
                ..Backup::default()
            },
            ..PatchOptions::new(patch, dir)
        };
        if let Some(suffix) = env("SIMPLE_BACKUP_SUFFIX").filter(|s| !s.is_empty()) {
            options.backup.simple_suffix = suffix;
        }
        let version_control = env("PATCH_VERSION_CONTROL")
            .map(|v| (v, "$PATCH_VERSION_CONTROL"))
            .or_else(|| env("VERSION_CONTROL").map(|v| (v, "$VERSION_CONTROL")));
        let mut style_given = false;
        let unsupported = |given: &Given, why: &str| {
            format!(
                "`{}` is not supported by phaser's patch: {why}; it supports {SUPPORTED}",
                given.written
            )
        };
        for given in options_or_usage(flags)? {
            let value = given.value.clone().unwrap_or_default();
            match given.key {
                "p" => options.strip = Some(number(&value, false, "strip count")? as usize),
                "F" => options.fuzz = number(&value, false, "fuzz factor")? as usize,
                "R" => options.reverse = true,
                "l" => options.ignore_whitespace = true,
                "N" => options.forward = true,
                "t" => options.batch = true,
                "f" => options.force = true,
                "s" => options.quiet = true,
                "verbose" => options.quiet = false,
                "E" => options.remove_empty_files = true,
                "binary" => options.binary = true,
                "Z" => options.set_times = Some(Zone::Utc),
                // -Z wins over -T whatever their order, as in GNU patch
                // (TZ=UTC is set when either is combined with -Z).
                "T" => {
                    if options.set_times.is_none() {
                        options.set_times = Some(Zone::Local);
                    }
                }
                "d" => options.dir = options.dir.join(&value),
                "u" => options.format = Format::Unified,
                "c" => options.format = Format::Context,
                "b" => options.backup.always = true,
                "backup-if-mismatch" => options.backup.if_mismatch = true,
                "no-backup-if-mismatch" => options.backup.if_mismatch = false,
                "z" if value.is_empty() => return Err("backup suffix is empty".into()),
                "z" => options.backup.suffix = Some(value),
                "B" if value.is_empty() => return Err("backup prefix is empty".into()),
                "B" => options.backup.prefix = Some(value),
                "Y" if value.is_empty() => return Err("backup basename prefix is empty".into()),
                "Y" => options.backup.basename_prefix = Some(value),
                "V" => {
                    options.backup.style = backup_style(&value, "--version-control")?;
                    style_given = true;
                }
                "dry-run" => options.dry_run = true,
                "read-only" => {
                    options.read_only = choice(
                        &value,
                        &[
                            ("ignore", ReadOnly::Ignore),
                            ("warn", ReadOnly::Warn),
                            ("fail", ReadOnly::Fail),
                        ],
                        "--read-only",
                    )?
                }
                // Reject files are only written when a hunk fails, and
                // then phaser's patch fails whole and changes nothing.
                "r" => {}
                "reject-format" => {
                    choice(
                        &value,
                        &[("context", ()), ("unified", ())],
                        "--reject-format",
                    )?;
                }
                // Only how names are quoted in messages.
                "quoting-style" => {
                    choice(
                        &value,
                        &[
                            ("literal", ()),
                            ("shell", ()),
                            ("shell-always", ()),
                            ("shell-escape", ()),
                            ("shell-escape-always", ()),
                            ("c", ()),
                            ("c-maybe", ()),
                            ("escape", ()),
                            ("locale", ()),
                            ("clocale", ()),
                        ],
                        "--quoting-style",
                    )?;
                }
                "g" if number(&value, true, "get option value")? == 0 => {}
                "g" => {
                    return Err(unsupported(
                        &given,
                        "phaser's patch does not check files out of RCS or SCCS",
                    ))
                }
                "n" => return Err(unsupported(&given, "normal diffs are not read")),
                "e" => return Err(unsupported(&given, "ed scripts are not read")),
                "D" => return Err(unsupported(&given, "#ifdef merging is not implemented")),
                "merge" => return Err(unsupported(&given, "conflict merging is not implemented")),
                "i" => {
                    return Err(unsupported(
                        &given,
                        "the patch file is the one given to the patch function",
                    ))
                }
                "o" => return Err(unsupported(&given, "patched files are written in place")),
                "posix" => return Err(unsupported(&given, "POSIX mode is not implemented")),
                "follow-symlinks" => {
                    return Err(unsupported(
                        &given,
                        "symbolic links are never patched through",
                    ))
                }
                "v" | "help" => {
                    return Err(unsupported(&given, "it prints a text and applies nothing"))
                }
                _ => return Err(unsupported(&given, "it is a debugging option")),
            }
        }
        if let (false, Some((value, name))) = (style_given, version_control) {
            if !value.is_empty() {
                options.backup.style = backup_style(&value, name)?;
            }
        }
        Ok(options)
    }
}

/// [`options`], with GNU patch's usage hint on errors.
fn options_or_usage(flags: &[String]) -> Result<Vec<Given>, String> {
    options(flags).map_err(|e| format!("{e}; phaser's patch supports {SUPPORTED}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gnu(flags: &[&str]) -> Result<PatchOptions, String> {
        let flags: Vec<String> = flags.iter().map(|f| f.to_string()).collect();
        PatchOptions::gnu("p", "/src", &flags, |_| None)
    }

    #[test]
    fn short_options_cluster_and_take_attached_or_separate_arguments() {
        let o = gnu(&["-Np1", "-F", "3", "-Rt"]).unwrap();
        assert_eq!(o.strip, Some(1));
        assert_eq!(o.fuzz, 3);
        assert!(o.forward && o.reverse && o.batch);
        let o = gnu(&["-p", "0", "-d", "sub", "-dinner"]).unwrap();
        assert_eq!(o.strip, Some(0));
        assert_eq!(o.dir, PathBuf::from("/src/sub/inner"));
        assert_eq!(gnu(&[]).unwrap().strip, None, "no -p: base names");
    }

    #[test]
    fn long_options_take_equals_or_the_next_word_and_abbreviate() {
        let o = gnu(&["--strip=2", "--fuzz", "0", "--rev", "--ignore-w", "--sil"]).unwrap();
        assert_eq!((o.strip, o.fuzz), (Some(2), 0));
        assert!(o.reverse && o.ignore_whitespace && o.quiet);
        let err = gnu(&["--re"]).unwrap_err();
        assert!(err.contains("`--re` is ambiguous"), "{err}");
        let err = gnu(&["--reverse=yes"]).unwrap_err();
        assert!(err.contains("doesn't allow an argument"), "{err}");
        let err = gnu(&["--strip"]).unwrap_err();
        assert!(err.contains("requires an argument"), "{err}");
    }

    #[test]
    fn numbers_are_checked_like_gnu_patch() {
        assert!(gnu(&["-p-1"]).unwrap_err().contains("is negative"));
        assert!(gnu(&["-pone"]).unwrap_err().contains("is not a number"));
        assert!(gnu(&["-p99999999999"]).unwrap_err().contains("too large"));
        assert_eq!(gnu(&["-p+3"]).unwrap().strip, Some(3));
    }

    #[test]
    fn unknown_and_unsupported_options_name_themselves_and_what_works() {
        let err = gnu(&["-q"]).unwrap_err();
        assert!(
            err.contains("invalid option `-q`") && err.contains("-p N/--strip=N"),
            "{err}"
        );
        let err = gnu(&["--frobnicate"]).unwrap_err();
        assert!(err.contains("unrecognized option `--frobnicate`"), "{err}");
        let err = gnu(&["-e"]).unwrap_err();
        assert!(
            err.contains("`-e` is not supported") && err.contains("ed scripts"),
            "{err}"
        );
        let err = gnu(&["-p1", "file.c"]).unwrap_err();
        assert!(err.contains("`file.c` is a file operand"), "{err}");
        assert!(gnu(&["-V", "nu"]).is_ok(), "numbered, abbreviated");
        assert!(gnu(&["-V", "n"]).unwrap_err().contains("ambiguous"));
    }
}
