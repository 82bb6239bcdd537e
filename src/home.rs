//! `--home`: the credential stores in `$HOME` that an agent running as the
//! user can read.
//!
//! Each known store ([`STORES`]) has a parser for its format that knows
//! which profile, host, registry or cluster a value belongs to. Every value
//! it extracts is first offered to the detectors that are not tied to a file
//! name (so a `ghp_…` in `~/.git-credentials` is a GitHub token, and a
//! tampered one is dropped), and otherwise reported under the store's own
//! detector from `detectors/home.toml`. The detectors are then run over the
//! whole file too, so a token pasted anywhere else in it is not missed.
//! Files listed under `[home] extra_paths` in the config are searched with
//! every detector (and with a store's parser when their file name is one a
//! parser knows).
//!
//! Paths are shown as `~/…`; findings carry `exposure.location = "home"` and
//! the agent deny-lists that apply to `$HOME` (Claude Code's user settings).

mod formats;

use crate::context::tier_hint;
use crate::detectors::DetectorSet;
use crate::exposure::{AgentDenyLists, Exposure, GitStatus, Location};
use crate::scan::{self, Candidate, ScanOptions, ScanOutput, SkipReason, SkippedFile};
use crate::secret::Secret;
use base64::Engine;
use formats::Entry;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How a store's file is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Railway CLI `config.json`: `user.token`.
    Railway,
    /// AWS CLI `credentials`/`config` (INI, one profile per section).
    Aws,
    /// GitHub CLI `hosts.yml`: `oauth_token` per host and user.
    GhHosts,
    /// `.npmrc`: `_authToken`, `_auth`, `_password` per registry.
    Npmrc,
    /// `.pypirc`: `password` per repository.
    Pypirc,
    /// Docker `config.json`: base64 `auths`, identity and registry tokens.
    Docker,
    /// kubeconfig: users' tokens, client keys, passwords, auth-provider tokens.
    Kubeconfig,
    /// `.netrc`: password and account per machine (Heroku's CLI store).
    Netrc,
    /// Stripe CLI `config.toml`: live and test mode keys per project.
    Stripe,
    /// flyctl `config.yml`: `access_token`.
    Fly,
    /// gcloud application default credentials (user or service account).
    Gcloud,
    /// git's credential store: one URL with user and password per line.
    GitCredentials,
    /// Vercel CLI `auth.json`: `token`.
    Vercel,
    /// Netlify CLI `config.json`: `users.*.auth.token`.
    Netlify,
    /// Supabase CLI `access-token`: the token alone.
    Supabase,
    /// doctl `config.yaml`: `access-token` and `auth-contexts`.
    Doctl,
}

/// A credential store: where it lives under `$HOME`, and its format.
#[derive(Clone, Copy, Debug)]
pub struct Store {
    /// Path relative to `$HOME`.
    pub path: &'static str,
    /// How to read it.
    pub format: Format,
    /// The tool that writes it.
    pub tool: &'static str,
}

const fn store(path: &'static str, format: Format, tool: &'static str) -> Store {
    Store { path, format, tool }
}

/// Every store `--home` reads (Linux/XDG and macOS locations).
pub const STORES: &[Store] = &[
    store(
        ".config/railway/config.json",
        Format::Railway,
        "Railway CLI",
    ),
    store(".railway/config.json", Format::Railway, "Railway CLI"),
    store(".aws/credentials", Format::Aws, "AWS CLI"),
    store(".aws/config", Format::Aws, "AWS CLI"),
    store(".config/gh/hosts.yml", Format::GhHosts, "GitHub CLI"),
    store(".npmrc", Format::Npmrc, "npm"),
    store(".pypirc", Format::Pypirc, "twine / PyPI"),
    store(".docker/config.json", Format::Docker, "Docker"),
    store(".kube/config", Format::Kubeconfig, "kubectl"),
    store(".netrc", Format::Netrc, "netrc (curl, git, Heroku CLI)"),
    store(".config/stripe/config.toml", Format::Stripe, "Stripe CLI"),
    store(".fly/config.yml", Format::Fly, "flyctl"),
    store(
        ".config/gcloud/application_default_credentials.json",
        Format::Gcloud,
        "gcloud",
    ),
    store(
        ".git-credentials",
        Format::GitCredentials,
        "git credential store",
    ),
    store(
        ".config/git/credentials",
        Format::GitCredentials,
        "git credential store",
    ),
    store(
        ".local/share/com.vercel.cli/auth.json",
        Format::Vercel,
        "Vercel CLI",
    ),
    store(
        "Library/Application Support/com.vercel.cli/auth.json",
        Format::Vercel,
        "Vercel CLI",
    ),
    store(".now/auth.json", Format::Vercel, "Vercel CLI (legacy)"),
    store(
        ".config/netlify/config.json",
        Format::Netlify,
        "Netlify CLI",
    ),
    store(
        "Library/Preferences/netlify/config.json",
        Format::Netlify,
        "Netlify CLI",
    ),
    store(
        ".netlify/config.json",
        Format::Netlify,
        "Netlify CLI (legacy)",
    ),
    store(".supabase/access-token", Format::Supabase, "Supabase CLI"),
    store(
        ".config/doctl/config.yaml",
        Format::Doctl,
        "doctl (DigitalOcean)",
    ),
    store(
        "Library/Application Support/doctl/config.yaml",
        Format::Doctl,
        "doctl (DigitalOcean)",
    ),
];

/// Which detector a value extracted by a store parser is reported under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pick {
    /// This store-specific detector; the value's format is not consulted
    /// (the store says what it is, e.g. an AWS profile's secret key).
    Exact(&'static str),
    /// The unrestricted detector that recognises the value itself, else
    /// `fallback` (none: the value is not reported).
    Classify(Option<&'static str>),
}

/// A value a store parser found. Its `Debug` never shows the value whole:
/// it is a [`Secret`].
#[derive(Debug)]
struct Extracted {
    value: Secret,
    /// The key path shown as the finding's variable (never the value).
    variable: String,
    line: usize,
    column: usize,
    pick: Pick,
    /// Further names (profile, context, cluster) that may tell the tier.
    context: Vec<String>,
}

impl Extracted {
    fn at(e: &Entry, variable: String, pick: Pick) -> Extracted {
        Extracted {
            value: Secret::new(e.value.clone()),
            variable,
            line: e.line,
            column: e.column,
            pick,
            context: Vec::new(),
        }
    }
}

/// The values `format`'s parser extracts from `text`, each with its key path
/// and 1-based line and column; for [`crate::fuzzing`] only.
#[doc(hidden)]
pub fn extract_for_fuzzing(format: Format, text: &str) -> Vec<(String, String, usize, usize)> {
    extract(format, text)
        .into_iter()
        .map(|x| (x.value.expose().to_string(), x.variable, x.line, x.column))
        .collect()
}

/// Scans the known stores under `home` and the config's `extra` paths
/// (`~/…`, relative to `home`, or absolute; a directory means its files).
pub fn scan_home(
    home: &Path,
    extra: &[String],
    detectors: &DetectorSet,
    opts: &ScanOptions,
) -> ScanOutput {
    let home = home.canonicalize().unwrap_or_else(|_| home.to_path_buf());
    let deny = AgentDenyLists::for_home(&home);
    let mut out = ScanOutput::default();
    for s in STORES {
        let abs = home.join(s.path);
        if std::fs::symlink_metadata(&abs).is_ok() {
            scan_one(
                &abs,
                &home,
                Some(s.format),
                detectors,
                &deny,
                opts,
                &mut out,
            );
        }
    }
    for raw in extra {
        let path = resolve_extra(&home, raw);
        let files: Vec<PathBuf> = if path.is_dir() {
            let mut v: Vec<PathBuf> = std::fs::read_dir(&path)
                .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
                .unwrap_or_default();
            v.sort();
            v.retain(|p| p.is_file());
            v
        } else {
            vec![path]
        };
        for f in files {
            if STORES.iter().any(|s| home.join(s.path) == f) {
                continue;
            }
            let format = format_for_name(&f);
            scan_one(&f, &home, format, detectors, &deny, opts, &mut out);
        }
    }
    out
}

fn resolve_extra(home: &Path, raw: &str) -> PathBuf {
    match raw.strip_prefix("~/") {
        Some(rest) => home.join(rest),
        None if raw == "~" => home.to_path_buf(),
        None => home.join(raw),
    }
}

/// The parser for a file by its name, for the config's extra paths.
fn format_for_name(path: &Path) -> Option<Format> {
    match path.file_name()?.to_str()? {
        ".npmrc" => Some(Format::Npmrc),
        ".pypirc" => Some(Format::Pypirc),
        ".netrc" | "_netrc" => Some(Format::Netrc),
        ".git-credentials" => Some(Format::GitCredentials),
        "application_default_credentials.json" => Some(Format::Gcloud),
        "kubeconfig" => Some(Format::Kubeconfig),
        _ => None,
    }
}

/// `~/…` for paths under `home`, the absolute path otherwise.
pub fn display_path(home: &Path, abs: &Path) -> String {
    match abs.strip_prefix(home) {
        Ok(rel) => format!("~/{}", rel.to_string_lossy().replace('\\', "/")),
        Err(_) => abs.to_string_lossy().into_owned(),
    }
}

fn skip(out: &mut ScanOutput, path: String, reason: SkipReason, detail: Option<String>) {
    let s = &mut out.skipped;
    match reason {
        SkipReason::Binary => s.binary += 1,
        SkipReason::TooLarge => s.too_large += 1,
        SkipReason::Unreadable => s.unreadable += 1,
        SkipReason::Special => s.special += 1,
        SkipReason::SymlinkLoop => s.symlink_loop += 1,
        SkipReason::Symlink => s.symlink += 1,
    }
    if out.skipped_files.len() < scan::MAX_NAMED_SKIPS {
        out.skipped_files.push(SkippedFile {
            path,
            reason,
            detail,
        });
    }
}

/// Reads one store file. Symbolic links are followed (dotfile managers link
/// these files, and an agent's `cat` follows them too); anything but a
/// regular file is never opened for reading.
fn scan_one(
    abs: &Path,
    home: &Path,
    format: Option<Format>,
    detectors: &DetectorSet,
    deny: &AgentDenyLists,
    opts: &ScanOptions,
    out: &mut ScanOutput,
) {
    let shown = display_path(home, abs);
    let md = match std::fs::metadata(abs) {
        Ok(md) => md,
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
            return skip(out, shown, SkipReason::SymlinkLoop, None)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return,
        Err(e) => return skip(out, shown, SkipReason::Unreadable, Some(e.to_string())),
    };
    if !md.is_file() {
        return skip(out, shown, SkipReason::Special, None);
    }
    if md.len() > opts.max_file_size {
        return skip(out, shown, SkipReason::TooLarge, None);
    }
    let mut data = Vec::new();
    // Opened without blocking and re-checked on the handle, so a FIFO
    // swapped in after the check above cannot hang the scan.
    use std::os::unix::fs::OpenOptionsExt;
    let read = std::fs::File::options()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(abs)
        .and_then(|f| {
            if !f.metadata()?.is_file() {
                return Err(std::io::Error::other("no longer a regular file"));
            }
            f.take(opts.max_file_size + 1).read_to_end(&mut data)
        });
    if let Err(e) = read {
        return skip(out, shown, SkipReason::Unreadable, Some(e.to_string()));
    }
    if data.len() as u64 > opts.max_file_size {
        return skip(out, shown, SkipReason::TooLarge, None);
    }
    if memchr::memchr(0, &data[..data.len().min(8192)]).is_some() {
        return skip(out, shown, SkipReason::Binary, None);
    }
    out.files_scanned += 1;
    out.bytes_scanned += data.len() as u64;
    let exposure = Exposure {
        git: GitStatus::None,
        agent_ignored_by: deny.hiding(abs),
        location: Location::Home,
    };
    let text = String::from_utf8_lossy(&data);
    let file = StoreFile {
        shown: &shown,
        text: &text,
        whole: (data.len() <= CONTEXT_WHOLE_FILE)
            .then(|| Arc::new(Secret::new(text.clone().into_owned()))),
        exposure: &exposure,
    };
    let parsed = format.map(|f| extract(f, &text)).unwrap_or_default();
    let mut found: Vec<Candidate> = parsed
        .into_iter()
        .filter_map(|x| to_candidate(x, &file, detectors))
        .collect();
    // The detectors over the whole file: for a parsed store, only those not
    // tied to a file name (the parser has read the store's own fields), and
    // only secrets the parser did not already report.
    let generic = scan::find_candidates(detectors, &shown, &data, || exposure.clone());
    for c in generic {
        let restricted = detectors.get(c.detector).path.is_some();
        if format.is_some() && restricted {
            continue;
        }
        if !found.iter().any(|f| f.secret == c.secret) {
            found.push(c);
        }
    }
    out.candidates.extend(found);
}

/// Files up to this size are kept whole as a candidate's context (the other
/// fields of the store, for providers that need them).
const CONTEXT_WHOLE_FILE: usize = 64 * 1024;

/// One store file being read.
struct StoreFile<'a> {
    shown: &'a str,
    text: &'a str,
    whole: Option<Arc<Secret>>,
    exposure: &'a Exposure,
}

fn to_candidate(x: Extracted, file: &StoreFile<'_>, detectors: &DetectorSet) -> Option<Candidate> {
    let shown = file.shown;
    let value = x.value.expose().trim();
    if value.is_empty() {
        return None;
    }
    let index_of = |id: &str| detectors.detectors().iter().position(|d| d.id == id);
    let detector = match x.pick {
        Pick::Exact(id) => index_of(id)?,
        Pick::Classify(fallback) => match classify(detectors, value) {
            Class::Known(i) => i,
            Class::Rejected => return None,
            Class::Unknown => index_of(fallback?)?,
        },
    };
    if detectors.get(detector).reject(value.as_bytes()).is_some() {
        return None;
    }
    let hint = std::iter::once(x.variable.as_str())
        .chain(x.context.iter().map(String::as_str))
        .find_map(|name| tier_hint(shown, Some(name)));
    let secret = Secret::new(value);
    let mut lines = file.text.lines().skip(x.line.saturating_sub(2));
    let above = (x.line > 1).then(|| lines.next()).flatten();
    let allowed = lines
        .next()
        .and_then(|l| crate::allow::find(l.as_bytes(), above.map(str::as_bytes), &secret));
    Some(Candidate {
        detector,
        secret,
        path: shown.to_string(),
        line: x.line,
        column: x.column,
        exposure: file.exposure.clone(),
        variable: Some(x.variable),
        tier_hint: hint,
        allowed,
        context: file.whole.clone(),
    })
}

enum Class {
    /// An unrestricted detector recognises the whole value and its gates pass.
    Known(usize),
    /// A detector recognises the format but a gate (checksum, placeholder)
    /// says it is not a real token.
    Rejected,
    /// No detector recognises the value by itself.
    Unknown,
}

/// Asks every detector not tied to a file name whether `value`, alone, is
/// one of its tokens (through the real matching pipeline: prefilter, regex,
/// gates, allow-lists).
fn classify(detectors: &DetectorSet, value: &str) -> Class {
    let bytes = value.as_bytes();
    let whole = |start: usize, end: usize| start == 0 && end == bytes.len();
    let mut raw = Vec::new();
    detectors.find("", bytes, &mut raw);
    if let Some(m) = raw
        .iter()
        .find(|m| whole(m.start, m.end) && detectors.get(m.detector).path.is_none())
    {
        return Class::Known(m.detector);
    }
    let rejected = detectors.detectors().iter().any(|d| {
        d.path.is_none()
            && d.regex
                .as_ref()
                .and_then(|re| re.find(bytes))
                .is_some_and(|m| whole(m.start(), m.end()))
            && d.reject(bytes).is_some()
    });
    if rejected {
        Class::Rejected
    } else {
        Class::Unknown
    }
}

/// A key path for display: segments joined by `.`, quoted when they hold a
/// dot, space, slash or colon.
fn key_path<S: AsRef<str>>(segments: &[S]) -> String {
    segments
        .iter()
        .map(|s| {
            let s = s.as_ref();
            if s.contains(['.', ' ', '/', ':']) {
                format!("{s:?}")
            } else {
                s.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// The values of a store file that are secrets, with what they belong to.
fn extract(format: Format, text: &str) -> Vec<Extracted> {
    match format {
        Format::Railway => formats::json(text)
            .iter()
            .filter(|e| matches!(e.last(), "token" | "accessToken"))
            .map(|e| Extracted::at(e, key_path(&e.key), Pick::Exact("railway.cli-session")))
            .collect(),
        Format::Aws => aws(text),
        Format::GhHosts => formats::yaml(text)
            .iter()
            .filter(|e| e.last() == "oauth_token" && !e.key.is_empty())
            .map(|e| {
                let pick = if e.key[0] == "github.com" {
                    Pick::Classify(Some("github.gh-cli-hosts-token"))
                } else {
                    // Never offered to the github.com detectors: an
                    // Enterprise Server token must not be sent to github.com.
                    Pick::Exact("github-enterprise.gh-cli-hosts-token")
                };
                Extracted::at(e, key_path(&e.key), pick)
            })
            .collect(),
        Format::Npmrc => npmrc(text),
        Format::Pypirc => pypirc(text),
        Format::Docker => docker(text),
        Format::Kubeconfig => kubeconfig(text),
        Format::Netrc => formats::netrc(text)
            .into_iter()
            .map(|n| {
                let heroku = matches!(n.machine.as_str(), "api.heroku.com" | "git.heroku.com");
                let fallback = if heroku {
                    "heroku.netrc-api-key"
                } else {
                    "netrc.machine-password"
                };
                Extracted {
                    variable: format!("machine {} {}", n.machine, n.field),
                    value: Secret::new(n.value),
                    line: n.line,
                    column: n.column,
                    pick: Pick::Classify(Some(fallback)),
                    context: n.login.into_iter().collect(),
                }
            })
            .collect(),
        Format::Stripe => formats::toml(text)
            .iter()
            .filter(|e| e.last().ends_with("api_key"))
            .map(|e| Extracted::at(e, key_path(&e.key), Pick::Classify(None)))
            .collect(),
        Format::Fly => formats::yaml(text)
            .iter()
            .filter(|e| e.is(&["access_token"]))
            .map(|e| {
                Extracted::at(
                    e,
                    key_path(&e.key),
                    Pick::Classify(Some("flyio.config-access-token")),
                )
            })
            .collect(),
        Format::Gcloud => gcloud(text),
        Format::GitCredentials => formats::git_credentials(text)
            .into_iter()
            .map(|g| Extracted {
                variable: format!("{}@{}", g.user, g.host),
                value: Secret::new(g.password),
                line: g.line,
                column: g.column,
                pick: Pick::Classify(Some("git.credentials-file-password")),
                context: vec![g.host],
            })
            .collect(),
        Format::Vercel => formats::json(text)
            .iter()
            .filter(|e| e.is(&["token"]))
            .map(|e| {
                Extracted::at(
                    e,
                    key_path(&e.key),
                    Pick::Classify(Some("vercel.cli-auth-token")),
                )
            })
            .collect(),
        Format::Netlify => formats::json(text)
            .iter()
            .filter_map(|e| {
                let pick = if e.is(&["users", "*", "auth", "token"]) {
                    Pick::Classify(Some("netlify.cli-config-token"))
                } else if e.last() == "token" {
                    // e.g. users.*.auth.github.token: whatever token it is.
                    Pick::Classify(None)
                } else {
                    return None;
                };
                Some(Extracted::at(e, key_path(&e.key), pick))
            })
            .collect(),
        Format::Supabase => {
            let lead = text.len() - text.trim_start().len();
            let (line, column) = formats::line_col(text, lead);
            vec![Extracted {
                value: Secret::new(text.trim()),
                variable: "access-token".into(),
                line,
                column,
                pick: Pick::Classify(Some("supabase.cli-access-token")),
                context: Vec::new(),
            }]
        }
        Format::Doctl => formats::yaml(text)
            .iter()
            .filter(|e| e.is(&["access-token"]) || e.is(&["auth-contexts", "*"]))
            .map(|e| {
                Extracted::at(
                    e,
                    key_path(&e.key),
                    Pick::Classify(Some("digitalocean.doctl-config-token")),
                )
            })
            .collect(),
    }
}

/// AWS profiles: a profile with a session token is temporary credentials
/// (reported once, by its session token); otherwise its secret access key
/// is a long-term key.
fn aws(text: &str) -> Vec<Extracted> {
    let entries = formats::ini(text, &['=', ':']);
    let mut out = Vec::new();
    let mut profiles: Vec<&str> = entries
        .iter()
        .filter(|e| e.key.len() == 2)
        .map(|e| e.key[0].as_str())
        .collect();
    profiles.dedup();
    for section in profiles {
        let get = |k: &str| {
            entries.iter().find(|e| {
                e.key.len() == 2 && e.key[0] == section && e.key[1].eq_ignore_ascii_case(k)
            })
        };
        let profile = section.strip_prefix("profile ").unwrap_or(section).trim();
        let (entry, id) = match (get("aws_session_token"), get("aws_secret_access_key")) {
            (Some(t), _) => (t, "aws.credentials-file-session"),
            (None, Some(k)) => (k, "aws.credentials-file"),
            (None, None) => continue,
        };
        let mut x = Extracted::at(entry, key_path(&[profile, entry.last()]), Pick::Exact(id));
        x.context.push(profile.to_string());
        out.push(x);
    }
    out
}

/// The registry a `.npmrc` key is scoped to (`//host/path/:_authToken`).
fn npmrc(text: &str) -> Vec<Extracted> {
    formats::ini(text, &['='])
        .iter()
        .filter_map(|e| {
            let key = e.last();
            let (scope, field) = match key.rsplit_once(':') {
                Some((scope, field)) => (Some(scope), field),
                None => (None, key),
            };
            let public =
                scope.is_none_or(|s| s.trim_start_matches('/').starts_with("registry.npmjs.org"));
            let pick = match (field, public) {
                ("_authToken", true) => Pick::Classify(Some("npm.npmrc-token")),
                ("_authToken", false) => Pick::Classify(Some("registry.npmrc-token")),
                ("_auth" | "_password", _) => Pick::Exact("registry.npmrc-basic-auth"),
                _ => return None,
            };
            Some(Extracted::at(e, key.to_string(), pick))
        })
        .collect()
}

/// `.pypirc` passwords: PyPI's own (`[pypi]`, `[testpypi]`, or a
/// `repository` on pypi.org) or a private index's.
fn pypirc(text: &str) -> Vec<Extracted> {
    let entries = formats::ini(text, &['=', ':']);
    entries
        .iter()
        .filter(|e| e.key.len() == 2 && e.last() == "password")
        .map(|e| {
            let section = e.key[0].as_str();
            let repository = entries
                .iter()
                .find(|r| r.key.len() == 2 && r.key[0] == section && r.last() == "repository")
                .map(|r| r.value.as_str());
            let on_pypi = match repository {
                Some(url) => url::Url::parse(url)
                    .ok()
                    .and_then(|u| {
                        u.host_str()
                            .map(|h| h == "pypi.org" || h.ends_with(".pypi.org"))
                    })
                    .unwrap_or(false),
                None => matches!(section, "pypi" | "testpypi"),
            };
            let pick = if on_pypi {
                Pick::Classify(Some("pypi.pypirc-password"))
            } else {
                Pick::Classify(Some("registry.pypirc-password"))
            };
            let mut x = Extracted::at(e, key_path(&e.key), pick);
            x.context.extend(repository.map(str::to_string));
            x
        })
        .collect()
}

fn is_docker_hub(host: &str) -> bool {
    let host = host
        .trim_start_matches("https://")
        .trim_start_matches("http://");
    let host = host.split('/').next().unwrap_or(host);
    matches!(
        host,
        "index.docker.io" | "docker.io" | "registry-1.docker.io" | "registry.hub.docker.com"
    )
}

/// Docker `auths`: `auth` is base64 of `user:password`; the password (or
/// token) is the secret, located at the `auth` value.
fn docker(text: &str) -> Vec<Extracted> {
    formats::json(text)
        .iter()
        .filter_map(|e| {
            if e.key.len() != 3 || e.key[0] != "auths" {
                return None;
            }
            let host = e.key[1].as_str();
            let fallback = if is_docker_hub(host) {
                "dockerhub.config-auth"
            } else {
                "registry.docker-config-auth"
            };
            let (value, user) = match e.last() {
                "auth" => {
                    let decoded = base64::engine::general_purpose::STANDARD
                        .decode(e.value.trim())
                        .ok()
                        .and_then(|b| String::from_utf8(b).ok());
                    match decoded.as_deref().and_then(|d| d.split_once(':')) {
                        Some((user, password)) => (password.to_string(), Some(user.to_string())),
                        None => (e.value.clone(), None),
                    }
                }
                "identitytoken" | "registrytoken" => (e.value.clone(), None),
                _ => return None,
            };
            let mut x = Extracted::at(e, key_path(&e.key), Pick::Classify(Some(fallback)));
            x.value = Secret::new(value);
            x.context.extend(user);
            Some(x)
        })
        .collect()
}

/// kubeconfig users: each secret named by its user, with the contexts and
/// clusters that use that user as further tier evidence.
/// At most this many context and cluster names describe a kubeconfig
/// secret's environment.
const MAX_KUBE_CONTEXT: usize = 32;

fn kubeconfig(text: &str) -> Vec<Extracted> {
    use std::collections::HashMap;
    let entries = formats::yaml(text);
    // Indexed once: looking them up per secret made large files cubic.
    let mut names: HashMap<&str, &str> = HashMap::new();
    let mut contexts_of: HashMap<&str, Vec<&str>> = HashMap::new();
    let mut context_names: HashMap<&str, Vec<&str>> = HashMap::new();
    for e in &entries {
        match e.key.as_slice() {
            [u, i, n] if u == "users" && n == "name" => {
                names.entry(i.as_str()).or_insert(&e.value);
            }
            [c, i, _, u] if c == "contexts" && u == "user" => {
                contexts_of.entry(&e.value).or_default().push(i.as_str());
            }
            _ => {}
        }
        if e.key.len() >= 3
            && e.key[0] == "contexts"
            && matches!(e.last(), "name" | "cluster" | "namespace")
        {
            context_names.entry(&e.key[1]).or_default().push(&e.value);
        }
    }
    entries
        .iter()
        .filter_map(|e| {
            if e.key.len() < 4 || e.key[0] != "users" || e.key[2] != "user" {
                return None;
            }
            let field = e.last();
            let id = match (&e.key[3..], field) {
                ([_], "client-key-data") => "kubernetes.kubeconfig-client-key",
                ([_], "token" | "password") => "kubernetes.kubeconfig-token",
                ([a, c, _], "access-token" | "refresh-token" | "id-token" | "client-secret")
                    if a == "auth-provider" && c == "config" =>
                {
                    "kubernetes.kubeconfig-token"
                }
                _ => return None,
            };
            let user = names
                .get(e.key[1].as_str())
                .map_or_else(|| e.key[1].clone(), |n| n.to_string());
            let mut shown: Vec<String> = vec!["users".into(), user.clone()];
            shown.extend(e.key[2..].iter().cloned());
            let mut x = Extracted::at(e, key_path(&shown), Pick::Exact(id));
            // Contexts using this user, and their clusters: each name once,
            // and a bounded number (many users sharing one name would
            // otherwise give each secret every context of all of them).
            let mut seen = std::collections::HashSet::new();
            let names = contexts_of
                .get(user.as_str())
                .into_iter()
                .flatten()
                .flat_map(|c| context_names.get(c).into_iter().flatten());
            for n in names {
                if x.context.len() >= MAX_KUBE_CONTEXT {
                    break;
                }
                if seen.insert(*n) {
                    x.context.push(n.to_string());
                }
            }
            Some(x)
        })
        .collect()
}

/// gcloud ADC: a user's refresh token, or a service account's private key
/// (its e-mail and project may name the environment).
fn gcloud(text: &str) -> Vec<Extracted> {
    let entries = formats::json(text);
    let field = |k: &str| entries.iter().find(|e| e.is(&[k])).map(|e| e.value.clone());
    let context: Vec<String> = ["client_email", "project_id", "quota_project_id"]
        .into_iter()
        .filter_map(field)
        .collect();
    entries
        .iter()
        .filter_map(|e| {
            let id = if e.is(&["refresh_token"]) {
                "gcp.adc-refresh-token"
            } else if e.is(&["private_key"]) {
                "gcp.adc-service-account-key"
            } else {
                return None;
            };
            let mut x = Extracted::at(e, key_path(&e.key), Pick::Exact(id));
            x.context.clone_from(&context);
            Some(x)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Tier;

    fn set() -> DetectorSet {
        DetectorSet::builtin().unwrap()
    }

    fn scan(files: &[(&str, &str)]) -> (tempfile::TempDir, ScanOutput, DetectorSet) {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let p = dir.path().join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        let d = set();
        let out = scan_home(dir.path(), &[], &d, &ScanOptions::default());
        (dir, out, d)
    }

    fn ids(out: &ScanOutput, d: &DetectorSet) -> Vec<String> {
        let mut v: Vec<String> = out
            .candidates
            .iter()
            .map(|c| d.get(c.detector).id.clone())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn every_fallback_detector_exists() {
        let d = set();
        let text =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/home.rs")).unwrap();
        let code = &text[..text.find("#[cfg(test)]").unwrap()];
        // Every detector id the parsers name: `provider.store-kind`.
        let re = regex::Regex::new(r#""([a-z-]+\.[a-z]+-[a-z-]+)""#).unwrap();
        let mut n = 0;
        for c in re.captures_iter(code) {
            n += 1;
            assert!(
                d.detectors().iter().any(|x| x.id == c[1]),
                "unknown detector {}",
                &c[1]
            );
        }
        assert!(n >= 20, "{n}");
    }

    #[test]
    fn aws_profiles_long_term_and_session() {
        let (_d, out, d) = scan(&[(
            ".aws/credentials",
            "[default]\naws_access_key_id = AKIAWB5WKH7DNSIPZZ7F\naws_secret_access_key = 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\n\n[staging]\naws_access_key_id = ASIAWB5WKH7DNSIPZZ7F\naws_secret_access_key = 2O76UMFxFkM+R5Kjp1vRt/1fjORS+6ilI8ihN5KX\naws_session_token = IQoJb3JpZ2luX2VjEv5ZJr3J1TWDtkwtDDb/xHKas1VOqg6YYZYn9ZhyiA4uoRgnatmUdjAWtGSU8po/799NksnRH9ucAUsdMlHUvTCQCyEZDz+TddJ8HyS5SUkCnD8zRA9a9SkpXz9w3QlY7Zkuvqdt7s8St==\n",
        )]);
        let c: Vec<&Candidate> = out
            .candidates
            .iter()
            .filter(|c| d.get(c.detector).id.starts_with("aws.credentials-file"))
            .collect();
        assert_eq!(c.len(), 2, "{:?}", ids(&out, &d));
        let long = c
            .iter()
            .find(|c| d.get(c.detector).id == "aws.credentials-file")
            .unwrap();
        assert_eq!(
            long.variable.as_deref(),
            Some("default.aws_secret_access_key")
        );
        assert_eq!((long.line, long.column), (3, 25));
        assert_eq!(long.path, "~/.aws/credentials");
        assert_eq!(long.exposure.location, Location::Home);
        let sess = c
            .iter()
            .find(|c| d.get(c.detector).id == "aws.credentials-file-session")
            .unwrap();
        assert_eq!(sess.tier_hint.as_ref().unwrap().tier, Tier::Staging);
    }

    #[test]
    fn docker_auth_is_decoded_and_classified() {
        // ghcr.io with a GitHub PAT inside the base64 `auth`.
        let pat = "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";
        let auth = base64::engine::general_purpose::STANDARD.encode(format!("octocat:{pat}"));
        let hub = base64::engine::general_purpose::STANDARD
            .encode("acme:dckr_pat_t_PlJhx2jIclHkCiHp6bR1IqfEo");
        let text = format!(
            "{{\n  \"auths\": {{\n    \"ghcr.io\": {{ \"auth\": \"{auth}\" }},\n    \"https://index.docker.io/v1/\": {{ \"auth\": \"{hub}\" }}\n  }}\n}}"
        );
        let (_d, out, d) = scan(&[(".docker/config.json", &text)]);
        let gh = out
            .candidates
            .iter()
            .find(|c| c.secret.expose() == pat)
            .unwrap();
        assert_eq!(d.get(gh.detector).id, "github.classic-pat");
        assert_eq!((gh.line, gh.column), (3, 27));
        assert_eq!(gh.variable.as_deref(), Some("auths.\"ghcr.io\".auth"));
        let dh = out
            .candidates
            .iter()
            .find(|c| c.secret.expose().starts_with("dckr_pat_"))
            .unwrap();
        assert_eq!(d.get(dh.detector).provider, "dockerhub");
        assert_eq!(out.candidates.len(), 2);
    }

    #[test]
    fn tampered_token_in_a_store_is_dropped() {
        let (_d, out, _) = scan(&[(
            ".git-credentials",
            "https://octocat:ghp_Kq3vT8mZpL2xR9wN4bY7cH1dJ6fG0s0xhLrX@github.com\n",
        )]);
        assert!(out.candidates.is_empty());
        assert_eq!(out.files_scanned, 1);
    }

    #[test]
    fn enterprise_gh_tokens_are_not_github_com_tokens() {
        let (_d, out, d) = scan(&[(
            ".config/gh/hosts.yml",
            "ghe.acme.dev:\n    oauth_token: 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\n    user: me\n",
        )]);
        assert_eq!(ids(&out, &d), ["github-enterprise.gh-cli-hosts-token"]);
    }

    #[test]
    fn kube_users_named_and_context_tiers() {
        let text = "apiVersion: v1\nclusters:\n- name: prod-eu\n  cluster: {server: 'https://k8s.acme.dev'}\ncontexts:\n- name: admin@prod-eu\n  context:\n    cluster: prod-eu\n    user: admin\nusers:\n- name: admin\n  user:\n    token: eyJhbGciOiJSUzI1NiIsImtpZCI6IkuI5aHUQPFeNBTxaQWk8JzFalHlsZfYcMMDktXP_tKsf2rcDkdfrUnW5gcF-H.a6ili8GjHEAD6_Wj9KfzjsQGMrb9h-ImB-LK777p\n";
        let (_d, out, d) = scan(&[(".kube/config", text)]);
        assert_eq!(ids(&out, &d), ["kubernetes.kubeconfig-token"]);
        let c = &out.candidates[0];
        assert_eq!(c.variable.as_deref(), Some("users.admin.user.token"));
        assert_eq!(c.line, 13);
        assert_eq!(c.tier_hint.as_ref().unwrap().tier, Tier::Production);
    }

    /// Fuzzing found the kubeconfig parser looked up each secret's user name
    /// and contexts by scanning every entry: cubic in the number of users
    /// (a merged 350 KB kubeconfig took minutes). Regression input:
    /// `fuzz/regressions/kubeconfig/large-merged-kubeconfig.yaml`.
    #[test]
    fn extracted_values_never_show_whole_in_debug() {
        let key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY9";
        let text = format!(
            "[prod]\naws_access_key_id = AKIAZ7QX2LM4NV8RT3PW\naws_secret_access_key = {key}\n"
        );
        let found = extract(Format::Aws, &text);
        assert!(!found.is_empty());
        let shown = format!("{found:?}");
        assert!(!shown.contains(key), "{shown}");
        assert!(shown.contains("aws_secret_access_key"));
    }

    #[test]
    fn kubeconfig_with_thousands_of_users_is_linear() {
        use std::fmt::Write as _;
        let n = 3000;
        let mut text = String::from("contexts:\n");
        for i in 0..n {
            let _ = write!(
                text,
                "- name: ctx{i}\n  context: {{cluster: c{i}, user: u{i}}}\n"
            );
        }
        text.push_str("users:\n");
        for i in 0..n {
            let _ = write!(
                text,
                "- name: u{i}\n  user: {{token: tok{i}abcdefghijklmnop}}\n"
            );
        }
        let started = std::time::Instant::now();
        let found = extract(Format::Kubeconfig, &text);
        assert!(started.elapsed() < std::time::Duration::from_secs(20));
        assert_eq!(found.len(), n);
        assert_eq!(found[7].variable, "users.u7.user.token");
        assert_eq!(found[7].context, ["ctx7", "c7"]);
        // Many users sharing one name: each secret's context stays bounded.
        let mut text = String::from("contexts:\n");
        for i in 0..n {
            let _ = write!(
                text,
                "- name: ctx{i}\n  context: {{cluster: c, user: same}}\n"
            );
        }
        text.push_str("users:\n");
        for i in 0..n {
            let _ = write!(
                text,
                "- name: same\n  user: {{token: tok{i}abcdefghijklmnop}}\n"
            );
        }
        let found = extract(Format::Kubeconfig, &text);
        assert_eq!(found.len(), n);
        assert!(found.iter().all(|f| f.context.len() <= MAX_KUBE_CONTEXT));
        assert_eq!(found[0].context[..3], ["ctx0", "c", "ctx1"]);
    }

    #[test]
    fn extra_paths_are_scanned_with_every_detector() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("work")).unwrap();
        std::fs::write(
            dir.path().join("work/tokens.env"),
            "GITHUB_TOKEN=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\n",
        )
        .unwrap();
        let d = set();
        let out = scan_home(dir.path(), &["~/work".into()], &d, &ScanOptions::default());
        assert_eq!(ids(&out, &d), ["github.classic-pat"]);
        assert_eq!(out.candidates[0].path, "~/work/tokens.env");
    }

    #[test]
    fn special_and_huge_files_are_skipped_not_read() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".aws/credentials")).unwrap();
        std::fs::write(dir.path().join(".npmrc"), "x".repeat(100)).unwrap();
        let d = set();
        let opts = ScanOptions {
            max_file_size: 10,
            ..ScanOptions::default()
        };
        let out = scan_home(dir.path(), &[], &d, &opts);
        assert_eq!(out.skipped.special, 1);
        assert_eq!(out.skipped.too_large, 1);
        assert_eq!(out.files_scanned, 0);
    }
}
