//! A webhook receiver on 127.0.0.1 that checks every delivery with the official Standard
//! Webhooks verifier: `tests/webhooks/receiver.mjs` (Node, npm `standardwebhooks` from that
//! folder's package-lock.json), started per test. Its path picks the answer (`/ok`,
//! `/fail-once`, `/gone`, `/hang`, `/endless`); each delivery it saw is a JSON value here.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::Value;

use super::poll_until;

fn folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/webhooks")
}

/// `npm ci` in a folder of its own, then moved into place, so test processes running side
/// by side (SQLite and PostgreSQL) never install over each other.
fn ensure_installed() {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        let dir = folder();
        if dir
            .join("node_modules/standardwebhooks/package.json")
            .exists()
        {
            return;
        }
        let scratch = dir.join(format!(".install-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&scratch);
        std::fs::create_dir_all(&scratch).unwrap();
        for file in ["package.json", "package-lock.json"] {
            std::fs::copy(dir.join(file), scratch.join(file)).unwrap();
        }
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&scratch)
            .status()
            .expect(
                "the webhook tests need Node.js and npm (the official verifier is an npm package)",
            );
        assert!(status.success(), "npm ci in tests/webhooks failed");
        // Whoever moves first wins; the other's copy is the same packages.
        let _ = std::fs::rename(scratch.join("node_modules"), dir.join("node_modules"));
        let _ = std::fs::remove_dir_all(&scratch);
    });
}

pub struct Receiver {
    child: Child,
    pub port: u16,
    seen: Arc<Mutex<Vec<Value>>>,
}

impl Receiver {
    pub async fn start() -> Self {
        ensure_installed();
        let mut child = Command::new("node")
            .arg(folder().join("receiver.mjs"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("node starts");
        let stdout = child.stdout.take().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let port = Arc::new(Mutex::new(None));
        {
            let (seen, port) = (seen.clone(), port.clone());
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                    let Ok(value) = serde_json::from_str::<Value>(&line) else {
                        continue;
                    };
                    if let Some(p) = value["port"].as_u64() {
                        *port.lock().unwrap() = Some(p as u16);
                    } else {
                        seen.lock().unwrap().push(value);
                    }
                }
            });
        }
        poll_until("the receiver to listen", async || {
            port.lock().unwrap().is_some()
        })
        .await;
        let port = port.lock().unwrap().unwrap();
        Self { child, port, seen }
    }

    /// The URL of one of the receiver's behaviours, e.g. `url("/ok")`.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// The secrets the verifier checks each delivery against (`verified[i]` is for
    /// `secrets[i]`).
    pub async fn set_secrets(&self, secrets: &[&str]) {
        let res = reqwest::Client::new()
            .post(self.url("/__secrets"))
            .json(&serde_json::json!({ "secrets": secrets }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 204);
    }

    /// Every delivery seen so far.
    pub fn seen(&self) -> Vec<Value> {
        self.seen.lock().unwrap().clone()
    }

    /// Waits until at least `n` deliveries arrived; returns them all.
    pub async fn wait_for(&self, n: usize) -> Vec<Value> {
        poll_until(&format!("{n} webhook deliveries"), async || {
            self.seen().len() >= n
        })
        .await;
        self.seen()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
