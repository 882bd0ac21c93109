//! A real SMTP listener on loopback for the tests: it speaks enough ESMTP for lettre
//! (EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) and keeps every message it accepts.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

#[derive(Debug, Clone)]
pub struct Received {
    pub to: Vec<String>,
    pub data: String,
}

impl Received {
    fn split(&self) -> (&str, &str) {
        self.data.split_once("\r\n\r\n").unwrap_or((&self.data, ""))
    }

    pub fn header(&self, name: &str) -> Option<String> {
        let (headers, _) = self.split();
        let prefix = format!("{}:", name.to_lowercase());
        headers
            .lines()
            .find(|l| l.to_lowercase().starts_with(&prefix))
            .map(|l| l[prefix.len()..].trim().to_owned())
    }

    pub fn subject(&self) -> String {
        self.header("subject").unwrap_or_default()
    }

    /// The subject as a person reads it: folded lines joined, RFC 2047 encoded words
    /// (`=?utf-8?b?…?=`, `=?utf-8?q?…?=`) decoded.
    pub fn subject_text(&self) -> String {
        let (headers, _) = self.split();
        let mut raw = String::new();
        let mut inside = false;
        for line in headers.lines() {
            if inside && line.starts_with([' ', '\t']) {
                raw.push_str(line);
            } else if inside {
                break;
            } else if line.to_lowercase().starts_with("subject:") {
                raw.push_str(&line[8..]);
                inside = true;
            }
        }
        // White space between two encoded words is dropped; elsewhere it stays (RFC 2047).
        let mut out = String::new();
        let mut previous_encoded = false;
        for word in raw.split_whitespace() {
            let decoded = word
                .strip_prefix("=?")
                .and_then(|w| w.strip_suffix("?="))
                .and_then(|w| {
                    let mut parts = w.splitn(3, '?');
                    let (_charset, encoding, text) = (parts.next()?, parts.next()?, parts.next()?);
                    use base64::Engine;
                    let bytes = match encoding {
                        "b" | "B" => base64::engine::general_purpose::STANDARD
                            .decode(text)
                            .ok()?,
                        _ => decode_quoted_printable(&text.replace('_', " ")).into_bytes(),
                    };
                    String::from_utf8(bytes).ok()
                });
            let encoded = decoded.is_some();
            if !(out.is_empty() || encoded && previous_encoded) {
                out.push(' ');
            }
            out.push_str(decoded.as_deref().unwrap_or(word));
            previous_encoded = encoded;
        }
        out
    }

    /// The decoded text body.
    pub fn text(&self) -> String {
        let (_, body) = self.split();
        match self.header("content-transfer-encoding").as_deref() {
            Some("quoted-printable") => decode_quoted_printable(body),
            Some("base64") => {
                use base64::Engine;
                let joined: String = body.split_whitespace().collect();
                String::from_utf8(
                    base64::engine::general_purpose::STANDARD
                        .decode(joined)
                        .unwrap(),
                )
                .unwrap()
            }
            _ => body.to_owned(),
        }
    }

    /// The first http(s) link in the body.
    pub fn link(&self) -> Option<String> {
        self.text()
            .split_whitespace()
            .find(|w| w.starts_with("http://") || w.starts_with("https://"))
            .map(str::to_owned)
    }
}

fn decode_quoted_printable(body: &str) -> String {
    let joined = body.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            if let Ok(byte) = u8::from_str_radix(&joined[i + 1..i + 3], 16) {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[derive(Clone)]
pub struct MailServer {
    pub port: u16,
    messages: Arc<Mutex<Vec<Received>>>,
}

impl MailServer {
    pub async fn start() -> Self {
        Self::start_on(0).await
    }

    pub async fn start_on(port: u16) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("SMTP test listener binds");
        let port = listener.local_addr().unwrap().port();
        let messages = Arc::new(Mutex::new(Vec::new()));
        let store = messages.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let store = store.clone();
                tokio::spawn(async move {
                    let _ = serve(stream, store).await;
                });
            }
        });
        Self { port, messages }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn messages(&self) -> Vec<Received> {
        self.messages.lock().unwrap().clone()
    }

    pub fn to(&self, address: &str) -> Vec<Received> {
        self.messages()
            .into_iter()
            .filter(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(address)))
            .collect()
    }

    /// Waits (up to 10 s) until `address` has received `count` messages.
    pub async fn wait_for(&self, address: &str, count: usize) -> Vec<Received> {
        for _ in 0..200 {
            let got = self.to(address);
            if got.len() >= count {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "{address} received {} of {count} messages",
            self.to(address).len()
        );
    }
}

async fn serve(
    stream: tokio::net::TcpStream,
    store: Arc<Mutex<Vec<Received>>>,
) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 passgate-test ESMTP\r\n").await?;
    let mut to = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_uppercase();
        if command.starts_with("EHLO") {
            write
                .write_all(b"250-passgate-test\r\n250 8BITMIME\r\n")
                .await?;
        } else if command.starts_with("HELO")
            || command.starts_with("MAIL FROM")
            || command == "RSET"
            || command == "NOOP"
        {
            if command == "RSET" {
                to.clear();
            }
            write.write_all(b"250 OK\r\n").await?;
        } else if command.starts_with("RCPT TO") {
            let address = line.trim_end()[8..]
                .trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_owned();
            to.push(address);
            write.write_all(b"250 OK\r\n").await?;
        } else if command == "DATA" {
            write
                .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                .await?;
            let mut data = String::new();
            loop {
                line.clear();
                if lines.read_line(&mut line).await? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" || line == ".\n" {
                    break;
                }
                data.push_str(
                    line.strip_prefix('.')
                        .filter(|_| line.starts_with(".."))
                        .unwrap_or(&line),
                );
            }
            store.lock().unwrap().push(Received {
                to: std::mem::take(&mut to),
                data,
            });
            write.write_all(b"250 OK queued\r\n").await?;
        } else if command == "QUIT" {
            write.write_all(b"221 Bye\r\n").await?;
            return Ok(());
        } else {
            write.write_all(b"502 Command not implemented\r\n").await?;
        }
    }
}
