//! The wire: Language Server Protocol frames on stdio (`Content-Length:`
//! headers, a JSON body). Read here, bounded, rather than by `lsp-server`'s
//! reader, which ends the connection at the first malformed frame and
//! allocates whatever length a header claims: a frame that is not a
//! message is skipped and said ([`Incoming::Malformed`]), and the next is
//! read.

use std::io::{self, BufRead, Read, Write};

use lsp_server::Message;

/// The longest header line read (a real one is some twenty bytes).
const MAX_HEADER_LINE: u64 = 8 * 1024;
/// The largest body taken: a whole file sent by `didOpen` fits many times
/// (files are read up to 10 MiB elsewhere); a larger frame is skipped.
pub const MAX_BODY: usize = 64 * 1024 * 1024;

/// What a frame read turned out to be.
#[derive(Debug)]
pub enum Incoming {
    Message(Message),
    /// A frame that is no message: why, for the log and the JSON-RPC
    /// parse error sent back.
    Malformed(String),
    /// JSON that is no JSON-RPC message: JSON-RPC's invalid request, sent
    /// back with the id it has (a number or a string; else null), so that
    /// a client waiting for that id gets its answer.
    Invalid {
        id: serde_json::Value,
        why: String,
    },
}

/// Reads the next frame; `Ok(None)` at the end of the input.
pub fn read(r: &mut impl BufRead) -> io::Result<Option<Incoming>> {
    let mut length: Option<usize> = None;
    let mut bad_header: Option<String> = None;
    let mut saw_any = false;
    loop {
        let mut line = Vec::new();
        let n = r
            .by_ref()
            .take(MAX_HEADER_LINE)
            .read_until(b'\n', &mut line)?;
        if n == 0 {
            return match saw_any {
                true => Ok(Some(Incoming::Malformed(
                    "the input ended inside a frame's headers".into(),
                ))),
                false => Ok(None),
            };
        }
        saw_any = true;
        if !line.ends_with(b"\n") {
            // A header line longer than any real one: what follows cannot
            // be trusted to be a frame; the rest of the line is dropped.
            skip_line(r)?;
            bad_header.get_or_insert_with(|| "a header line is too long".into());
            continue;
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        if text.is_empty() {
            break;
        }
        match text.split_once(':') {
            Some((name, value)) if name.trim().eq_ignore_ascii_case("content-length") => {
                match value.trim().parse::<usize>() {
                    Ok(n) => length = Some(n),
                    Err(_) => {
                        bad_header.get_or_insert_with(|| {
                            format!("Content-Length is not a number: {:?}", clip(value.trim()))
                        });
                    }
                }
            }
            Some(_) => {}
            None => {
                bad_header.get_or_insert_with(|| format!("not a header: {:?}", clip(text)));
            }
        }
    }
    let Some(length) = length else {
        return Ok(Some(Incoming::Malformed(
            bad_header.unwrap_or_else(|| "a frame without Content-Length".into()),
        )));
    };
    if length > MAX_BODY {
        let skipped = io::copy(&mut r.by_ref().take(length as u64), &mut io::sink())?;
        return Ok(Some(Incoming::Malformed(format!(
            "a message of {length} bytes is larger than the server takes ({MAX_BODY} bytes); {skipped} bytes skipped"
        ))));
    }
    let mut body = vec![0; length];
    if let Err(e) = r.read_exact(&mut body) {
        return match e.kind() {
            io::ErrorKind::UnexpectedEof => Ok(Some(Incoming::Malformed(
                "the input ended inside a message".into(),
            ))),
            _ => Err(e),
        };
    }
    if let Some(why) = bad_header {
        return Ok(Some(Incoming::Malformed(why)));
    }
    let values = json_values(&body);
    if values > MAX_VALUES {
        return Ok(Some(Incoming::Malformed(format!(
            "a message of {values} JSON values is more than the server takes ({MAX_VALUES})"
        ))));
    }
    Ok(Some(match serde_json::from_slice::<Message>(&body) {
        // A message with an `id` that is no request id (a fraction, null, a
        // number past 32 bits) reads as a notification: a request the
        // client waits on, answered as invalid, never obeyed (`exit`).
        Ok(Message::Notification(_)) if has_id(&body) => Incoming::Invalid {
            id: serde_json::Value::Null,
            why: "a request's id must be an integer or a string".into(),
        },
        Ok(m) => Incoming::Message(m),
        Err(e) => match serde_json::from_slice::<serde_json::Value>(&body) {
            Ok(v) => Incoming::Invalid {
                id: v
                    .get("id")
                    .filter(|id| id.is_i64() || id.is_u64() || id.is_string())
                    .cloned()
                    .unwrap_or_default(),
                why: format!("not a JSON-RPC message: {e}"),
            },
            Err(e) => Incoming::Malformed(format!("not a JSON-RPC message: {e}")),
        },
    }))
}

/// The most JSON values (scalars, arrays, objects) a message may hold:
/// parsing makes a tree of them (some 50 bytes each, twice over), and the
/// largest real messages — a file's text, a few thousand changed files —
/// hold a few thousand.
pub const MAX_VALUES: usize = 1_000_000;

/// How many JSON values `body` holds, roughly (a scalar, an array or an
/// object each counts one; strings are skipped), in one pass without
/// parsing.
fn json_values(body: &[u8]) -> usize {
    let mut n = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut in_scalar = false;
    for &b in body {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => {
                in_string = true;
                in_scalar = false;
                n += 1;
            }
            b'[' | b'{' => {
                in_scalar = false;
                n += 1;
            }
            b',' | b':' | b']' | b'}' | b' ' | b'\n' | b'\r' | b'\t' => in_scalar = false,
            _ if !in_scalar => {
                in_scalar = true;
                n += 1;
            }
            _ => {}
        }
    }
    n
}

/// Whether the message's object has an `id` member (whatever its value).
fn has_id(body: &[u8]) -> bool {
    #[derive(serde::Deserialize)]
    struct Probe {
        #[serde(default, deserialize_with = "present")]
        id: bool,
    }
    fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        serde::de::IgnoredAny::deserialize(d).map(|_| true)
    }
    use serde::Deserialize as _;
    serde_json::from_slice::<Probe>(body).is_ok_and(|p| p.id)
}

fn skip_line(r: &mut impl BufRead) -> io::Result<()> {
    loop {
        let buf = r.fill_buf()?;
        if buf.is_empty() {
            return Ok(());
        }
        match buf.iter().position(|b| *b == b'\n') {
            Some(i) => {
                r.consume(i + 1);
                return Ok(());
            }
            None => {
                let n = buf.len();
                r.consume(n);
            }
        }
    }
}

/// A piece of what the client sent, for a message about it: short, on one
/// line, control characters escaped.
pub(super) fn clip(s: &str) -> String {
    crate::report::escape::text(&s.chars().take(80).collect::<String>()).into_owned()
}

/// Writes a message as one frame.
pub fn write(w: &mut impl Write, msg: Message) -> io::Result<()> {
    msg.write(w)
}

/// JSON-RPC's answer to a frame that is no message: a parse error
/// (-32700), whose id is null since none could be read, or an invalid
/// request (-32600) with the id it has.
pub fn write_error(
    w: &mut impl Write,
    id: &serde_json::Value,
    code: i32,
    message: &str,
) -> io::Result<()> {
    let body = serde_json::json!({
        "jsonrpc": "2.0",
        "id": id,
        "error": {"code": code, "message": message},
    })
    .to_string();
    write!(w, "Content-Length: {}\r\n\r\n{}", body.len(), body)?;
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{}", body.len(), body)
    }

    fn all(input: &[u8]) -> Vec<Result<String, String>> {
        let mut r = io::BufReader::new(input);
        let mut out = Vec::new();
        while let Some(i) = read(&mut r).unwrap() {
            out.push(match i {
                Incoming::Message(Message::Request(r)) => Ok(r.method),
                Incoming::Message(Message::Notification(n)) => Ok(n.method),
                Incoming::Message(Message::Response(_)) => Ok("response".into()),
                Incoming::Malformed(why) | Incoming::Invalid { why, .. } => Err(why),
            });
        }
        out
    }

    const EXIT: &str = r#"{"jsonrpc":"2.0","method":"exit"}"#;

    #[test]
    fn a_malformed_frame_is_skipped_and_the_next_read() {
        let input = [
            frame("{not json"),
            frame(r#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#),
            "Content-Length: x\r\n\r\n".into(),
            "Garbage\r\n\r\n".into(),
            frame(EXIT),
        ]
        .concat();
        let got = all(input.as_bytes());
        assert!(got[0]
            .as_ref()
            .unwrap_err()
            .contains("not a JSON-RPC message"));
        assert_eq!(got[1], Ok("shutdown".into()));
        assert!(got[2].as_ref().unwrap_err().contains("not a number"));
        assert!(got[3].as_ref().unwrap_err().contains("not a header"));
        assert_eq!(got[4], Ok("exit".into()));
        assert_eq!(got.len(), 5);
    }

    #[test]
    fn a_message_of_too_many_values_is_skipped_and_a_bad_id_never_obeyed() {
        let many = format!(
            r#"{{"jsonrpc":"2.0","method":"x","params":[{}0]}}"#,
            "0,".repeat(MAX_VALUES)
        );
        let few = r#"{"jsonrpc":"2.0","method":"x","params":{"text":"[0,0,0,\"]]]"}}"#;
        assert!(json_values(few.as_bytes()) < 10, "strings are not counted");
        let input = [
            frame(&many),
            frame(r#"{"jsonrpc":"2.0","id":1.5,"method":"exit"}"#),
            frame(r#"{"jsonrpc":"2.0","id":null,"method":"exit"}"#),
            frame(few),
            frame(EXIT),
        ]
        .concat();
        let got = all(input.as_bytes());
        assert!(
            got[0].as_ref().unwrap_err().contains("JSON values"),
            "{got:?}"
        );
        assert!(got[1].as_ref().unwrap_err().contains("id"), "{got:?}");
        assert!(got[2].as_ref().unwrap_err().contains("id"), "{got:?}");
        assert_eq!(got[3], Ok("x".into()));
        assert_eq!(got[4], Ok("exit".into()));
    }

    #[test]
    fn a_huge_length_is_skipped_without_allocating_it() {
        // A claimed length past the limit, followed by fewer bytes: skipped
        // to the end, never allocated.
        let input = format!("Content-Length: {}\r\n\r\nabc", usize::MAX / 2);
        let got = all(input.as_bytes());
        assert!(got[0].as_ref().unwrap_err().contains("larger than"));
        // A long body past the limit, then a good frame.
        let big = "x".repeat(MAX_BODY + 1);
        let input = [
            format!("Content-Length: {}\r\n\r\n{big}", big.len()),
            frame(EXIT),
        ]
        .concat();
        let got = all(input.as_bytes());
        assert!(got[0].as_ref().unwrap_err().contains("larger than"));
        assert_eq!(got[1], Ok("exit".into()));
    }

    #[test]
    fn a_header_line_without_end_and_a_truncated_body_end_cleanly() {
        let long = "X".repeat(MAX_HEADER_LINE as usize * 3);
        let input = [format!("{long}\r\n\r\n"), frame(EXIT)].concat();
        let got = all(input.as_bytes());
        assert!(got[0].as_ref().unwrap_err().contains("too long"));
        assert_eq!(got[1], Ok("exit".into()));
        let got = all(b"Content-Length: 100\r\n\r\n{\"a\"");
        assert!(got[0]
            .as_ref()
            .unwrap_err()
            .contains("ended inside a message"));
        assert_eq!(got.len(), 1);
        let got = all(b"Content-Length: 100\r\n");
        assert!(got[0].as_ref().unwrap_err().contains("headers"));
    }
}
