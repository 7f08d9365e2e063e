//! The servers a bench starts as child processes, each stopped when dropped: `practice
//! sandbox` (its `--print-env` read back, its admin API asked) and a throwaway `redis-server`.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A `practice sandbox` process, killed when dropped.
pub(crate) struct Sandbox {
    child: Child,
    /// `NAME=value` of its `--print-env`.
    pub(crate) env: BTreeMap<String, String>,
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Sandbox {
    pub(crate) fn start(root: &Path, seed: u64) -> Result<Sandbox, String> {
        let mut child = Command::new(root.join("target/release/practice"))
            .args(["sandbox", "--print-env", "--seed", &seed.to_string()])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("practice sandbox: {e}"))?;
        let stdout = child.stdout.take().ok_or("practice sandbox: no stdout")?;
        let mut env = BTreeMap::new();
        for line in BufReader::new(stdout).lines().take(7) {
            let line = line.map_err(|e| e.to_string())?;
            let (name, value) = line
                .strip_prefix("export ")
                .and_then(|l| l.split_once('='))
                .ok_or_else(|| format!("practice sandbox printed {line:?}"))?;
            env.insert(name.to_owned(), value.trim_matches('\'').to_owned());
        }
        Ok(Sandbox { child, env })
    }

    pub(crate) fn var(&self, name: &str) -> &str {
        self.env.get(name).map_or("", String::as_str)
    }

    /// `host:port` of the sandbox (both vendors and the admin API share it).
    fn authority(&self) -> String {
        let url = self.var("ALOHA_BASE_URL");
        let rest = url.strip_prefix("http://").unwrap_or(url);
        rest.split('/').next().unwrap_or(rest).to_owned()
    }

    /// `GET /_sandbox/<path>` as JSON.
    pub(crate) fn admin(&self, path: &str) -> Result<Value, String> {
        let authority = self.authority();
        let mut stream = TcpStream::connect(&authority).map_err(|e| format!("{authority}: {e}"))?;
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .map_err(|e| e.to_string())?;
        write!(
            stream,
            "GET /_sandbox/{path} HTTP/1.0\r\nHost: {authority}\r\nConnection: close\r\n\r\n"
        )
        .map_err(|e| e.to_string())?;
        let mut answer = String::new();
        stream
            .read_to_string(&mut answer)
            .map_err(|e| e.to_string())?;
        let body = answer
            .split_once("\r\n\r\n")
            .map(|(_, body)| body)
            .ok_or("the sandbox's admin answer has no body")?;
        serde_json::from_str(body).map_err(|e| format!("/_sandbox/{path}: {e}"))
    }
}

/// A `redis-server` on a free port, stopped when dropped.
pub(crate) struct Redis {
    child: Child,
    port: u16,
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Redis {
    pub(crate) fn start() -> Result<Redis, String> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| e.to_string())?
            .port();
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .map_err(|e| format!("redis-server (needed on PATH): {e}"))?;
        let until = Instant::now() + Duration::from_secs(5);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > until {
                return Err("redis-server did not start within 5 s".to_owned());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(Redis { child, port })
    }

    pub(crate) fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }
}
