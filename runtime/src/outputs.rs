//! Which output each kind of file goes to: the `output*` variables of
//! nixpkgs' pkgs/build-support/setup-hooks/multiple-outputs.sh
//! (`outputDev`, `outputBin`, `outputLib`, ...), worked out once before the
//! first phase and given to every phase as attributes.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// The chains multiple-outputs.sh walks, in its order: each variable takes
/// the first candidate that names an existing output. A candidate starting
/// with `$` is the value of a variable set earlier in the list; `REMOVE`
/// always qualifies (the files are deleted).
const CHAINS: &[(&str, &[&str])] = &[
    ("outputDev", &["dev", "out"]),
    ("outputBin", &["bin", "out"]),
    ("outputInclude", &["$outputDev"]),
    ("outputLib", &["lib", "out"]),
    ("outputDoc", &["doc", "out"]),
    ("outputDevdoc", &["devdoc", "REMOVE"]),
    ("outputMan", &["man", "$outputBin"]),
    ("outputDevman", &["devman", "devdoc", "$outputMan"]),
    ("outputInfo", &["info", "$outputBin"]),
];

/// The `output*` attributes for a build with `outputs`: the plan's own
/// (`outputBin = "dev"`) kept, the rest chosen as multiple-outputs.sh
/// chooses them. An error names the variable no output could serve.
pub fn output_variables(
    attrs: &Map<String, Value>,
    outputs: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, String> {
    let mut chosen: BTreeMap<String, String> = BTreeMap::new();
    for (variable, candidates) in CHAINS {
        if let Some(Value::String(own)) = attrs.get(*variable) {
            if !own.is_empty() {
                chosen.insert(variable.to_string(), own.clone());
                continue;
            }
        }
        let names: Vec<String> = candidates
            .iter()
            .map(|c| match c.strip_prefix('$') {
                Some(var) => chosen.get(var).cloned().unwrap_or_default(),
                None => c.to_string(),
            })
            .collect();
        let first = names
            .iter()
            .find(|name| *name == "REMOVE" || outputs.get(*name).is_some_and(|p| !p.is_empty()));
        match first {
            Some(name) => {
                chosen.insert(variable.to_string(), name.clone());
            }
            None => {
                // stdenv's _assignFirst words it so; phaser adds what to do.
                return Err(format!(
                    "\nerror: _assignFirst: could not find a non-empty variable whose name to \
                     assign to {variable}.\n       The following variables were all unset or \
                     empty:\n           {}\n(the outputs are {}: add one of them to \
                     `outputs`, or set `{variable}` to an output)",
                    names.join(" "),
                    outputs.keys().cloned().collect::<Vec<_>>().join(", ")
                ));
            }
        }
    }
    Ok(chosen)
}

/// The path of the output libraries go to (`outputLib`), if it is one.
pub fn library_output_path(
    attrs: &Map<String, Value>,
    outputs: &BTreeMap<String, String>,
) -> Option<String> {
    let variables = output_variables(attrs, outputs).ok()?;
    outputs.get(variables.get("outputLib")?).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn outputs(names: &[&str]) -> BTreeMap<String, String> {
        names
            .iter()
            .map(|n| (n.to_string(), format!("/o/{n}")))
            .collect()
    }

    #[test]
    fn chains_follow_multiple_outputs_sh() {
        let attrs = Map::new();
        let one = output_variables(&attrs, &outputs(&["out"])).unwrap();
        assert_eq!(one["outputDev"], "out");
        assert_eq!(one["outputDevdoc"], "REMOVE");
        assert_eq!(one["outputDevman"], "out");
        let many = output_variables(&attrs, &outputs(&["out", "dev", "man", "bin"])).unwrap();
        assert_eq!(many["outputInclude"], "dev");
        assert_eq!(many["outputBin"], "bin");
        assert_eq!(many["outputMan"], "man");
        assert_eq!(many["outputDevman"], "man");
        assert_eq!(many["outputInfo"], "bin");
        assert_eq!(many["outputLib"], "out");
    }

    #[test]
    fn a_plan_choice_is_kept_and_a_missing_out_is_named() {
        let attrs = json!({"outputBin": "dev"}).as_object().cloned().unwrap();
        let chosen = output_variables(&attrs, &outputs(&["out", "dev"])).unwrap();
        assert_eq!(chosen["outputBin"], "dev");
        assert_eq!(chosen["outputMan"], "dev");
        let err = output_variables(&Map::new(), &outputs(&["bin"])).unwrap_err();
        assert!(err.contains("outputDev"), "{err}");
    }
}
