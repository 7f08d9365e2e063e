//! An Aloha report of any size through the built binary: records are written as they are
//! decoded, so an endless answer from a hostile server ends at `--max-answer-mib` with a
//! clear error and the records before it, under a kernel limit on the process's memory
//! far below what buffering would take; and `| head` ends it at once.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Stdio;

mod support;

use support::{code, stderr};

const LOGIN: &str = r#"{"status":200,"message":"Success","data":{"username":"u","accessToken":"tok","accessTokenExpiration":"2099-01-01T00:00:00Z","refreshToken":"r","subscriptionId":"s"}}"#;
const ROW: &str = r#"{"appointmentId":1,"claimId":"CLM-1","appointmentDate":"01-15-2024","units":4,"charge":125.50}"#;
/// A row with a long note, so that the test moves many bytes for little decoding.
fn long_row() -> String {
    format!(
        r#"{{"appointmentId":2,"claimId":"CLM-2","clientName":"{}","units":4,"charge":125.50}}"#,
        "n".repeat(8000)
    )
}

/// A server whose report answer never ends (chunked, rows for ever), written from the HTTP
/// document alone. Returns the base URL.
fn endless_aloha() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/customer", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for socket in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let _ = answer(socket);
            });
        }
    });
    url
}

fn answer(socket: TcpStream) -> std::io::Result<()> {
    let mut reader = BufReader::new(socket.try_clone()?);
    let mut socket = socket;
    loop {
        let mut head = Vec::new();
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line)? == 0 {
                return Ok(());
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap_or(0);
            }
            head.push(line.clone());
            if line == "\r\n" {
                break;
            }
        }
        let mut body = vec![0u8; length];
        reader.read_exact(&mut body)?;
        if head[0].contains("/token") {
            write!(
                socket,
                "HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{LOGIN}",
                LOGIN.len()
            )?;
            continue;
        }
        socket.write_all(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")?;
        let first = format!(r#"{{"data":[{ROW}"#);
        write!(socket, "{:x}\r\n{first}\r\n", first.len())?;
        let many = format!(",{ROW}").repeat(200) + &format!(",{}", long_row()).repeat(50);
        loop {
            write!(socket, "{:x}\r\n{many}\r\n", many.len())?;
        }
    }
}

fn env(url: &str) -> Vec<(&'static str, String)> {
    vec![
        ("ALOHA_CLIENT_ID", "client".to_owned()),
        ("ALOHA_SECRET_KEY", "secret".to_owned()),
        ("ALOHA_BASE_URL", url.to_owned()),
    ]
}

const REPORT: [&str; 7] = [
    "--format",
    "ndjson",
    "aloha",
    "appointments",
    "--from",
    "2024-01-01",
    "--to",
];

#[test]
fn an_endless_answer_ends_at_the_limit_in_bounded_memory() {
    let url = endless_aloha();
    // The kernel refuses the process more than 48 MiB of data (heap and thread stacks), less
    // than the 64 MiB it reads: buffering could not pass; the streaming CLI runs in ~20 MiB.
    let mut command = std::process::Command::new("sh");
    command
        .arg("-c")
        .arg(r#"ulimit -d 49152 && exec "$0" "$@""#)
        .arg(env!("CARGO_BIN_EXE_practice"))
        .args(["--max-answer-mib", "64"])
        .args(REPORT)
        .arg("2024-01-31");
    for var in support::VARS {
        command.env_remove(var);
    }
    let out = command.envs(env(&url)).output().unwrap();
    let err = stderr(&out);
    assert_eq!(code(&out), 5, "{err}");
    assert!(
        err.contains("larger than the configured limit") && err.contains("67108864-byte limit"),
        "{err}"
    );
    assert!(!err.contains("memory allocation"), "{err}");
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    // 64 MiB of rows came through before the limit, each line a whole record as sent.
    let long = long_row();
    assert!(lines.len() > 20_000, "{}", lines.len());
    assert!(lines.iter().all(|l| *l == ROW || *l == long));
    let bytes: usize = lines.iter().map(|l| l.len()).sum();
    assert!(bytes > 60 << 20, "{bytes}");
}

#[test]
fn an_endless_answer_piped_into_head_ends_quietly() {
    let url = endless_aloha();
    let mut child = support::command()
        .args(REPORT)
        .arg("2024-01-31")
        .envs(env(&url))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    for _ in 0..3 {
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        assert!(line.starts_with(r#"{"appointmentId":"#), "{line}");
    }
    drop(stdout); // what `head -3` does once it has its lines
    let status = child.wait().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(!err.contains("error"), "{err}");
}
