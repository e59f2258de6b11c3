//! `phaser split` on Nix's remote builders: GNU hello's phase derivations
//! built over ssh on loopback, in a second Nix store on this machine.
//!
//! The test starts its own sshd (Debian's openssh-server) on 127.0.0.1 with
//! its own config, host key and client key. The remote side runs
//! `nix-store --serve` through a wrapper that adds `--store DIR`: a store
//! apart from the local one, since a remote builder on the same store would
//! deadlock on its locks. The local side is a store of the test's own too,
//! built with `--max-jobs 0`, so every derivation must go to the remote.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use phaser_tests::{
    assert_same_outputs, describe, hello_nix_plan, nix_build_paths, phaser_for_nix, require_tool,
    single_expression, split_expression, NixStore, Sandbox,
};

const SSHD: &str = "/usr/sbin/sshd";

/// An sshd of the test's own; stopped (its own pid only) when dropped.
struct Sshd {
    child: Child,
    port: u16,
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn run(command: &mut Command) {
    let output = command.output().expect("running a setup command");
    assert!(
        output.status.success(),
        "{command:?}\n{}",
        describe(&output)
    );
}

/// Keys, config and a running sshd on a free loopback port; the client key
/// is `dir/client_key` and `dir/known_hosts` knows the host key.
fn start_sshd(dir: &Path) -> Sshd {
    assert!(
        Path::new(SSHD).exists(),
        "{SSHD} is missing: install it with `apt-get install openssh-server` (tests/run does it)"
    );
    require_tool("ssh-keygen", "openssh-client");
    for key in ["host_key", "client_key"] {
        run(Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", ""])
            .arg("-f")
            .arg(dir.join(key)));
    }
    std::fs::copy(dir.join("client_key.pub"), dir.join("authorized_keys")).unwrap();
    // sshd insists on its privilege separation directory.
    std::fs::create_dir_all("/run/sshd").expect("creating /run/sshd (run the tests as root)");
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let d = dir.display();
    let config = format!(
        "Port {port}\nListenAddress 127.0.0.1\nHostKey {d}/host_key\nPidFile {d}/sshd.pid\n\
         AuthorizedKeysFile {d}/authorized_keys\nStrictModes no\nPermitRootLogin prohibit-password\n\
         PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n"
    );
    std::fs::write(dir.join("sshd_config"), config).unwrap();
    let host_key = std::fs::read_to_string(dir.join("host_key.pub")).unwrap();
    let host_key: Vec<&str> = host_key.split_whitespace().take(2).collect();
    std::fs::write(
        dir.join("known_hosts"),
        format!("[127.0.0.1]:{port} {}\n", host_key.join(" ")),
    )
    .unwrap();
    let child = Command::new(SSHD)
        .arg("-D")
        .arg("-e")
        .arg("-f")
        .arg(dir.join("sshd_config"))
        .stderr(std::fs::File::create(dir.join("sshd.log")).unwrap())
        .spawn()
        .expect("starting sshd");
    let sshd = Sshd { child, port };
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "sshd did not listen on 127.0.0.1:{port}: {}",
            std::fs::read_to_string(dir.join("sshd.log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    sshd
}

fn user() -> String {
    let output = Command::new("id").arg("-un").output().expect("running id");
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

#[test]
fn every_phase_is_built_on_the_remote_store() {
    require_tool("nix-build", "nix-bin");
    require_tool("ssh", "openssh-client");
    let sandbox = Sandbox::new();
    let dir = sandbox.dir.path();
    let sshd = start_sshd(dir);
    let local = NixStore::new(sandbox.path("local-store"));
    let remote = NixStore::new(sandbox.path("remote-store"));
    let wrapper: PathBuf = sandbox.path("remote-nix-store");
    let nix_store = ["/usr/bin/nix-store", "/bin/nix-store"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("nix-store (apt-get install nix-bin)");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nexec {nix_store} --store {} \"$@\"\n",
            remote.root.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(
        &wrapper,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();

    let builder = phaser_for_nix(dir);
    let plan = hello_nix_plan("runHook preInstall\nmake install\nrunHook postInstall\n");
    sandbox.write_plan(&plan);
    let phases_nix = split_expression(&sandbox, &builder);
    let single_nix = single_expression(&sandbox, &builder, &plan);

    // The reference, built locally, while the split build goes remote.
    let mut single = local.command("nix-build");
    single.arg("--no-out-link").arg(&single_nix);
    let single = std::thread::spawn(move || single.output().expect("running nix-build"));
    let uri = format!(
        "ssh://{}@127.0.0.1?remote-program={}",
        user(),
        wrapper.display()
    );
    let builders = format!(
        "{uri} {}-{} {} 1",
        std::env::consts::ARCH,
        std::env::consts::OS,
        dir.join("client_key").display()
    );
    let started = Instant::now();
    let split = local
        .command("nix-build")
        .arg("--no-out-link")
        .arg(&phases_nix)
        .args(["--max-jobs", "0", "--builders", &builders])
        .env(
            "NIX_SSHOPTS",
            format!(
                "-p {} -o UserKnownHostsFile={} -o StrictHostKeyChecking=yes -o BatchMode=yes",
                sshd.port,
                dir.join("known_hosts").display()
            ),
        )
        .stdin(Stdio::null())
        .output()
        .expect("running nix-build");
    let elapsed = started.elapsed();
    nix_build_paths(&split);
    nix_build_paths(&single.join().unwrap());
    let log = String::from_utf8_lossy(&split.stderr);

    // Nix says where each derivation was built, and the remote store holds
    // every phase's outputs.
    let remote_builds: Vec<&str> = log
        .lines()
        .filter(|l| l.starts_with("building '") && l.contains(&format!(" on '{uri}'")))
        .collect();
    assert_eq!(remote_builds.len(), 7, "{log}");
    eprintln!("split build on the remote store in {elapsed:.1?}:");
    for line in &remote_builds {
        eprintln!("  {line}");
    }
    for phase in phaser_tests::RUNNING_PHASES {
        let outputs = local.outputs(&local.instantiate(&phases_nix, &format!("phases.{phase}")));
        let output = remote
            .command("nix-store")
            .arg("--check-validity")
            .args(&outputs)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{phase}: not in the remote store\n{}",
            describe(&output)
        );
    }

    // The result matches a single-derivation build.
    let split_outputs = local.outputs(&local.instantiate(&phases_nix, "phases.fixup"));
    let single_outputs = local.outputs(&local.instantiate(&single_nix, ""));
    assert_same_outputs(&local, &split_outputs, &single_outputs);
}
