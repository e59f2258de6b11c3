//! What stdenv's `patchShebangs` makes of one `#!` line: the decision
//! alone, without touching files, so every case is testable in isolation.

/// What to do with a script's first line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Rewrite the first line to `new` (which starts with `#!`).
    Rewrite {
        /// The old first line, trimmed, starting with `#!`.
        old: String,
        /// The new first line, starting with `#!`.
        new: String,
    },
    /// Leave the file alone; the reason is worth a log line.
    NotFound(String),
    /// Leave the file alone silently (already in the store, or nothing to change).
    Keep,
}

/// How the line is judged.
pub(crate) struct Rules<'a> {
    /// The store prefix: interpreters under it are left alone...
    pub store: &'a str,
    /// ...unless this is set.
    pub update: bool,
}

/// Whitespace as bash's default `IFS` splits words (`read` stops at the
/// newline already, so space and tab remain).
fn is_ifs(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// The next word of `s` and what follows it, leading separators skipped.
fn word(s: &str) -> (&str, &str) {
    let s = s.trim_start_matches(is_ifs);
    match s.find(is_ifs) {
        Some(end) => (&s[..end], &s[end..]),
        None => (s, ""),
    }
}

/// `basename`: the last component, trailing slashes ignored.
fn basename(path: &str) -> &str {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return path;
    }
    trimmed.rsplit('/').next().unwrap_or(trimmed)
}

/// Decides what happens to a script whose first line (without its
/// newline) is `line`, looking programs up with `find`.
///
/// Errors with a message (the caller names the file) for an `env` line
/// using options or assignments other than `-S`, which cannot be rewritten
/// to a direct interpreter.
pub(crate) fn decide(
    line: &str,
    rules: &Rules<'_>,
    find: impl Fn(&str) -> Option<String>,
) -> Result<Decision, String> {
    // `read -r` strips the surrounding separators of the whole line.
    let line = line.trim_matches(is_ifs);
    let directive = line.strip_prefix("#!").unwrap_or(line);
    let (old_path, rest) = word(directive);
    let (arg0, rest) = word(rest);
    let args = rest.trim_matches(is_ifs);

    let (old_path, new_path, args) = if old_path.ends_with("/bin/env") {
        if arg0 == "-S" {
            // `env -S prog rest`: prog is the text up to the first space.
            let (prog, tail) = match args.split_once(' ') {
                Some((prog, tail)) => (prog, tail),
                None => (args, ""),
            };
            let Some(env) = find("env") else {
                return Ok(Decision::NotFound(String::from(
                    "`env` is not on the search path",
                )));
            };
            let Some(prog_path) = find(prog) else {
                return Ok(Decision::NotFound(if prog.is_empty() {
                    String::from("`env -S` is given no program")
                } else {
                    format!("`{prog}` is not on the search path")
                }));
            };
            (old_path, env, format!("-S {prog_path} {tail}"))
        } else if arg0.starts_with('-') || arg0.contains('=') {
            return Err(format!(
                "unsupported interpreter directive \"{line}\": only `env PROGRAM` and \
                 `env -S PROGRAM ARGS` can be rewritten (set dontPatchShebangs and patch \
                 this file yourself)"
            ));
        } else {
            let Some(found) = find(arg0) else {
                return Ok(Decision::NotFound(if arg0.is_empty() {
                    String::from("`env` is given no program")
                } else {
                    format!("`{arg0}` is not on the search path")
                }));
            };
            (old_path, found, args.to_string())
        }
    } else {
        // The kernel runs an empty interpreter as /bin/sh.
        let old_path = if old_path.is_empty() {
            "/bin/sh"
        } else {
            old_path
        };
        let name = basename(old_path);
        let Some(found) = find(name) else {
            return Ok(Decision::NotFound(format!(
                "`{name}` is not on the search path"
            )));
        };
        (old_path, found, format!("{arg0} {args}"))
    };

    if !rules.update && old_path.starts_with(rules.store) {
        return Ok(Decision::Keep);
    }
    let new_line = format!("{new_path} {args}");
    let new = format!("#!{}", new_line.trim_end());
    // stdenv keeps a line whose interpreter is already the one found. For
    // `env -S PROG` the found PROG changes the line even when `env` stays
    // (under Nix both move into the store; outside it env may not move).
    let env_split = old_path.ends_with("/bin/env") && arg0 == "-S";
    if new_path == old_path && (!env_split || new == line) {
        return Ok(Decision::Keep);
    }
    Ok(Decision::Rewrite {
        old: line.to_string(),
        new,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: Rules<'static> = Rules {
        store: "/nix/store",
        update: false,
    };

    fn path(name: &str) -> Option<String> {
        match name {
            "bash" | "sh" | "env" | "python3" | "perl" => {
                Some(format!("/nix/store/abc-bin/{name}"))
            }
            _ => None,
        }
    }

    fn new_line(line: &str) -> String {
        match decide(line, &RULES, path).unwrap() {
            Decision::Rewrite { new, .. } => new,
            other => panic!("{line}: expected a rewrite, got {other:?}"),
        }
    }

    #[test]
    fn env_lines_name_the_program_directly() {
        assert_eq!(new_line("#!/usr/bin/env bash"), "#!/nix/store/abc-bin/bash");
        assert_eq!(
            new_line("#! /usr/bin/env  python3 -u -O "),
            "#!/nix/store/abc-bin/python3 -u -O"
        );
    }

    #[test]
    fn env_dash_s_keeps_env_and_resolves_the_program() {
        assert_eq!(
            new_line("#!/usr/bin/env -S perl -w -T"),
            "#!/nix/store/abc-bin/env -S /nix/store/abc-bin/perl -w -T"
        );
        assert_eq!(
            new_line("#!/usr/bin/env -S bash"),
            "#!/nix/store/abc-bin/env -S /nix/store/abc-bin/bash"
        );
    }

    #[test]
    fn other_env_options_and_assignments_are_errors() {
        for line in ["#!/usr/bin/env -i bash", "#!/usr/bin/env FOO=1 bash"] {
            let err = decide(line, &RULES, path).unwrap_err();
            assert!(err.contains("unsupported interpreter directive"), "{err}");
            assert!(err.contains(line), "{err}");
        }
    }

    #[test]
    fn absolute_interpreters_are_looked_up_by_basename() {
        assert_eq!(new_line("#!/bin/sh"), "#!/nix/store/abc-bin/sh");
        assert_eq!(
            new_line("#!/usr/local/bin/bash -e"),
            "#!/nix/store/abc-bin/bash -e"
        );
        // Separators around the first argument collapse, later ones stay (bash's `read`).
        assert_eq!(
            new_line("#!/bin/sh\t-x  -e  -u"),
            "#!/nix/store/abc-bin/sh -x -e  -u"
        );
    }

    #[test]
    fn an_empty_interpreter_means_bin_sh() {
        assert_eq!(new_line("#!"), "#!/nix/store/abc-bin/sh");
        assert_eq!(new_line("#!   "), "#!/nix/store/abc-bin/sh");
    }

    #[test]
    fn unknown_programs_and_store_paths_are_left_alone() {
        assert!(matches!(
            decide("#!/usr/bin/env ruby", &RULES, path),
            Ok(Decision::NotFound(reason)) if reason.contains("ruby")
        ));
        assert!(matches!(
            decide("#!/opt/zsh", &RULES, path),
            Ok(Decision::NotFound(_))
        ));
        assert!(matches!(
            decide("#!/usr/bin/env -S", &RULES, path),
            Ok(Decision::NotFound(reason)) if reason.contains("no program")
        ));
        assert!(matches!(
            decide("#!/usr/bin/env", &RULES, path),
            Ok(Decision::NotFound(reason)) if reason.contains("no program")
        ));
        assert!(matches!(
            decide("#!/usr/bin/env -S ruby -w", &RULES, path),
            Ok(Decision::NotFound(reason)) if reason.contains("ruby")
        ));
        assert_eq!(
            decide("#!/nix/store/old-bash/bin/bash", &RULES, path),
            Ok(Decision::Keep)
        );
        assert_eq!(
            decide("#!/nix/store/abc-bin/sh", &RULES, path),
            Ok(Decision::Keep)
        );
    }

    #[test]
    fn update_rewrites_store_interpreters_too() {
        let rules = Rules {
            store: "/nix/store",
            update: true,
        };
        assert_eq!(
            decide("#!/nix/store/old-bash/bin/bash -e", &rules, path),
            Ok(Decision::Rewrite {
                old: String::from("#!/nix/store/old-bash/bin/bash -e"),
                new: String::from("#!/nix/store/abc-bin/bash -e"),
            })
        );
        // Already the interpreter the path gives: nothing to do.
        assert_eq!(
            decide("#!/nix/store/abc-bin/bash", &rules, path),
            Ok(Decision::Keep)
        );
    }
}
