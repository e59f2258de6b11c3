//! phaser as a real Nix builder: Debian's Nix 2.8 with the sandbox on
//! builds derivations whose builder is the static phaser and whose plan is
//! the derivation itself (`__structuredAttrs = true`).

use std::path::Path;
use std::process::Command;

use phaser_tests::bootstrap::static_phaser;
use phaser_tests::{describe, require_tool, source};

/// Fails with what to run unless Nix is installed and set up for the tests.
fn require_nix() {
    require_tool("nix-build", "nix-bin");
    let conf = std::fs::read_to_string("/etc/nix/nix.conf").unwrap_or_default();
    assert!(
        conf.contains("written by phaser's tests/setup-nix"),
        "/etc/nix/nix.conf is not set up for the tests: run tests/setup-nix as root (tests/run does)"
    );
}

/// A fresh directory with the static phaser and `files` copied in, and
/// `expr` as `default.nix`; a nonce makes every run a new derivation, so
/// Nix really builds (and logs) instead of reusing an earlier result.
fn nix_dir(expr: &str, files: &[(&Path, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(static_phaser(), dir.path().join("phaser")).unwrap();
    for (from, name) in files {
        std::fs::copy(from, dir.path().join(name)).unwrap();
    }
    let nonce = format!("{:?}", std::time::SystemTime::now());
    std::fs::write(
        dir.path().join("default.nix"),
        expr.replace("@nonce@", &nonce),
    )
    .unwrap();
    dir
}

/// The tests here build in the machine's one Nix store, with no daemon to
/// share it out: one `nix-build` at a time (two at once on a fresh machine
/// raced to create its database).
static DEFAULT_STORE: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn nix_build(dir: &Path, extra: &[&str]) -> std::process::Output {
    let _one_at_a_time = DEFAULT_STORE.lock().unwrap_or_else(|e| e.into_inner());
    Command::new("nix-build")
        .arg(dir.join("default.nix"))
        .args(extra)
        .args(["--log-format", "internal-json", "-v", "-o"])
        .arg(dir.join("result"))
        .output()
        .expect("running nix-build")
}

#[test]
fn nix_builds_hello_with_phaser_as_the_builder() {
    require_nix();
    let dir = nix_dir(
        r#"builtins.derivation {
  name = "hello-2.10";
  pname = "hello";
  version = "2.10";
  system = "x86_64-linux";
  builder = "${./phaser}";
  src = "${./hello-2.10.tar.gz}";
  __structuredAttrs = true;
  doCheck = true;
  enableParallelBuilding = true;
  env = { PATH = "/usr/bin:/bin"; };
  nonce = "@nonce@";
}
"#,
        &[(&source("hello_2.10.orig.tar.gz"), "hello-2.10.tar.gz")],
    );
    let output = nix_build(dir.path(), &[]);
    assert!(output.status.success(), "{}", describe(&output));
    let hello = Command::new(dir.path().join("result/bin/hello"))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&hello.stdout), "Hello, world!\n");
    assert!(dir.path().join("result/share/man/man1/hello.1.gz").exists());
    // Nix saw every phase through @nix setPhase lines on NIX_LOG_FD.
    let log = String::from_utf8_lossy(&output.stderr);
    for phase in [
        "unpackPhase",
        "patchPhase",
        "configurePhase",
        "buildPhase",
        "checkPhase",
        "installPhase",
        "fixupPhase",
    ] {
        assert!(
            log.contains(&format!("\"fields\":[\"{phase}\"]")),
            "Nix's log does not show {phase}"
        );
    }
    assert!(
        !log.contains("\"fields\":[\"installCheckPhase\"]"),
        "a gated-off phase is not announced"
    );
}

#[test]
fn nix_builds_a_two_output_derivation() {
    require_nix();
    require_tool("cmake", "cmake");
    let dir = nix_dir(
        r#"builtins.derivation {
  name = "cjson-1.7.15";
  pname = "cjson";
  version = "1.7.15";
  system = "x86_64-linux";
  builder = "${./phaser}";
  src = "${./cjson.tar.gz}";
  outputs = [ "out" "dev" ];
  cmakeFlags = [ "-DENABLE_CJSON_TEST=OFF" ];
  __structuredAttrs = true;
  env = { PATH = "/usr/bin:/bin"; };
  nonce = "@nonce@";
}
"#,
        &[(&source("cjson_1.7.15.orig.tar.gz"), "cjson.tar.gz")],
    );
    // `-A all` builds every output and links each (`result`, `result-dev`).
    let output = nix_build(dir.path(), &["-A", "all"]);
    assert!(output.status.success(), "{}", describe(&output));
    let out = dir.path().join("result");
    let dev = dir.path().join("result-dev");
    assert!(out.join("lib/libcjson.so.1.7.15").exists());
    assert!(dev.join("include/cjson/cJSON.h").exists());
    let pc = std::fs::read_to_string(dev.join("lib/pkgconfig/libcjson.pc")).unwrap();
    let dev_store = std::fs::read_link(&dev).unwrap();
    assert!(
        pc.contains(&format!("{}/include", dev_store.display())),
        "{pc}"
    );
}
