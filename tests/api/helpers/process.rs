//! Real passgate processes, for what only the binary shows: signals, crashes, several
//! instances on one database, what the command line prints and logs. One way to build the
//! command, pick a port, wait until a server answers and clean up after it.

use std::process::{Child, Command, ExitStatus};
use std::time::{Duration, Instant};

/// The JWT secret of every process a test starts, so instances on one database accept each
/// other's tokens.
pub const PROCESS_JWT_SECRET: &str = "process-test-secret-process-test-0123";

/// The built binary with nothing inherited but `PATH` (a developer's `PASSGATE__*` settings
/// must not leak into a test) and the management listener on a port of its own.
pub fn passgate_bare() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_passgate"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("PASSGATE__MANAGEMENT__PORT", "0");
    cmd
}

/// `passgate_bare` on `db_url` with cheap hashing, a fixed JWT secret and errors-only logs.
/// A test adds its own settings with `.env`, which replace these.
pub fn passgate(db_url: &str) -> Command {
    let mut cmd = passgate_bare();
    cmd.env("PASSGATE__DATABASE__URL", db_url)
        .env("PASSGATE__HASHING__MEMORY_KIB", "256")
        .env("PASSGATE__HASHING__ITERATIONS", "1")
        .env("PASSGATE__JWT__SECRET", PROCESS_JWT_SECRET)
        .env("PASSGATE__LOG__LEVEL", "error");
    cmd
}

/// A port nobody listens on right now, for a real passgate process started by a test.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A `passgate serve` process, killed and reaped when dropped, so no server outlives a
/// failing test.
pub struct Server {
    pub child: Child,
    pub url: String,
}

impl Server {
    /// Runs `cmd serve` on a free port and returns once it answers `/healthz`.
    pub async fn start(mut cmd: Command) -> Self {
        let port = free_port();
        let child = cmd
            .arg("serve")
            .env("PASSGATE__SERVER__PORT", port.to_string())
            .spawn()
            .expect("passgate starts");
        let server = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        wait_until_up(&server.url).await;
        server
    }

    /// Sends the signal named `name` (`TERM`, `INT`) to the process.
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// How the process ended, which it must within `limit`.
    pub async fn exit_status(&mut self, limit: Duration) -> ExitStatus {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(started.elapsed() < limit, "passgate did not exit");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// SIGKILL, as a crash would, and reap the process.
    pub fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls `url/healthz` until the server answers (a readiness poll with a deadline: how long
/// a process takes to start is not ours to choose).
pub async fn wait_until_up(url: &str) {
    let client = reqwest::Client::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while client.get(format!("{url}/healthz")).send().await.is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "passgate at {url} did not start"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
