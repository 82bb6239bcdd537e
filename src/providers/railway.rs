//! Railway: tell project, workspace and account tokens apart, list what they
//! reach (projects, environments, volumes, backups) and the owner's role.
//!
//! Railway tokens are UUIDs; nothing is learned offline except the context.
//! The kind is decided by which read-only query the token can run:
//! `projectToken` with the `Project-Access-Token` header (project token),
//! `me` with a Bearer header (account token), `apiToken` with a Bearer header
//! (workspace token). A GraphQL `errors[]` with HTTP 200 is a "no".

use super::http::{Call, Method, RequestKind, RequestSpec, Session};
use super::str_at;
use super::{unexpected, unknown_from, Provider, Token, Verdict};
use crate::model::{Breadth, Capability, Environment, ScopeFacts, Tier};
use serde_json::{json, Value};

/// The Railway provider.
pub struct Railway;

const HOST: &str = "backboard.railway.com";
const PATH: &str = "/graphql/v2";

macro_rules! gql {
    ($id:literal, $doc:expr, $purpose:literal) => {
        RequestSpec {
            id: $id,
            method: Method::Post,
            host: HOST,
            path: PATH,
            kind: RequestKind::GraphQl { document: $doc },
            purpose: $purpose,
        }
    };
}

const PROJECT_TOKEN: RequestSpec = gql!(
    "railway.project-token",
    "query BlastradiusProjectToken { projectToken { projectId environmentId project { id name } environment { id name } } }",
    "is it a project token, and for which project and environment (Project-Access-Token header)"
);
const ME: RequestSpec = gql!(
    "railway.me",
    "query BlastradiusMe { me { id email name workspaces { id name } } }",
    "is it an account token, whose, and which workspaces"
);
const API_TOKEN: RequestSpec = gql!(
    "railway.api-token",
    "query BlastradiusApiToken { apiToken { workspaces { id name } } }",
    "is it a workspace token, and for which workspace"
);
const PROJECTS: RequestSpec = gql!(
    "railway.projects",
    "query BlastradiusProjects($workspaceId: String) { projects(workspaceId: $workspaceId, first: 50) { edges { node { id name primaryEnvironmentId environments { edges { node { id name isEphemeral canAccess meta { prNumber } } } } volumes { edges { node { id name volumeInstances { edges { node { id environmentId mountPath sizeMB } } } } } } } } } }",
    "projects, environments and volumes the token reaches"
);
const PROJECT: RequestSpec = gql!(
    "railway.project",
    "query BlastradiusProject($id: String!) { project(id: $id) { id name primaryEnvironmentId environments { edges { node { id name isEphemeral canAccess meta { prNumber } } } } volumes { edges { node { id name volumeInstances { edges { node { id environmentId mountPath sizeMB } } } } } } } }",
    "a project token's project: its environments and volumes"
);
const MEMBERS: RequestSpec = gql!(
    "railway.workspace-members",
    "query BlastradiusWorkspaceMembers($workspaceId: String!) { workspace(workspaceId: $workspaceId) { id name members { id email role } } }",
    "the account owner's role in each workspace"
);
const BACKUPS: RequestSpec = gql!(
    "railway.volume-backups",
    "query BlastradiusBackups($volumeInstanceId: String!) { volumeInstanceBackupList(volumeInstanceId: $volumeInstanceId) { id name createdAt } }",
    "backups of each production volume instance"
);

static REQUESTS: [RequestSpec; 7] = [
    PROJECT_TOKEN,
    ME,
    API_TOKEN,
    PROJECTS,
    PROJECT,
    MEMBERS,
    BACKUPS,
];

/// Most workspaces and backup lists read per token.
const MAX_WORKSPACES: usize = 10;
const MAX_BACKUP_LOOKUPS: usize = 10;

/// How a GraphQL call ended.
enum Answer {
    /// `data.<field>` was present.
    Data(Value),
    /// `data.<field>` was present, but with GraphQL errors about it (a
    /// partial result): what it says may be incomplete.
    Partial(Value, String),
    /// The token is not allowed this query.
    Denied(String),
    /// No clear answer.
    Unclear(Verdict),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Auth {
    Bearer,
    Project,
}

fn ask(
    session: &Session<'_>,
    spec: &RequestSpec,
    token: &Token<'_>,
    auth: Auth,
    field: &str,
    vars: Option<Value>,
) -> Answer {
    let header = match auth {
        Auth::Bearer => super::bearer(token),
        Auth::Project => ("project-access-token", token.secret.expose().to_string()),
    };
    let call = Call {
        headers: vec![header],
        variables: vars,
        ..Call::default()
    };
    let resp = match session.send(spec, call) {
        Ok(r) => r,
        Err(e) => return Answer::Unclear(unknown_from(&e, spec.id)),
    };
    let Some(body) = resp.json() else {
        return Answer::Unclear(unexpected(&resp, spec.id));
    };
    let first_error = body
        .pointer("/errors/0/message")
        .and_then(Value::as_str)
        .map(str::to_string);
    if matches!(resp.status, 401 | 403) {
        return Answer::Denied(first_error.unwrap_or_else(|| format!("HTTP {}", resp.status)));
    }
    if resp.status != 200 {
        return Answer::Unclear(unexpected(&resp, spec.id));
    }
    match body.pointer(&format!("/data/{field}")) {
        Some(v) if !v.is_null() => match error_about(&body, field) {
            None => Answer::Data(v.clone()),
            Some(msg) => Answer::Partial(v.clone(), msg),
        },
        _ => match first_error {
            Some(msg) if is_auth_error(&msg) => Answer::Denied(msg),
            Some(msg) => Answer::Unclear(Verdict::unknown(format!(
                "{}: GraphQL error {msg:?}",
                spec.id
            ))),
            None => Answer::Unclear(Verdict::unknown(format!(
                "{}: no data in the response",
                spec.id
            ))),
        },
    }
}

/// The message of the first GraphQL error about `field`: one whose `path`
/// starts at it, or that has no path (it concerns the whole operation).
fn error_about(body: &Value, field: &str) -> Option<String> {
    body.get("errors")?
        .as_array()?
        .iter()
        .find(|e| {
            e.get("path")
                .and_then(Value::as_array)
                .and_then(|p| p.first())
                .is_none_or(|first| first.as_str() == Some(field))
        })
        .map(|e| str_at(e, "/message").to_string())
}

fn is_auth_error(msg: &str) -> bool {
    let m = msg.to_ascii_lowercase();
    [
        "not authorized",
        "unauthorized",
        "not authorised",
        "invalid token",
        "authentication",
        "forbidden",
        "permission",
    ]
    .iter()
    .any(|w| m.contains(w))
}

fn edges(v: &Value, ptr: &str) -> Vec<Value> {
    v.pointer(ptr)
        .and_then(|e| e.get("edges"))
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|e| e.get("node").cloned()).collect())
        .unwrap_or_default()
}

/// An environment of a project, with its tier.
struct Env {
    id: String,
    name: String,
    tier: Tier,
}

fn environment_tier(project: &Value, env: &Value) -> Tier {
    let name = str_at(env, "/name");
    let ephemeral = env
        .get("isEphemeral")
        .and_then(Value::as_bool)
        .unwrap_or(false)
        || env.pointer("/meta/prNumber").is_some_and(|n| !n.is_null());
    if ephemeral {
        return Tier::Development;
    }
    if str_at(project, "/primaryEnvironmentId") == str_at(env, "/id") {
        return Tier::Production;
    }
    Tier::from_name(name).unwrap_or(Tier::Unknown)
}

/// What one project contributes to the facts.
fn read_project(
    project: &Value,
    only_env: Option<&str>,
    facts: &mut ScopeFacts,
    prod_volume_instances: &mut Vec<(String, String)>,
) {
    let pname = str_at(project, "/name");
    let envs: Vec<Env> = edges(project, "/environments")
        .iter()
        .filter(|e| only_env.is_none_or(|id| str_at(e, "/id") == id))
        .map(|e| Env {
            id: str_at(e, "/id").to_string(),
            name: str_at(e, "/name").to_string(),
            tier: environment_tier(project, e),
        })
        .collect();
    for e in &envs {
        facts.environments.push(Environment {
            name: format!("{pname}/{}", e.name),
            tier: e.tier,
        });
    }
    facts.resources.push(format!("project {pname}"));
    for vol in edges(project, "/volumes") {
        let vname = str_at(&vol, "/name").to_string();
        for inst in edges(&vol, "/volumeInstances") {
            let env_id = str_at(&inst, "/environmentId");
            let Some(env) = envs.iter().find(|e| e.id == env_id) else {
                continue;
            };
            facts
                .resources
                .push(format!("volume {vname} ({pname}/{})", env.name));
            if env.tier == Tier::Production {
                prod_volume_instances.push((
                    str_at(&inst, "/id").to_string(),
                    format!("{vname} ({pname}/{})", env.name),
                ));
            }
        }
    }
}

impl Railway {
    fn classify(&self, token: &Token<'_>, session: &Session<'_>) -> Result<(Kind, Value), Verdict> {
        let project_first = token.detector.id.starts_with("railway.project-token")
            || token
                .variables
                .iter()
                .any(|v| v.eq_ignore_ascii_case("RAILWAY_TOKEN"));
        let order: [Kind; 3] = if project_first {
            [Kind::Project, Kind::Account, Kind::Workspace]
        } else {
            [Kind::Account, Kind::Workspace, Kind::Project]
        };
        let mut denials = Vec::new();
        for kind in order {
            let (spec, auth, field) = match kind {
                Kind::Project => (&PROJECT_TOKEN, Auth::Project, "projectToken"),
                Kind::Account => (&ME, Auth::Bearer, "me"),
                Kind::Workspace => (&API_TOKEN, Auth::Bearer, "apiToken"),
            };
            match ask(session, spec, token, auth, field, None) {
                Answer::Data(v) => {
                    let usable = match kind {
                        Kind::Workspace => v
                            .get("workspaces")
                            .and_then(Value::as_array)
                            .is_some_and(|w| !w.is_empty()),
                        _ => true,
                    };
                    if usable {
                        return Ok((kind, v));
                    }
                    denials.push(format!("{field}: no workspaces"));
                }
                Answer::Denied(msg) => denials.push(format!("{field}: {msg}")),
                // Never live on ambiguous evidence: which kind of token this
                // is, and what it reaches, is not established.
                Answer::Partial(_, msg) => {
                    return Err(Verdict::unknown(format!(
                        "{}: data came with GraphQL errors about it ({msg:?}), not proof of what the token is",
                        spec.id
                    )))
                }
                Answer::Unclear(v) => return Err(v),
            }
        }
        Err(Verdict::invalid(format!(
            "rejected by Railway ({})",
            denials.join("; ")
        )))
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Project,
    Account,
    Workspace,
}

impl Provider for Railway {
    fn id(&self) -> &'static str {
        "railway"
    }

    fn requests(&self) -> &'static [RequestSpec] {
        &REQUESTS
    }

    fn offline(&self, token: &Token<'_>) -> ScopeFacts {
        let mut f = super::detector_worst_case(token.detector);
        f.token_kind = "token of unknown kind".into();
        f.notes.push("an unverified Railway token is scored as an admin's account token, the worst it can be".into());
        f
    }

    fn introspect(&self, token: &Token<'_>, session: &Session<'_>) -> Verdict {
        let (kind, data) = match self.classify(token, session) {
            Ok(k) => k,
            Err(v) => return v,
        };
        let mut facts = ScopeFacts::default();
        let mut prod_instances = Vec::new();
        let mut admin = true;
        match kind {
            Kind::Project => {
                facts.token_kind = "project token".into();
                facts.breadth = Some(Breadth::Environment);
                let project_id = str_at(&data, "/projectId").to_string();
                let env_id = str_at(&data, "/environmentId").to_string();
                let pname = str_at(&data, "/project/name");
                let ename = str_at(&data, "/environment/name");
                facts.identity = Some(format!("project {pname}, environment {ename}"));
                match ask(
                    session,
                    &PROJECT,
                    token,
                    Auth::Project,
                    "project",
                    Some(json!({ "id": project_id })),
                ) {
                    Answer::Data(p) => {
                        read_project(&p, Some(&env_id), &mut facts, &mut prod_instances)
                    }
                    Answer::Partial(p, msg) => {
                        read_project(&p, Some(&env_id), &mut facts, &mut prod_instances);
                        facts
                            .notes
                            .push(format!("the project was read only in part: {msg}"));
                    }
                    _ => {
                        let tier = Tier::from_name(ename).unwrap_or(Tier::Unknown);
                        facts.environments.push(Environment {
                            name: format!("{pname}/{ename}"),
                            tier,
                        });
                        facts.resources.push(format!("project {pname}"));
                        facts
                            .notes
                            .push("the project's details could not be read".into());
                    }
                }
                facts
                    .capabilities
                    .extend([Capability::Deploy, Capability::WriteSecrets]);
                facts
                    .permissions
                    .push(format!("environment {ename} of project {pname}"));
                facts.notes.push(
                    "can deploy and change variables in its one environment; whether a project token may delete \
                     volumes is not documented and cannot be read without a write"
                        .into(),
                );
            }
            Kind::Account | Kind::Workspace => {
                let workspaces: Vec<(String, String)> = data
                    .get("workspaces")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .map(|w| (str_at(w, "/id").to_string(), str_at(w, "/name").to_string()))
                            .collect()
                    })
                    .unwrap_or_default();
                let names: Vec<&str> = workspaces.iter().map(|(_, n)| n.as_str()).collect();
                if kind == Kind::Account {
                    facts.token_kind = "account token".into();
                    facts.breadth = Some(Breadth::Account);
                    let who = [str_at(&data, "/email"), str_at(&data, "/name")]
                        .into_iter()
                        .find(|s| !s.is_empty())
                        .unwrap_or("unknown user");
                    facts.identity =
                        Some(format!("{who} (account; workspaces: {})", names.join(", ")));
                } else {
                    facts.token_kind = "workspace token".into();
                    facts.breadth = Some(Breadth::Workspace);
                    facts.identity = Some(format!("{} (workspace)", names.join(", ")));
                    facts.notes.push(
                        "a workspace token acts with its workspace's full access; the role of whoever created it \
                         cannot be read with it, so it is taken as admin"
                            .into(),
                    );
                }
                let me_id = str_at(&data, "/id").to_string();
                let mut roles = Vec::new();
                let targets: Vec<Option<&(String, String)>> = if workspaces.is_empty() {
                    vec![None]
                } else {
                    workspaces.iter().take(MAX_WORKSPACES).map(Some).collect()
                };
                for ws in targets {
                    let vars = json!({ "workspaceId": ws.map(|w| w.0.clone()) });
                    match ask(
                        session,
                        &PROJECTS,
                        token,
                        Auth::Bearer,
                        "projects",
                        Some(vars),
                    ) {
                        Answer::Data(p) => {
                            for project in edges(&json!({ "p": p }), "/p") {
                                read_project(&project, None, &mut facts, &mut prod_instances);
                            }
                        }
                        Answer::Partial(p, msg) => {
                            for project in edges(&json!({ "p": p }), "/p") {
                                read_project(&project, None, &mut facts, &mut prod_instances);
                            }
                            facts
                                .notes
                                .push(format!("projects read only in part: {msg}"));
                        }
                        Answer::Denied(m) => {
                            facts.notes.push(format!("projects not readable: {m}"))
                        }
                        Answer::Unclear(v) => facts
                            .notes
                            .push(format!("projects not readable: {}", v.detail)),
                    }
                    if kind == Kind::Account {
                        if let Some((id, name)) = ws {
                            if let Answer::Data(w) = ask(
                                session,
                                &MEMBERS,
                                token,
                                Auth::Bearer,
                                "workspace",
                                Some(json!({ "workspaceId": id })),
                            ) {
                                let role = w
                                    .get("members")
                                    .and_then(Value::as_array)
                                    .and_then(|m| m.iter().find(|m| str_at(m, "/id") == me_id))
                                    .map(|m| str_at(m, "/role").to_string());
                                if let Some(role) = role {
                                    roles.push((name.clone(), role));
                                }
                            }
                        }
                    }
                }
                if !roles.is_empty() {
                    admin = roles.iter().any(|(_, r)| r == "ADMIN");
                    facts
                        .permissions
                        .extend(roles.iter().map(|(w, r)| format!("workspace {w}: {r}")));
                } else if kind == Kind::Account {
                    facts
                        .notes
                        .push("workspace role not readable; taken as admin".into());
                }
                if admin {
                    facts.capabilities.extend([
                        Capability::DeleteInfra,
                        Capability::Deploy,
                        Capability::WriteSecrets,
                        Capability::ManageAccess,
                    ]);
                } else {
                    facts
                        .capabilities
                        .extend([Capability::Deploy, Capability::WriteSecrets]);
                    facts
                        .notes
                        .push("not an admin: cannot delete services, volumes or projects".into());
                }
            }
        }
        if admin
            && kind != Kind::Project
            && facts.resources.iter().any(|r| r.starts_with("volume "))
        {
            facts.capabilities.insert(Capability::DeleteData);
            facts.capabilities.insert(Capability::DeleteBackups);
            facts
                .notes
                .push("volumeDelete wipes a volume and every backup stored with it".into());
        }
        for (id, label) in prod_instances.iter().take(MAX_BACKUP_LOOKUPS) {
            let auth = if kind == Kind::Project {
                Auth::Project
            } else {
                Auth::Bearer
            };
            let vars = json!({ "volumeInstanceId": id });
            if let Answer::Data(list) = ask(
                session,
                &BACKUPS,
                token,
                auth,
                "volumeInstanceBackupList",
                Some(vars),
            ) {
                let n = list.as_array().map_or(0, Vec::len);
                facts
                    .resources
                    .push(format!("{n} backup(s) of volume {label}"));
            }
        }
        facts.environments.sort();
        facts.environments.dedup();
        let detail = format!(
            "{} ({} requests)",
            facts.token_kind,
            session.requests_sent()
        );
        Verdict::live(detail, facts)
    }

    fn remediation(&self, _token: &Token<'_>, facts: &ScopeFacts) -> String {
        match facts.breadth {
            Some(Breadth::Environment) => "Already Railway's narrowest token. Keep it to the one environment the task needs; \
                 never give an agent a project token for production (project → Settings → Tokens)."
                .into(),
            _ => "Replace it with a project token for the one environment the task needs \
                  (Railway → project → Settings → Tokens), then revoke this token at https://railway.com/account/tokens. \
                  Account and workspace tokens cannot be narrowed."
                .into(),
        }
    }
}
