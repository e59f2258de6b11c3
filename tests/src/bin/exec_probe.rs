//! A small program that speaks phaser's exec protocol, for the conformance
//! tests: it reads the input JSON on stdin and follows its argv.
//!
//! ```text
//! phaser-exec-probe answer JSON            print JSON as the answer
//! phaser-exec-probe expect POINTER JSON    fail unless input[POINTER] == JSON, else answer {}
//! phaser-exec-probe sh SCRIPT              run `sh -c SCRIPT` (phase env, cwd), answer {}
//! phaser-exec-probe fail                   write to stderr and exit 3
//! phaser-exec-probe raw TEXT               print TEXT as is (an invalid answer)
//! ```

use std::io::Read;
use std::process::{exit, Command};

fn main() {
    let mut stdin = String::new();
    std::io::stdin()
        .read_to_string(&mut stdin)
        .expect("reading stdin");
    let input: serde_json::Value = serde_json::from_str(&stdin).expect("the input is JSON");
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["answer", json] => println!("{json}"),
        ["expect", pointer, json] => {
            let want: serde_json::Value =
                serde_json::from_str(json).expect("expected value is JSON");
            let got = input
                .pointer(pointer)
                .cloned()
                .unwrap_or(serde_json::Value::Null);
            if got != want {
                eprintln!("expected {pointer} = {want}, got {got}");
                exit(4);
            }
            println!("{{}}");
        }
        ["sh", script] => {
            let status = Command::new("sh")
                .arg("-c")
                .arg(script)
                .status()
                .expect("running sh");
            if !status.success() {
                exit(5);
            }
            println!("{{}}");
        }
        ["fail"] => {
            eprintln!("probe: something went wrong");
            exit(3);
        }
        ["raw", text] => println!("{text}"),
        other => {
            eprintln!("exec probe: unknown command {other:?}");
            exit(2);
        }
    }
}
