//! The variables the long-lived bash declares once, before it forks the
//! phases' subshells, so that a subshell sources only what its phase has
//! different: declaring a package's variables (an `export` or `declare`
//! line each) is a good part of what a phase costs.
//!
//! A subshell that starts from the base and sources the difference has
//! exactly the variables one that sources all of its phase's would:
//! a variable whose lines differ is unset first and then set by its
//! phase's lines, in their order; one the phase no longer has is unset.
//! That holds because nothing before the base declares a variable a
//! phase's lines may set (bash's own variables aside, which never go into
//! the base: see [`STARTUP_VARIABLES`]), and because the lines only assign
//! literal values. Function definitions stay in every phase's lines: a
//! package's function may replace one of the prelude's, which unsetting
//! could not bring back.

use std::collections::BTreeMap;

use super::vars::Lines;

/// Variables bash sets at start-up that are not among
/// [`super::vars::SHELL_OWNED`] (so a phase's environment may give them):
/// kept out of the base, since unsetting them would not leave what bash
/// set (a unit test checks the list against bash).
pub(super) const STARTUP_VARIABLES: &[&str] = &["PATH", "SHELL", "TERM"];

/// The lines the long-lived bash sourced, per variable.
#[derive(Debug, Default)]
pub(super) struct Base {
    /// The environment's lines (sourced before the phase's `cd`).
    env: BTreeMap<String, String>,
    /// The declarations' lines (sourced after it).
    vars: BTreeMap<String, String>,
}

/// A phase's scripts: its environment, then its declarations.
pub(super) struct Scripts {
    pub env: String,
    pub vars: String,
}

impl Base {
    /// The base made of a phase's lines (`env`, then `vars`).
    pub fn new(env: &Lines, vars: &Lines) -> Base {
        let without_startup = |mut lines: BTreeMap<String, String>| {
            lines.retain(|name, _| !STARTUP_VARIABLES.contains(&name.as_str()));
            lines
        };
        Base {
            env: without_startup(by_variable(env)),
            vars: without_startup(by_variable(vars)),
        }
    }

    /// What the long-lived bash sources once.
    pub fn script(&self) -> String {
        let mut out = String::new();
        for text in self.env.values().chain(self.vars.values()) {
            out.push_str(text);
        }
        out
    }

    /// The scripts a subshell that starts from this base sources for a
    /// phase whose lines are `env` and `vars`.
    pub fn difference(&self, env: &Lines, vars: &Lines) -> Scripts {
        let (new_env, new_vars) = (by_variable(env), by_variable(vars));
        let mut scripts = Scripts {
            env: String::new(),
            vars: String::new(),
        };
        let names = self.env.keys().chain(self.vars.keys());
        let names: std::collections::BTreeSet<&String> =
            names.chain(new_env.keys()).chain(new_vars.keys()).collect();
        for name in names {
            let same = self.env.get(name) == new_env.get(name)
                && self.vars.get(name) == new_vars.get(name);
            if same {
                continue;
            }
            if self.env.contains_key(name) || self.vars.contains_key(name) {
                scripts.env.push_str(&format!("unset -v {name}\n"));
            }
            if let Some(text) = new_env.get(name) {
                scripts.env.push_str(text);
            }
            if let Some(text) = new_vars.get(name) {
                scripts.vars.push_str(text);
            }
        }
        for (name, text) in &vars.0 {
            if name.is_none() {
                scripts.vars.push_str(text);
                scripts.vars.push('\n');
            }
        }
        scripts
    }
}

/// Each variable's lines, in order, newline-ended (function definitions
/// left out).
fn by_variable(lines: &Lines) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    for (name, text) in &lines.0 {
        let Some(name) = name else { continue };
        let entry = out.entry(name.clone()).or_default();
        entry.push_str(text);
        entry.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(items: &[(&str, &str)]) -> Lines {
        let mut out = Lines::default();
        for (name, text) in items {
            out.set(name, text.to_string());
        }
        out
    }

    #[test]
    fn the_difference_unsets_what_changed_or_went_and_sets_it_anew() {
        let env = lines(&[
            ("A", "export A='1'"),
            ("B", "export B='1'"),
            ("PATH", "export PATH='/bin'"),
        ]);
        let vars = lines(&[("c", "declare c='1'"), ("d", "declare -a d=('x')")]);
        let base = Base::new(&env, &vars);
        assert!(!base.script().contains("PATH"), "bash's own PATH stays");
        let env = lines(&[
            ("A", "export A='1'"),
            ("PATH", "export PATH='/bin'"),
            ("E", "export E='5'"),
        ]);
        let mut vars = lines(&[("c", "declare c='1'"), ("d", "declare -a d=('x' 'y')")]);
        vars.function("f () \n{ \n    :\n}".into());
        let scripts = base.difference(&env, &vars);
        assert_eq!(
            scripts.env,
            "unset -v B\nexport E='5'\nexport PATH='/bin'\nunset -v d\n"
        );
        assert_eq!(
            scripts.vars,
            "declare -a d=('x' 'y')\nf () \n{ \n    :\n}\n"
        );
    }

    /// The base relies on nothing before it declaring a variable a phase
    /// may set but bash's own: a variable the prelude or a new bash
    /// declared would be lost by unsetting it.
    #[test]
    fn bash_and_the_prelude_declare_no_variable_a_phase_may_set_but_the_listed_ones() {
        let output = std::process::Command::new("bash")
            .env_clear()
            .args(["--noprofile", "--norc", "-c"])
            .arg(format!("{}\ncompgen -v", super::super::prelude()))
            .output()
            .expect("running bash");
        assert!(output.status.success());
        let listed: Vec<String> = String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter(|name| super::super::vars::is_attribute_name(name))
            .map(str::to_string)
            .collect();
        assert_eq!(listed, STARTUP_VARIABLES);
    }
}
