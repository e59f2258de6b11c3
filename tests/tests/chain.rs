//! A chain of real Debian source packages, each finding and linking the
//! ones before it through its dependencies, never through `/usr` (none of
//! their -dev packages is installed): libogg <- libvorbis (propagates
//! libogg) <- libshout (propagates libvorbis) <- ices2, which names only
//! libshout and gets the rest through two levels of propagation
//! (tests/packages/xiph.json). libshout finds them with pkg-config, ices2's
//! configure with bare `-lvorbis` link tests that only the compiler
//! wrapper's `-L` makes work.
//!
//! Built three ways: standalone, one `phaser run` per package with the
//! earlier `--out-dir`s as dependencies; by Nix 2.8 in the sandbox through
//! phaser's Nix library (tests/packages/xiph.nix), one derivation per
//! package; and spread over two machines, libshout and ices2 on a remote
//! builder (ssh on loopback, a store of its own) on top of libogg and
//! libvorbis built locally. Each time the packages' own test suites run
//! (doCheck), `ldd` shows every program and library loading the chain's
//! libraries from the dependencies' prefixes, and ices2 streams Ogg Vorbis
//! it encoded with libvorbisenc through libshout to a stand-in Icecast
//! server.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use phaser_tests::remote::RemoteBuilder;
use phaser_tests::{
    describe, nix_build_paths, phaser_for_nix, require_tool, source, NixStore, Sandbox,
};
use serde_json::Value;

/// The chain's libraries and the package that builds each.
const LIBRARIES: &[(&str, &str)] = &[
    ("libogg.so.0", "libogg"),
    ("libvorbis.so.0", "libvorbis"),
    ("libvorbisenc.so.2", "libvorbis"),
    ("libvorbisfile.so.3", "libvorbis"),
    ("libshout.so.3", "libshout"),
];

/// tests/packages/xiph.json.
fn spec() -> Value {
    let path = phaser_tests::workspace_root().join("tests/packages/xiph.json");
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn order(spec: &Value) -> Vec<String> {
    spec["order"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

/// Where each package's `out` output is, by package name.
type Prefixes = BTreeMap<String, PathBuf>;

// ---------------------------------------------------------------------------
// The checks, for any build of the chain.
// ---------------------------------------------------------------------------

/// The ELF programs and shared libraries of an output.
fn elf_files(out: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["bin", "lib"] {
        let Ok(entries) = std::fs::read_dir(out.join(dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.is_file() && std::fs::read(&path).is_ok_and(|b| b.starts_with(b"\x7fELF")) {
                files.push(path);
            }
        }
    }
    files
}

/// `ldd FILE` in `namespace` (a command prefix that makes store paths
/// resolve, or nothing): every library of the chain a file needs resolves
/// into the `out` of the package that builds it, and none is missing.
fn check_ldd(prefixes: &Prefixes, namespace: &[String]) {
    let mut checked = 0;
    for (package, out) in prefixes {
        let host_out = out.clone();
        for file in elf_files(&host_out) {
            let shown = shown_path(&file, namespace);
            let output = run_in(namespace, &["ldd".to_string(), shown.clone()]);
            let ldd = String::from_utf8_lossy(&output.stdout);
            assert!(!ldd.contains("not found"), "{shown}: {ldd}");
            for (library, from) in LIBRARIES {
                let Some(line) = ldd.lines().find(|l| l.trim_start().starts_with(library)) else {
                    continue;
                };
                let want = format!("{}/lib/{library}", shown_path(&prefixes[*from], namespace));
                assert!(
                    line.contains(&format!("=> {want} ")),
                    "{package}: {shown} loads {library} from elsewhere: {line}"
                );
                checked += 1;
            }
        }
    }
    assert!(
        checked >= 10,
        "only {checked} chain libraries seen through ldd"
    );
}

/// A host path as the namespace shows it (the store mounted at /nix/store).
fn shown_path(path: &Path, namespace: &[String]) -> String {
    let text = path.display().to_string();
    match text.find("/nix/store/") {
        Some(at) if !namespace.is_empty() => text[at..].to_string(),
        _ => text,
    }
}

fn run_in(namespace: &[String], argv: &[String]) -> std::process::Output {
    let mut all: Vec<String> = namespace.to_vec();
    all.extend(argv.iter().cloned());
    let output = Command::new(&all[0]).args(&all[1..]).output().unwrap();
    assert!(output.status.success(), "{all:?}\n{}", describe(&output));
    output
}

/// The packages' own test suites ran and passed: libogg's and libvorbis'
/// programs print their results, the others' `make check` ran.
fn check_test_suites(logs: &BTreeMap<String, String>) {
    for (package, log) in logs {
        assert!(
            log.contains("check flags: "),
            "{package} ran no check phase"
        );
    }
    assert!(
        logs["libogg"].contains("Small preclipped packing (LSb): ok."),
        "libogg's test_bitwise"
    );
    assert!(
        logs["libogg"].contains("testing single page encoding... 0, (0),  granule:0 ok."),
        "libogg's test_framing"
    );
    assert!(
        logs["libvorbis"].contains("vorbis_2ch_q-0.5_44100.ogg : ok"),
        "libvorbis' encode/decode test"
    );
}

/// ices2 (from `ices`, run through `namespace`) encodes two seconds of
/// PCM from stdin with libvorbisenc and streams it through libshout to a
/// stand-in Icecast server: what arrives is Ogg Vorbis.
fn check_ices_streams(ices: &Path, dir: &Path, namespace: &[String]) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || icecast_stand_in(listener));
    let config = dir.join("ices.xml");
    std::fs::write(
        &config,
        format!(
            "<?xml version=\"1.0\"?>\n<ices><background>0</background><logpath>{dir}</logpath>\
             <logfile>ices.log</logfile><loglevel>3</loglevel><consolelog>1</consolelog>\
             <stream><metadata><name>phaser</name></metadata>\
             <input><module>stdinpcm</module><param name=\"rate\">44100</param>\
             <param name=\"channels\">2</param></input>\
             <instance><hostname>127.0.0.1</hostname><port>{port}</port><password>hackme</password>\
             <mount>/chain.ogg</mount><encode><quality>3</quality><samplerate>44100</samplerate>\
             <channels>2</channels></encode></instance></stream></ices>\n",
            dir = dir.display()
        ),
    )
    .unwrap();
    let mut all: Vec<String> = namespace.to_vec();
    all.push(shown_path(ices, namespace));
    all.push(config.display().to_string());
    let mut child = Command::new(&all[0])
        .args(&all[1..])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Two seconds of a 440 Hz tone, 16-bit stereo.
    let pcm: Vec<u8> = (0..88200)
        .flat_map(|i| {
            let v = ((i as f64 * 440.0 * std::f64::consts::TAU / 44100.0).sin() * 8000.0) as i16;
            let b = v.to_le_bytes();
            [b[0], b[1], b[0], b[1]]
        })
        .collect();
    child.stdin.take().unwrap().write_all(&pcm).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "ices: {}", describe(&output));
    let stream = server.join().unwrap();
    assert!(
        stream.starts_with(b"OggS"),
        "no Ogg stream arrived: {}",
        describe(&output)
    );
    for header in [&b"\x01vorbis"[..], b"\x03vorbis", b"Xiph.Org libVorbis I"] {
        assert!(
            stream.windows(header.len()).any(|w| w == header),
            "the stream has no {:?}",
            String::from_utf8_lossy(header)
        );
    }
    assert!(stream.len() > 4000, "only {} bytes arrived", stream.len());
}

/// Answers libshout's requests as Icecast 2 does, just enough: every
/// request without a body (OPTIONS, a `Content-Length: 0` probe) gets 200
/// on a kept connection; the source request gets 200 and its stream is
/// read to the end and returned.
fn icecast_stand_in(listener: TcpListener) -> Vec<u8> {
    listener.set_nonblocking(false).unwrap();
    loop {
        let (mut conn, _) = listener.accept().unwrap();
        conn.set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        let mut buffer: Vec<u8> = Vec::new();
        loop {
            while !buffer.windows(4).any(|w| w == b"\r\n\r\n") {
                let mut chunk = [0u8; 4096];
                match conn.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => buffer.extend_from_slice(&chunk[..n]),
                }
            }
            let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") else {
                break;
            };
            let head = String::from_utf8_lossy(&buffer[..end]).to_lowercase();
            buffer.drain(..end + 4);
            if head.starts_with("options") || head.contains("content-length: 0") {
                conn.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                    .unwrap();
                continue;
            }
            conn.write_all(b"HTTP/1.1 200 OK\r\n\r\n").unwrap();
            let _ = conn.read_to_end(&mut buffer);
            return buffer;
        }
    }
}

// ---------------------------------------------------------------------------
// Standalone.
// ---------------------------------------------------------------------------

/// The plan of `name` for a standalone build in `root`: sources from the
/// cache, dependency names as the earlier builds' outputs (their `dev`,
/// when they have one, as nixpkgs' chooseDevOutputs picks).
fn standalone_plan(spec: &Value, name: &str) -> Value {
    let mut plan = spec["packages"][name].clone();
    plan["src"] = Value::String(source(plan["src"].as_str().unwrap()).display().to_string());
    for list in ["buildInputs", "propagatedBuildInputs", "nativeBuildInputs"] {
        if let Some(Value::Array(names)) = plan.get(list).cloned() {
            let paths = names
                .iter()
                .map(|n| {
                    let n = n.as_str().unwrap();
                    let has_dev = spec["packages"][n]["outputs"]
                        .as_array()
                        .is_some_and(|o| o.iter().any(|x| x == "dev"));
                    let output = if has_dev { "dev" } else { "out" };
                    Value::String(format!("{n}/{output}"))
                })
                .collect();
            plan[list] = Value::Array(paths);
        }
    }
    plan
}

#[test]
fn the_chain_built_standalone_links_each_dependency_from_its_prefix() {
    require_tool("make", "make");
    require_tool("pkg-config", "pkgconf");
    let spec = spec();
    let sandbox = Sandbox::new();
    let root = sandbox.dir.path();
    let mut prefixes = Prefixes::new();
    let mut logs = BTreeMap::new();
    for name in order(&spec) {
        let plan = standalone_plan(&spec, &name);
        let file = root.join(format!("{name}.json"));
        std::fs::write(&file, serde_json::to_vec_pretty(&plan).unwrap()).unwrap();
        let output = phaser_tests::phaser()
            .arg("run")
            .arg(&file)
            .arg("--build-dir")
            .arg(root.join(format!("{name}-build")))
            .arg("--out-dir")
            .arg(root.join(&name))
            .output()
            .unwrap();
        assert!(output.status.success(), "{name}: {}", describe(&output));
        logs.insert(
            name.clone(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ),
        );
        prefixes.insert(name.clone(), root.join(&name).join("out"));
    }
    check_test_suites(&logs);
    check_ldd(&prefixes, &[]);
    // ices2 named only libshout; libvorbis and libogg came by propagation.
    let state: Value = serde_json::from_slice(
        &std::fs::read(root.join("ices2-build/.phaser/state.json")).unwrap(),
    )
    .unwrap();
    let found: Vec<&str> = state["attrs"]["pkgsHostTarget"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for package in ["libshout", "libvorbis", "libogg"] {
        for output in ["dev", "out"] {
            let want = root.join(package).join(output).display().to_string();
            assert!(
                found.contains(&want.as_str()),
                "{want} not among ices2's inputs {found:?}"
            );
        }
    }
    check_ices_streams(&prefixes["ices2"].join("bin/ices"), root, &[]);
}

// ---------------------------------------------------------------------------
// Under Nix.
// ---------------------------------------------------------------------------

/// `nix-build tests/packages/xiph.nix` in `store` with `extra` arguments.
fn nix_build(
    store: &NixStore,
    builder: &Path,
    extra: &[&str],
    remote: Option<&RemoteBuilder>,
) -> (String, Vec<String>) {
    let cache = source("libogg_1.3.5.orig.tar.xz")
        .parent()
        .unwrap()
        .to_path_buf();
    let mut command = store.command("nix-build");
    command
        .arg("--no-out-link")
        .arg(phaser_tests::workspace_root().join("tests/packages/xiph.nix"))
        .arg("--arg")
        .arg("phaser")
        .arg(builder)
        .arg("--arg")
        .arg("sources")
        .arg(&cache)
        .args(extra)
        .stdin(Stdio::null());
    if let Some(remote) = remote {
        remote.ssh_options(&mut command);
    }
    let output = command.output().expect("running nix-build");
    let paths = nix_build_paths(&output);
    (String::from_utf8_lossy(&output.stderr).into_owned(), paths)
}

/// The `out` of each package in a store after a build.
fn store_prefixes(store: &NixStore, spec: &Value, paths: &[String]) -> Prefixes {
    order(spec)
        .into_iter()
        .map(|name| {
            let version = spec["packages"][&name]["version"]
                .as_str()
                .unwrap()
                .to_string();
            let pname = spec["packages"][&name]["pname"]
                .as_str()
                .unwrap()
                .to_string();
            let out = paths
                .iter()
                .find(|p| p.ends_with(&format!("-{pname}-{version}")))
                .unwrap_or_else(|| panic!("no out output of {name} among {paths:?}"));
            (name, store.files(out))
        })
        .collect()
}

/// A command prefix that runs things with `store`'s files at /nix/store
/// (a mount namespace of their own: the machine's /nix/store is untouched).
fn store_namespace(store: &NixStore) -> Vec<String> {
    require_tool("unshare", "util-linux");
    vec![
        "unshare".into(),
        "--mount".into(),
        "--propagation".into(),
        "private".into(),
        "sh".into(),
        "-c".into(),
        format!(
            "mount --bind {}/nix/store /nix/store && exec \"$@\"",
            store.root.display()
        ),
        "sh".into(),
    ]
}

/// The logs of the builds of each package in `store` (`nix-store --read-log`).
fn nix_logs(store: &NixStore, prefixes: &Prefixes) -> BTreeMap<String, String> {
    prefixes
        .iter()
        .map(|(name, out)| {
            let store_path = shown_path(out, &["x".to_string()]);
            let output = store
                .command("nix-store")
                .arg("--read-log")
                .arg(&store_path)
                .output()
                .unwrap();
            assert!(output.status.success(), "{name}: {}", describe(&output));
            (
                name.clone(),
                String::from_utf8_lossy(&output.stdout).into_owned(),
            )
        })
        .collect()
}

#[test]
fn the_chain_built_by_nix_locally_and_spread_over_a_remote_builder() {
    require_tool("nix-build", "nix-bin");
    let spec = spec();
    let sandbox = Sandbox::new();
    let dir = sandbox.dir.path();
    let builder = phaser_for_nix(dir);
    let local = NixStore::new(sandbox.path("local-store"));

    // (b) The whole chain in this machine's sandbox, a derivation each.
    let (log, paths) = nix_build(&local, &builder, &[], None);
    let prefixes = store_prefixes(&local, &spec, &paths);
    assert_eq!(
        phaser_tests::derivations_to_build(&log).len(),
        order(&spec).len(),
        "one derivation per package: {log}"
    );
    check_test_suites(&nix_logs(&local, &prefixes));
    let namespace = store_namespace(&local);
    check_ldd(&prefixes, &namespace);
    check_ices_streams(&prefixes["ices2"].join("bin/ices"), dir, &namespace);

    // (c) libshout and ices2 again, now requiring a feature only the
    // remote builder has: Nix copies libogg and libvorbis there, builds
    // the two on it, and brings them back.
    require_tool("ssh", "openssh-client");
    let remote = RemoteBuilder::start(&sandbox.path("remote"), &["phaser-remote"]);
    let feature = "(name: if name == \"libshout\" || name == \"ices2\" then { requiredSystemFeatures = [ \"phaser-remote\" ]; } else { })";
    let builders = remote.builders();
    let (log, paths) = nix_build(
        &local,
        &builder,
        &[
            "--arg",
            "extra",
            feature,
            "--max-jobs",
            "0",
            "--builders",
            &builders,
        ],
        Some(&remote),
    );
    let built: Vec<&str> = remote.builds_in(&log);
    assert_eq!(built.len(), 2, "{log}");
    assert!(
        built.iter().any(|l| l.contains("-libshout-2.4.6.drv"))
            && built.iter().any(|l| l.contains("-ices2-2.0.3.drv")),
        "{log}"
    );
    let spread = store_prefixes(&local, &spec, &paths);
    assert_eq!(
        spread["libogg"], prefixes["libogg"],
        "libogg was reused, not rebuilt"
    );
    assert_ne!(spread["ices2"], prefixes["ices2"]);
    let valid = remote
        .store
        .command("nix-store")
        .arg("--check-validity")
        .arg(shown_path(&spread["ices2"], &["x".to_string()]))
        .arg(shown_path(&spread["libvorbis"], &["x".to_string()]))
        .output()
        .unwrap();
    assert!(
        valid.status.success(),
        "the remote store lacks the chain: {}",
        describe(&valid)
    );
    check_ldd(&spread, &namespace);
    check_ices_streams(&spread["ices2"].join("bin/ices"), dir, &namespace);
}
