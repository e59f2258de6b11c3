//! Embedding phaser: a plan built in Rust, with a phase written in Rust.
//!
//! ```text
//! cargo run -p phaser --example embed -- /tmp/embed-out
//! ```
//!
//! The plan has two Rhai phases and one native phase placed between them;
//! each hands state to the next through its answer, exactly as script
//! phases do.

use phaser::interpreters::Answer;
use phaser::{Placement, Plan, RunOptions, Runner};
use serde_json::json;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out_dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "embed-result".into());
    let plan_json = json!({
        "pname": "embedded",
        "version": "0.1",
        "phases": ["prepare", "finish"],
        "phaser": {"phases": {
            "prepare": {"rhai": "#{state: #{words: [\"built\", \"by\"]}}"},
            "finish": {"rhai": r#"
                let text = input.state.words.reduce(|acc, w| acc + w + " ", "");
                text.trim();
                mkdir(input.outputs.out);
                write(input.outputs.out + "/message.txt", text + "\n");
                #{}
            "#}
        }}
    });
    let mut plan = Plan::from_value(plan_json, &std::env::current_dir()?, "<embedded>")?;
    plan.add_native_phase("sign", Some(Placement::After("prepare".into())), |input| {
        let mut words = input.state["words"].as_array().cloned().unwrap_or_default();
        words.push(json!("rust"));
        Ok(Answer {
            state: Some(json!({ "words": words })),
            ..Answer::default()
        })
    })?;

    let report = Runner::new(&plan, RunOptions::new(&out_dir)).run()?;
    for phase in &report.phases {
        println!(
            "{:8} {:7} {}",
            phase.name,
            phase.interpreter,
            phaser::format_duration(phase.duration)
        );
    }
    let message = std::fs::read_to_string(format!("{}/message.txt", report.outputs["out"]))?;
    print!("{message}");
    Ok(())
}
