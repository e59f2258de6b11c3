//! A Nix remote builder on this machine for the tests: an sshd of the
//! test's own on 127.0.0.1 (its own config, host key and client key) in
//! front of a second Nix store. The remote side runs `nix-store --serve`
//! through a wrapper that adds `--store DIR`: a store apart from the local
//! one, since a remote builder on the same store would deadlock on its
//! locks.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use crate::{describe, require_tool, NixStore};

const SSHD: &str = "/usr/sbin/sshd";

/// An sshd of the test's own; stopped (its own pid only) when dropped.
pub struct Sshd {
    child: Child,
    /// The port it listens on (127.0.0.1).
    pub port: u16,
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
pub fn start_sshd(dir: &Path) -> Sshd {
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

/// A remote builder: the sshd, its store, and what `nix-build` needs to
/// use it.
pub struct RemoteBuilder {
    /// The sshd in front of the store (kept alive with the builder).
    pub sshd: Sshd,
    /// The remote machine's store.
    pub store: NixStore,
    /// Its `ssh://` URI, as Nix names it in "building ... on ..." lines.
    pub uri: String,
    dir: PathBuf,
    features: Vec<String>,
}

impl RemoteBuilder {
    /// A remote builder whose files live in `dir` and whose store is
    /// `dir/remote-store`. With `features`, it builds only derivations that
    /// require one of them (`requiredSystemFeatures`), and it has them.
    pub fn start(dir: &Path, features: &[&str]) -> RemoteBuilder {
        require_tool("ssh", "openssh-client");
        std::fs::create_dir_all(dir).expect("creating the remote builder's directory");
        let sshd = start_sshd(dir);
        let store = NixStore::new(dir.join("remote-store"));
        let wrapper = dir.join("remote-nix-store");
        let nix_store = ["/usr/bin/nix-store", "/bin/nix-store"]
            .into_iter()
            .find(|p| Path::new(p).exists())
            .expect("nix-store (apt-get install nix-bin)");
        let options = if features.is_empty() {
            String::new()
        } else {
            format!(
                " --option system-features '{} benchmark big-parallel kvm nixos-test'",
                features.join(" ")
            )
        };
        std::fs::write(
            &wrapper,
            format!(
                "#!/bin/sh\nexec {nix_store} --store {}{options} \"$@\"\n",
                store.root.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(
            &wrapper,
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        )
        .unwrap();
        let uri = format!(
            "ssh://{}@127.0.0.1?remote-program={}",
            user(),
            wrapper.display()
        );
        RemoteBuilder {
            sshd,
            store,
            uri,
            dir: dir.to_path_buf(),
            features: features.iter().map(|f| f.to_string()).collect(),
        }
    }

    /// The `--builders` value: this machine for the platform, one job at
    /// a time, with its features supported and mandatory.
    pub fn builders(&self) -> String {
        let features = if self.features.is_empty() {
            String::new()
        } else {
            let list = self.features.join(",");
            format!(" 1 {list} {list}")
        };
        format!(
            "{} {}-{} {} 1{features}",
            self.uri,
            std::env::consts::ARCH,
            std::env::consts::OS,
            self.dir.join("client_key").display()
        )
    }

    /// Makes `command` (a nix-build) reach the builder over ssh.
    pub fn ssh_options(&self, command: &mut Command) {
        command.env(
            "NIX_SSHOPTS",
            format!(
                "-p {} -o UserKnownHostsFile={} -o StrictHostKeyChecking=yes -o BatchMode=yes",
                self.sshd.port,
                self.dir.join("known_hosts").display()
            ),
        );
    }

    /// The lines of a nix-build log that say a derivation was built here.
    pub fn builds_in<'a>(&self, log: &'a str) -> Vec<&'a str> {
        log.lines()
            .filter(|l| l.starts_with("building '") && l.contains(&format!(" on '{}'", self.uri)))
            .collect()
    }
}
