//! Readers for the file formats credential stores use: YAML, JSON, INI,
//! TOML, netrc and git's credential store. Each turns a file into flat
//! entries — a key path, a string value and the value's 1-based line and
//! column — so the store parsers in `home` can say which profile, host or
//! context a value belongs to. Malformed files yield what could be read;
//! nothing here fails.

use std::collections::HashMap;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// One string value in a structured file.
#[derive(Clone, PartialEq, Eq)]
pub struct Entry {
    /// The keys (and sequence indexes) leading to the value.
    pub key: Vec<String>,
    /// The value, unescaped.
    pub value: String,
    /// 1-based line of the value.
    pub line: usize,
    /// 1-based column of the value, in characters.
    pub column: usize,
}

impl Entry {
    /// The last key, or "" for a top-level value.
    pub fn last(&self) -> &str {
        self.key.last().map_or("", String::as_str)
    }

    /// Whether the key path is exactly `path` (`*` matches any one segment).
    pub fn is(&self, path: &[&str]) -> bool {
        self.key.len() == path.len() && self.key.iter().zip(path).all(|(k, p)| *p == "*" || k == p)
    }
}

/// Every scalar of every YAML document in `text`, with exact positions.
pub fn yaml(text: &str) -> Vec<Entry> {
    let mut flat = YamlFlattener::default();
    let mut parser = Parser::new_from_str(text);
    // A syntax error ends the walk; what was read before it is kept.
    let _ = parser.load(&mut flat, true);
    flat.out
}

enum Frame {
    /// A mapping; `key` holds a key read and waiting for its value.
    Map { key: Option<String> },
    /// A sequence and the index of its next item.
    Seq { next: usize },
}

#[derive(Default)]
struct YamlFlattener {
    /// Open collections, each with the key or index it hangs under.
    frames: Vec<(Option<String>, Frame)>,
    out: Vec<Entry>,
}

impl YamlFlattener {
    /// The segment under which the next value of the innermost collection
    /// hangs, or `None` when the next scalar is a mapping key.
    fn next_segment(&mut self) -> Option<Option<String>> {
        match self.frames.last_mut() {
            None => Some(None),
            Some((_, Frame::Map { key })) => key.take().map(Some),
            Some((_, Frame::Seq { next })) => {
                *next += 1;
                Some(Some((*next - 1).to_string()))
            }
        }
    }

    fn path_with(&self, last: Option<String>) -> Vec<String> {
        self.frames
            .iter()
            .filter_map(|(seg, _)| seg.clone())
            .chain(last)
            .collect()
    }
}

impl MarkedEventReceiver for YamlFlattener {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        match ev {
            Event::Scalar(value, style, ..) => match self.next_segment() {
                None => {
                    if let Some((_, Frame::Map { key })) = self.frames.last_mut() {
                        *key = Some(value);
                    }
                }
                Some(seg) => {
                    let quoted = matches!(
                        style,
                        TScalarStyle::SingleQuoted | TScalarStyle::DoubleQuoted
                    );
                    let key = self.path_with(seg);
                    self.out.push(Entry {
                        key,
                        value,
                        line: mark.line(),
                        column: mark.col() + 1 + usize::from(quoted),
                    });
                }
            },
            Event::Alias(_) => {
                // An alias used as a key stands for an unknown key.
                let is_key = self.next_segment().is_none();
                if let (true, Some((_, Frame::Map { key }))) = (is_key, self.frames.last_mut()) {
                    *key = Some("*".into());
                }
            }
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                let seg = self.next_segment().flatten();
                let frame = if matches!(ev, Event::MappingStart(..)) {
                    Frame::Map { key: None }
                } else {
                    Frame::Seq { next: 0 }
                };
                self.frames.push((seg, frame));
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.frames.pop();
            }
            _ => {}
        }
    }
}

/// Every string of a JSON document, positioned by finding its encoded form
/// in the text, right after its own key (`"key": "value"`), at an
/// occurrence not already given to an earlier value.
pub fn json(text: &str) -> Vec<Entry> {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(text) else {
        return Vec::new();
    };
    let mut raw = Vec::new();
    walk(&value, &json_node, &mut Vec::new(), &mut raw);
    let mut used = std::collections::HashSet::new();
    raw.into_iter()
        .map(|(key, value)| {
            let encoded = serde_json::to_string(&value).unwrap_or_default();
            let encoded_key = key
                .last()
                .map(|k| serde_json::to_string(k).unwrap_or_default());
            let at = text
                .match_indices(&encoded)
                .map(|(i, _)| i)
                .filter(|i| !used.contains(i))
                .find(|&i| {
                    let before = text[..i].trim_end();
                    match (&encoded_key, before.strip_suffix(':')) {
                        (Some(k), Some(b)) => b.trim_end().ends_with(k.as_str()),
                        // Array items (and values whose key is a number).
                        _ => before.ends_with(['[', ',']),
                    }
                });
            let (line, column) = match at {
                Some(i) => {
                    used.insert(i);
                    let (l, c) = line_col(text, i);
                    (l, c + 1)
                }
                None => (1, 1),
            };
            Entry {
                key,
                value,
                line,
                column,
            }
        })
        .collect()
}

/// What a node of a parsed JSON or TOML document is, for [`walk`].
enum Node<'a, T> {
    Str(&'a str),
    Map(Vec<(&'a str, &'a T)>),
    List(&'a [T]),
    Other,
}

/// Every string under `v` with the key path leading to it (list items by
/// index); `node` tells what each value is.
fn walk<'a, T>(
    v: &'a T,
    node: &impl Fn(&'a T) -> Node<'a, T>,
    path: &mut Vec<String>,
    out: &mut Vec<(Vec<String>, String)>,
) {
    match node(v) {
        Node::Str(s) => out.push((path.clone(), s.to_string())),
        Node::Map(entries) => {
            for (k, child) in entries {
                path.push(k.to_string());
                walk(child, node, path, out);
                path.pop();
            }
        }
        Node::List(items) => {
            for (i, child) in items.iter().enumerate() {
                path.push(i.to_string());
                walk(child, node, path, out);
                path.pop();
            }
        }
        Node::Other => {}
    }
}

fn json_node(v: &serde_json::Value) -> Node<'_, serde_json::Value> {
    match v {
        serde_json::Value::String(s) => Node::Str(s),
        serde_json::Value::Object(map) => {
            Node::Map(map.iter().map(|(k, c)| (k.as_str(), c)).collect())
        }
        serde_json::Value::Array(items) => Node::List(items),
        _ => Node::Other,
    }
}

fn toml_node(v: &toml::Value) -> Node<'_, toml::Value> {
    match v {
        toml::Value::String(s) => Node::Str(s),
        toml::Value::Table(t) => Node::Map(t.iter().map(|(k, c)| (k.as_str(), c)).collect()),
        toml::Value::Array(items) => Node::List(items),
        _ => Node::Other,
    }
}

/// Every string of a TOML document, positioned like [`json`]'s.
pub fn toml(text: &str) -> Vec<Entry> {
    let Ok(value) = text.parse::<toml::Table>() else {
        return Vec::new();
    };
    let mut raw = Vec::new();
    walk(
        &toml::Value::Table(value),
        &toml_node,
        &mut Vec::new(),
        &mut raw,
    );
    let mut locator = Locator::new(text);
    raw.into_iter()
        .map(|(key, value)| {
            let (line, column) = locator.find(&value).unwrap_or((1, 1));
            Entry {
                key,
                value,
                line,
                column,
            }
        })
        .collect()
}

/// Finds successive occurrences of values in a text.
struct Locator<'a> {
    text: &'a str,
    next_from: HashMap<String, usize>,
}

impl<'a> Locator<'a> {
    fn new(text: &'a str) -> Self {
        Locator {
            text,
            next_from: HashMap::new(),
        }
    }

    /// Line and column of the next occurrence of `needle`.
    fn find(&mut self, needle: &str) -> Option<(usize, usize)> {
        if needle.is_empty() {
            return None;
        }
        let from = self.next_from.get(needle).copied().unwrap_or(0);
        let at = from + self.text.get(from..)?.find(needle)?;
        self.next_from.insert(needle.to_string(), at + needle.len());
        Some(line_col(self.text, at))
    }
}

/// 1-based line and column (in characters) of byte offset `at`.
pub fn line_col(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// `key = value` lines under `[section]` headers (AWS, pypirc, npmrc).
/// The key ends at the first of `seps`; `#` and `;` start comment lines;
/// quotes around a value are removed. The key path is `[section, key]`, or
/// `[key]` before any section.
pub fn ini(text: &str, seps: &[char]) -> Vec<Entry> {
    let mut out = Vec::new();
    let mut section: Option<String> = None;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with(['#', ';']) {
            continue;
        }
        if let Some(name) = trimmed.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            section = Some(name.trim().to_string());
            continue;
        }
        let Some(sep) = line.find(seps) else { continue };
        let key = line[..sep].trim().to_string();
        let rest = &line[sep + 1..];
        let lead = rest.len() - rest.trim_start().len();
        let mut value = rest.trim();
        let mut offset = sep + 1 + lead;
        for q in ['"', '\''] {
            if value.len() >= 2 && value.starts_with(q) && value.ends_with(q) {
                value = &value[1..value.len() - 1];
                offset += 1;
            }
        }
        if key.is_empty() || value.is_empty() {
            continue;
        }
        out.push(Entry {
            key: section.iter().cloned().chain([key]).collect(),
            value: value.to_string(),
            line: i + 1,
            column: line[..offset].chars().count() + 1,
        });
    }
    out
}

/// One credential of a `.netrc` file.
#[derive(Clone, PartialEq, Eq)]
pub struct NetrcEntry {
    /// The machine, or `default`.
    pub machine: String,
    /// The login, when given.
    pub login: Option<String>,
    /// `password` or `account`.
    pub field: &'static str,
    /// The value.
    pub value: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// The passwords and accounts of a `.netrc` file (tokens may span lines;
/// `macdef` bodies, which run to the next blank line, are skipped).
pub fn netrc(text: &str) -> Vec<NetrcEntry> {
    let mut tokens: Vec<(&str, usize, usize)> = Vec::new();
    let mut in_macdef = false;
    for (i, line) in text.lines().enumerate() {
        if in_macdef {
            if line.trim().is_empty() {
                in_macdef = false;
            }
            continue;
        }
        if line.trim_start().starts_with('#') {
            continue;
        }
        let mut col = 0;
        for word in line.split([' ', '\t']) {
            if !word.is_empty() {
                tokens.push((word, i + 1, line[..col].chars().count() + 1));
            }
            col += word.len() + 1;
        }
        if tokens.len() >= 2 && tokens[tokens.len() - 2].0 == "macdef" {
            in_macdef = true;
        }
    }
    let mut out: Vec<NetrcEntry> = Vec::new();
    let mut machine = String::new();
    let mut login: Option<String> = None;
    let mut first_of_machine = 0;
    let mut it = tokens.into_iter().peekable();
    while let Some((word, _, _)) = it.next() {
        match word {
            "machine" | "default" => {
                machine = if word == "default" {
                    "default".into()
                } else {
                    it.next().map(|t| t.0.to_string()).unwrap_or_default()
                };
                login = None;
                first_of_machine = out.len();
            }
            "login" => {
                login = it.next().map(|t| t.0.to_string());
                for e in &mut out[first_of_machine..] {
                    e.login.clone_from(&login);
                }
            }
            "password" | "account" => {
                if let Some((value, line, column)) = it.next() {
                    out.push(NetrcEntry {
                        machine: machine.clone(),
                        login: login.clone(),
                        field: if word == "password" {
                            "password"
                        } else {
                            "account"
                        },
                        value: value.to_string(),
                        line,
                        column,
                    });
                }
            }
            "macdef" => {
                it.next();
            }
            _ => {}
        }
    }
    out
}

/// One line of git's credential store: `scheme://user:password@host`.
#[derive(Clone, PartialEq, Eq)]
pub struct GitCredential {
    /// The host (and port).
    pub host: String,
    /// The user name.
    pub user: String,
    /// The password, percent-decoded.
    pub password: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column of the password as written.
    pub column: usize,
}

/// The credentials of a `~/.git-credentials` file.
pub fn git_credentials(text: &str) -> Vec<GitCredential> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end();
        let Ok(url) = url::Url::parse(line) else {
            continue;
        };
        let (Some(raw_password), Some(host)) = (url.password(), url.host_str()) else {
            continue;
        };
        let decode = |s: &str| {
            url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_else(|| s.to_string())
        };
        let host = match url.port() {
            Some(p) => format!("{host}:{p}"),
            None => host.to_string(),
        };
        // The password sits between the first ':' after "://" and the last '@'.
        let column = line
            .find("://")
            .and_then(|s| line[s + 3..].find(':').map(|c| s + 3 + c + 1))
            .map_or(1, |at| line[..at].chars().count() + 1);
        out.push(GitCredential {
            host,
            user: decode(url.username()),
            password: decode(raw_password),
            line: i + 1,
            column,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_entries_have_paths_and_exact_positions() {
        let text = "github.com:\n    users:\n        octocat:\n            oauth_token: abc123\n    user: \"octocat\"\nlist:\n  - name: a\n    token: 'xyz'\n";
        let e = yaml(text);
        let tok = e.iter().find(|e| e.value == "abc123").unwrap();
        assert_eq!(tok.key, ["github.com", "users", "octocat", "oauth_token"]);
        assert_eq!((tok.line, tok.column), (4, 26));
        let user = e.iter().find(|e| e.last() == "user").unwrap();
        assert_eq!((user.line, user.column), (5, 12));
        let t = e.iter().find(|e| e.value == "xyz").unwrap();
        assert!(t.is(&["list", "*", "token"]));
        assert_eq!((t.line, t.column), (8, 13));
    }

    #[test]
    fn broken_yaml_keeps_what_was_read() {
        let e = yaml("a: 1\nb: [unclosed\n");
        assert_eq!(e[0].value, "1");
    }

    #[test]
    fn json_entries_are_located() {
        // Keys are walked in sorted order; each value is placed after its own key.
        let text = "{\n  \"user\": {\n    \"token\": \"tok-1\"\n  },\n  \"other\": {\"refresh\": \"tok-1\"},\n  \"list\": [\"a\", \"tok-1\"]\n}";
        let e = json(text);
        let at = |path: &[&str]| {
            let x = e.iter().find(|x| x.is(path)).unwrap();
            (x.line, x.column)
        };
        assert_eq!(at(&["user", "token"]), (3, 15));
        assert_eq!(at(&["other", "refresh"]), (5, 25));
        assert_eq!(at(&["list", "1"]), (6, 18));
        assert!(json("not json").is_empty());
    }

    #[test]
    fn ini_sections_keys_and_columns() {
        let text = "# c\n[profile prod]\naws_secret_access_key = \"abc\"\n; x\nregion=eu\n";
        let e = ini(text, &['=', ':']);
        assert_eq!(e[0].key, ["profile prod", "aws_secret_access_key"]);
        assert_eq!(
            (e[0].value.as_str(), e[0].line, e[0].column),
            ("abc", 3, 26)
        );
        assert_eq!(e[1].key, ["profile prod", "region"]);
        let npm = ini("//r.example/:_authToken=tok", &['=']);
        assert_eq!(npm[0].key, ["//r.example/:_authToken"]);
        assert_eq!(npm[0].column, 25);
    }

    #[test]
    fn netrc_spans_lines_and_skips_macdefs() {
        let text = "machine api.heroku.com\n  login me@x.dev\n  password p1\nmacdef init\npassword nope\n\ndefault login anon password p2";
        let e = netrc(text);
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].machine, "api.heroku.com");
        assert_eq!(e[0].login.as_deref(), Some("me@x.dev"));
        assert_eq!((e[0].value.as_str(), e[0].line, e[0].column), ("p1", 3, 12));
        assert_eq!(
            (e[1].machine.as_str(), e[1].value.as_str()),
            ("default", "p2")
        );
    }

    #[test]
    fn netrc_login_after_password_is_attached() {
        let e = netrc("machine h password p login u");
        assert_eq!(e[0].login.as_deref(), Some("u"));
    }

    #[test]
    fn git_credentials_decode_and_locate() {
        let e =
            git_credentials("https://me:p%40ss%2Bw@github.com\nnot a url\nhttps://h.dev/no-auth\n");
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].host, "github.com");
        assert_eq!(e[0].user, "me");
        assert_eq!(e[0].password, "p@ss+w");
        assert_eq!((e[0].line, e[0].column), (1, 12));
    }

    #[test]
    fn toml_entries_are_located() {
        let e = toml("[default]\nlive_mode_api_key = 'rk_live_abc'\n");
        assert_eq!(e[0].key, ["default", "live_mode_api_key"]);
        assert_eq!((e[0].line, e[0].column), (2, 22));
    }
}

// The values these hold are often secrets: `Debug` shows them redacted.

impl std::fmt::Debug for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Entry")
            .field("key", &self.key)
            .field("value", &crate::secret::redact(&self.value))
            .field("line", &self.line)
            .field("column", &self.column)
            .finish()
    }
}

impl std::fmt::Debug for NetrcEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NetrcEntry")
            .field("machine", &self.machine)
            .field("login", &self.login)
            .field("field", &self.field)
            .field("value", &crate::secret::redact(&self.value))
            .field("line", &self.line)
            .field("column", &self.column)
            .finish()
    }
}

impl std::fmt::Debug for GitCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitCredential")
            .field("host", &self.host)
            .field("user", &self.user)
            .field("password", &crate::secret::redact(&self.password))
            .field("line", &self.line)
            .field("column", &self.column)
            .finish()
    }
}

#[cfg(test)]
mod debug_redaction_tests {
    use super::*;

    #[test]
    fn debug_never_shows_a_value_whole() {
        let secret = "npm_Zq8vT2pLm4Rk9wXcQm7vX2pL99aBcDeFgHiJ";
        let e = Entry {
            key: vec!["//registry.npmjs.org/:_authToken".into()],
            value: secret.into(),
            line: 1,
            column: 1,
        };
        let n = NetrcEntry {
            machine: "api.heroku.com".into(),
            login: Some("me".into()),
            field: "password",
            value: secret.into(),
            line: 1,
            column: 1,
        };
        let g = GitCredential {
            host: "github.com".into(),
            user: "me".into(),
            password: secret.into(),
            line: 1,
            column: 1,
        };
        for shown in [
            format!("{e:?}"),
            format!("{n:?}"),
            format!("{g:?}"),
            format!("{:?}", vec![e.clone()]),
        ] {
            assert!(!shown.contains(secret), "{shown}");
            assert!(shown.contains("npm_…gHiJ"), "{shown}");
        }
    }
}
