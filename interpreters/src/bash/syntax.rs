//! Checking bash bodies before anything runs (`bash -n`), cheaply: a
//! plan ported from nixpkgs has dozens of bash hooks, and a bash started
//! for each costs more than running them in the long-lived bash.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::{Script, ScriptSource};

/// `bash -n` on `scripts`: one bash for all of them, each wrapped in a
/// function of its own (nothing runs under `-n`, so the wrapping cannot
/// run anything either); only when that finds a problem, a bash for each,
/// which says which script is wrong and where.
pub(super) fn check(bash: &Path, scripts: &[&Script]) -> Vec<Result<(), String>> {
    if scripts.len() > 1 && all_at_once(bash, scripts) {
        return scripts.iter().map(|_| Ok(())).collect();
    }
    each_alone(bash, scripts)
}

/// Whether one `bash -n` over every script, each the body of a function,
/// finds nothing wrong. (A problem in one script can show up as one in
/// the next, so this only says yes or no.)
fn all_at_once(bash: &Path, scripts: &[&Script]) -> bool {
    let mut program = String::new();
    for (i, script) in scripts.iter().enumerate() {
        let text = match &script.source {
            ScriptSource::Inline(text) => text.clone(),
            ScriptSource::File(path) => match std::fs::read_to_string(path) {
                Ok(text) => text,
                Err(_) => return false,
            },
            ScriptSource::Argv(_) => return false,
        };
        // `:` first: a body of only comments is still a function body.
        program.push_str(&format!("__phaser_check_{i}() {{\n:\n{text}\n}}\n"));
    }
    let child = Command::new(bash)
        .env_clear()
        .args(["--noprofile", "--norc", "-n"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    let Ok(mut child) = child else {
        return false;
    };
    let fed = child
        .stdin
        .take()
        .is_some_and(|mut stdin| stdin.write_all(program.as_bytes()).is_ok());
    child.wait().is_ok_and(|status| status.success()) && fed
}

/// `bash -n` on each script, each in a bash of its own, all side by side.
fn each_alone(bash: &Path, scripts: &[&Script]) -> Vec<Result<(), String>> {
    let started: Vec<Result<std::process::Child, String>> = scripts
        .iter()
        .map(|script| {
            let mut command = std::process::Command::new(bash);
            command.env_clear().args(["--noprofile", "--norc", "-n"]);
            match &script.source {
                ScriptSource::Inline(text) => command.arg("-c").arg(text).arg(&script.name),
                ScriptSource::File(path) => command.arg(path),
                ScriptSource::Argv(_) => {
                    return Err("a bash body is source text or a file, not an argv".into())
                }
            };
            command
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .map_err(|e| format!("could not start {}: {e}", bash.display()))
        })
        .collect();
    started
        .into_iter()
        .zip(scripts)
        .map(|(child, script)| {
            let output = child?
                .wait_with_output()
                .map_err(|e| format!("waiting for bash -n: {e}"))?;
            if output.status.success() {
                return Ok(());
            }
            Err(syntax_errors(
                &String::from_utf8_lossy(&output.stderr),
                script,
            ))
        })
        .collect()
}

/// `bash -n`'s complaints without its prefixes (`NAME: -c: ` or `FILE: `),
/// on one line.
fn syntax_errors(stderr: &str, script: &Script) -> String {
    let prefixes = [
        format!("{}: -c: ", script.name),
        format!("{}: ", script.name),
    ];
    let lines: Vec<&str> = stderr
        .lines()
        .map(|line| {
            prefixes
                .iter()
                .find_map(|p| line.strip_prefix(p.as_str()))
                .unwrap_or(line)
        })
        .filter(|line| !line.trim().is_empty())
        .collect();
    if lines.is_empty() {
        String::from("bash -n found a syntax error")
    } else {
        lines.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Language;

    fn scripts(texts: &[&str]) -> Vec<Script> {
        texts
            .iter()
            .enumerate()
            .map(|(i, text)| Script::inline(Language::Bash, *text, format!("s{i}.sh")))
            .collect()
    }

    fn checked(texts: &[&str]) -> Vec<Result<(), String>> {
        let scripts = scripts(texts);
        let refs: Vec<&Script> = scripts.iter().collect();
        check(Path::new("bash"), &refs)
    }

    #[test]
    fn right_scripts_pass_together_even_comments_only_and_open_here_documents() {
        let results = checked(&[
            "make install",
            "# only a comment",
            "cat <<EOF\nno end marker",
            "f() { echo }; }",
        ]);
        assert!(results.iter().all(Result::is_ok), "{results:?}");
    }

    #[test]
    fn a_wrong_script_is_named_with_its_line_and_its_neighbours_pass() {
        let results = checked(&["echo a", "echo b\nif true; then", "echo 'c"]);
        assert!(results[0].is_ok(), "{results:?}");
        let second = results[1].as_ref().unwrap_err();
        assert!(
            second.contains("line 3") || second.contains("end of file"),
            "{second}"
        );
        assert!(results[2].is_err(), "{results:?}");
    }

    #[test]
    fn a_stray_brace_cannot_close_the_wrapper_and_pass() {
        let results = checked(&["echo a\n}\necho b", "echo c"]);
        assert!(results[0].is_err(), "{results:?}");
        assert!(results[1].is_ok(), "{results:?}");
    }
}
