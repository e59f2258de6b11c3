//! Fingerprints of a plan's parts, kept in the state file so a resume can
//! say exactly what changed in the plan since the build started.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::order::ResolvedPhase;
use crate::plan::{Body, Plan};

/// A short hash per attribute and per resolved phase (body and hooks).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanDigest {
    /// Attribute name to a hash of its value.
    pub attrs: BTreeMap<String, String>,
    /// Phase name to a hash of its body, hooks and gate.
    pub phases: BTreeMap<String, String>,
}

impl PlanDigest {
    /// The digest of `plan` resolved as `phases`.
    pub fn of(plan: &Plan, phases: &[ResolvedPhase]) -> PlanDigest {
        let attrs = plan
            .attrs
            .iter()
            .map(|(name, value)| (name.clone(), short_hash(value.to_string().as_bytes())))
            .collect();
        let phases = phases
            .iter()
            .map(|phase| {
                let mut text = format!("{}\n{:?}\n", phase.name, phase.skipped);
                let mut add = |body: &Body| match body {
                    Body::Script(script) => {
                        text.push_str(&format!(
                            "{:?}\n{}\n",
                            script.language,
                            script.text().unwrap_or_default()
                        ));
                    }
                    Body::Native(_) => text.push_str("native\n"),
                };
                phase.pre.iter().for_each(|h| add(&h.body));
                if let Some(body) = &phase.body {
                    add(body);
                }
                phase.post.iter().for_each(|h| add(&h.body));
                (phase.name.clone(), short_hash(text.as_bytes()))
            })
            .collect();
        PlanDigest { attrs, phases }
    }

    /// What differs from `earlier`, for a message: changed phases, then
    /// changed attributes. Empty when nothing did.
    pub fn changes_since(&self, earlier: &PlanDigest) -> (Vec<String>, Vec<String>) {
        let differ = |now: &BTreeMap<String, String>, then: &BTreeMap<String, String>| {
            let mut names: Vec<String> = now
                .iter()
                .filter(|(k, v)| then.get(*k) != Some(v))
                .map(|(k, _)| k.clone())
                .chain(then.keys().filter(|k| !now.contains_key(*k)).cloned())
                .collect();
            names.sort();
            names.dedup();
            names
        };
        (
            differ(&self.phases, &earlier.phases),
            differ(&self.attrs, &earlier.attrs),
        )
    }
}

fn short_hash(bytes: &[u8]) -> String {
    Sha256::digest(bytes)[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
