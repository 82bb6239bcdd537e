//! Kubernetes: everything is read offline from the kubeconfig around the
//! secret. A client key's certificate names the user (CN) and groups (O):
//! `system:masters` is cluster-admin and cannot be revoked by RBAC; its
//! `notAfter` is the expiry. A service-account token's JWT claims name the
//! account, its namespace and expiry (legacy secret tokens never expire).
//! The contexts that use the credential name the clusters, servers and
//! namespaces it reaches, and their names hint at the environment.
//!
//! No request is ever sent: `SelfSubjectRulesReview` would go to the API
//! server named by the kubeconfig itself, a host that is not in the request
//! catalog (and often behind a private CA), so host pinning cannot hold.

use super::http::{RequestSpec, Session};
use super::{
    b64_decode_lenient, jwt_claims, rfc3339_from_unix, unix_is_past, Provider, Token, Verdict,
};
use crate::model::{Breadth, Capability, Environment, ScopeFacts, Tier};
use serde_json::Value;
use yaml_rust2::{Yaml, YamlLoader};

/// The Kubernetes provider.
pub struct Kubernetes;

/// What a client certificate says.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct CertInfo {
    /// Subject common name: the user.
    pub common_name: Option<String>,
    /// Subject organizations: the groups.
    pub organizations: Vec<String>,
    /// notAfter, Unix seconds.
    pub not_after: Option<i64>,
}

/// One tag-length-value of DER: the tag and the content.
fn tlv<'a>(data: &'a [u8], pos: &mut usize) -> Option<(u8, &'a [u8])> {
    let tag = *data.get(*pos)?;
    let first = *data.get(*pos + 1)?;
    *pos += 2;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for _ in 0..n {
            len = (len << 8) | usize::from(*data.get(*pos)?);
            *pos += 1;
        }
        len
    };
    let end = pos.checked_add(len)?;
    let content = data.get(*pos..end)?;
    *pos = end;
    Some((tag, content))
}

/// `YYMMDDHHMMSSZ` (UTCTime) or `YYYYMMDDHHMMSSZ` (GeneralizedTime).
fn asn1_time(tag: u8, bytes: &[u8]) -> Option<i64> {
    let s = std::str::from_utf8(bytes).ok()?.strip_suffix('Z')?;
    let (year, rest) = match tag {
        0x17 if s.len() == 12 => {
            let yy: i32 = s.get(..2)?.parse().ok()?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, s.get(2..)?)
        }
        0x18 if s.len() == 14 => (s.get(..4)?.parse().ok()?, s.get(4..)?),
        _ => return None,
    };
    let n = |i: usize| -> Option<u8> { rest.get(i..i + 2)?.parse().ok() };
    let date =
        time::Date::from_calendar_date(year, time::Month::try_from(n(0)?).ok()?, n(2)?).ok()?;
    let t = time::Time::from_hms(n(4)?, n(6)?, n(8)?).ok()?;
    Some(
        time::PrimitiveDateTime::new(date, t)
            .assume_utc()
            .unix_timestamp(),
    )
}

/// Parses an X.509 certificate's subject (CN, O) and notAfter from DER.
pub fn parse_certificate(der: &[u8]) -> Option<CertInfo> {
    let mut pos = 0;
    let (0x30, cert) = tlv(der, &mut pos)? else {
        return None;
    };
    let mut p = 0;
    let (0x30, tbs) = tlv(cert, &mut p)? else {
        return None;
    };
    let mut i = 0;
    let mut next = || tlv(tbs, &mut i);
    let mut item = next()?;
    if item.0 == 0xa0 {
        item = next()?; // explicit version
    }
    if item.0 != 0x02 {
        return None; // serial number
    }
    let (0x30, _sig_alg) = next()? else {
        return None;
    };
    let (0x30, _issuer) = next()? else {
        return None;
    };
    let (0x30, validity) = next()? else {
        return None;
    };
    let (0x30, subject) = next()? else {
        return None;
    };
    let mut info = CertInfo::default();
    let mut v = 0;
    let _not_before = tlv(validity, &mut v)?;
    let (tag, after) = tlv(validity, &mut v)?;
    info.not_after = asn1_time(tag, after);
    let mut s = 0;
    while s < subject.len() {
        let (0x31, set) = tlv(subject, &mut s)? else {
            return None;
        };
        let mut a = 0;
        while a < set.len() {
            let (0x30, attr) = tlv(set, &mut a)? else {
                return None;
            };
            let mut b = 0;
            let (0x06, oid) = tlv(attr, &mut b)? else {
                return None;
            };
            let (_, value) = tlv(attr, &mut b)?;
            let value = String::from_utf8_lossy(value).into_owned();
            match oid {
                [0x55, 0x04, 0x03] => info.common_name = Some(value),
                [0x55, 0x04, 0x0a] => info.organizations.push(value),
                _ => {}
            }
        }
    }
    Some(info)
}

/// A kubeconfig `*-data` value (base64 of a PEM) as the certificate's facts.
pub fn certificate_from_data(data: &str) -> Option<CertInfo> {
    let pem = String::from_utf8(b64_decode_lenient(data)?).ok()?;
    let der = b64_decode_lenient(
        &pem.lines()
            .map(str::trim)
            .filter(|l| !l.starts_with("-----") && !l.is_empty())
            .collect::<String>(),
    )?;
    parse_certificate(&der)
}

/// What the kubeconfig around the secret says about it.
#[derive(Debug, Default)]
struct Kubeconfig {
    /// The `users[].name` that holds the secret.
    user: Option<String>,
    /// The sibling `client-certificate-data`.
    certificate: Option<String>,
    /// (context, cluster, namespace, server) using that user.
    contexts: Vec<(String, String, String, String)>,
    /// The current context's name.
    current: Option<String>,
}

fn ystr(y: &Yaml) -> Option<&str> {
    y.as_str()
}

fn find_in_kubeconfig(text: &str, secret: &str) -> Option<Kubeconfig> {
    let docs = YamlLoader::load_from_str(text).ok()?;
    for doc in docs {
        let Some(users) = doc["users"].as_vec() else {
            continue;
        };
        for u in users {
            let user = &u["user"];
            let holds = ["token", "client-key-data"]
                .iter()
                .any(|k| ystr(&user[*k]) == Some(secret))
                || ["id-token", "refresh-token", "access-token"]
                    .iter()
                    .any(|k| ystr(&user["auth-provider"]["config"][*k]) == Some(secret));
            if !holds {
                continue;
            }
            let name = ystr(&u["name"]).unwrap_or_default().to_string();
            let mut kc = Kubeconfig {
                user: Some(name.clone()),
                certificate: ystr(&user["client-certificate-data"]).map(str::to_string),
                current: ystr(&doc["current-context"]).map(str::to_string),
                ..Kubeconfig::default()
            };
            let clusters = doc["clusters"].as_vec().cloned().unwrap_or_default();
            for c in doc["contexts"].as_vec().into_iter().flatten() {
                if ystr(&c["context"]["user"]) != Some(name.as_str()) {
                    continue;
                }
                let cluster = ystr(&c["context"]["cluster"])
                    .unwrap_or_default()
                    .to_string();
                let server = clusters
                    .iter()
                    .find(|k| ystr(&k["name"]) == Some(cluster.as_str()))
                    .and_then(|k| ystr(&k["cluster"]["server"]))
                    .unwrap_or_default()
                    .to_string();
                kc.contexts.push((
                    ystr(&c["name"]).unwrap_or_default().to_string(),
                    cluster,
                    ystr(&c["context"]["namespace"])
                        .unwrap_or("default")
                        .to_string(),
                    server,
                ));
            }
            return Some(kc);
        }
    }
    None
}

fn cluster_admin() -> [Capability; 7] {
    [
        Capability::DeleteData,
        Capability::DeleteBackups,
        Capability::DeleteInfra,
        Capability::Deploy,
        Capability::WriteSecrets,
        Capability::ManageAccess,
        Capability::ReadData,
    ]
}

/// The tier named by a context, cluster or server host.
fn tier_of(names: &[&str]) -> Tier {
    names
        .iter()
        .find_map(|n| {
            let host = n
                .trim_start_matches("https://")
                .trim_start_matches("http://")
                .split([':', '/'])
                .next()
                .unwrap_or(n);
            Tier::from_name(host)
        })
        .unwrap_or(Tier::Unknown)
}

/// The expiry of the credential, Unix seconds, when known offline.
fn expiry(token: &Token<'_>) -> Option<i64> {
    let secret = token.secret.expose();
    if let Some(exp) = jwt_claims(secret).and_then(|c| c.get("exp").and_then(Value::as_i64)) {
        return Some(exp);
    }
    token
        .context
        .iter()
        .find_map(|c| find_in_kubeconfig(c.expose(), secret))
        .and_then(|kc| kc.certificate)
        .and_then(|c| certificate_from_data(&c))
        .and_then(|c| c.not_after)
}

impl Provider for Kubernetes {
    fn id(&self) -> &'static str {
        "kubernetes"
    }

    fn requests(&self) -> &'static [RequestSpec] {
        &[]
    }

    fn offline(&self, token: &Token<'_>) -> ScopeFacts {
        let secret = token.secret.expose();
        let mut f = super::detector_worst_case(token.detector);
        f.breadth = Some(Breadth::Workspace);
        f.capabilities.extend(cluster_admin());
        let kc = token
            .context
            .iter()
            .find_map(|c| find_in_kubeconfig(c.expose(), secret));
        let mut settled = false;
        if let Some(claims) = jwt_claims(secret) {
            let sub = claims
                .get("sub")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let legacy_ns = claims
                .get("kubernetes.io/serviceaccount/namespace")
                .and_then(Value::as_str);
            let bound_ns = claims
                .pointer("/kubernetes.io/namespace")
                .and_then(Value::as_str);
            if let Some(sa) = sub.strip_prefix("system:serviceaccount:") {
                f.token_kind = if legacy_ns.is_some() {
                    "service account token (legacy secret, never expires)".into()
                } else {
                    "service account token".into()
                };
                f.identity = Some(format!("service account {sa}"));
                if legacy_ns.or(bound_ns) == Some("kube-system") {
                    f.notes.push(
                        "a kube-system service account: such accounts usually hold cluster-wide rights".into(),
                    );
                }
            } else if !sub.is_empty() {
                f.token_kind = "OIDC or bound user token".into();
                f.identity = Some(sub.to_string());
            }
            f.expires_at = claims
                .get("exp")
                .and_then(Value::as_i64)
                .and_then(rfc3339_from_unix);
        }
        if let Some(cert) = kc
            .as_ref()
            .and_then(|k| k.certificate.as_deref())
            .and_then(certificate_from_data)
        {
            f.token_kind = "client certificate key".into();
            let cn = cert.common_name.clone().unwrap_or_else(|| "?".into());
            f.identity = Some(format!(
                "user {cn} (groups: {})",
                cert.organizations.join(", ")
            ));
            f.permissions = cert
                .organizations
                .iter()
                .map(|o| format!("group {o}"))
                .collect();
            f.expires_at = cert.not_after.and_then(rfc3339_from_unix);
            if cert.organizations.iter().any(|o| o == "system:masters") {
                f.token_kind = "client certificate key (system:masters: cluster-admin)".into();
                f.notes.push(
                    "system:masters bypasses RBAC: cluster-admin that no RoleBinding can take away; only the \
                     certificate's expiry or rotating the cluster CA ends it"
                        .into(),
                );
                settled = true;
            }
        }
        if let Some(kc) = &kc {
            for (ctx, cluster, ns, server) in &kc.contexts {
                let current = if kc.current.as_deref() == Some(ctx.as_str()) {
                    ", current"
                } else {
                    ""
                };
                f.environments.push(Environment {
                    name: format!("context {ctx} (cluster {cluster}, namespace {ns}{current})"),
                    tier: tier_of(&[ctx, cluster, server]),
                });
                if !server.is_empty() {
                    f.resources.push(format!("API server {server}"));
                }
            }
            if let Some(u) = &kc.user {
                if f.identity.is_none() {
                    f.identity = Some(format!("kubeconfig user {u}"));
                }
            }
        }
        f.environments.retain(|e| !e.name.is_empty());
        if f.environments.iter().all(|e| e.tier == Tier::Unknown) {
            f.environments.retain(|e| e.tier != Tier::Unknown);
        }
        f.assumed = !settled;
        if !settled {
            f.notes.push(
                "permissions unknown: RBAC bindings live in the cluster and are not read (no request is sent to \
                 the API server); scored as cluster-admin"
                    .into(),
            );
        }
        f
    }

    fn introspect(&self, token: &Token<'_>, _session: &Session<'_>) -> Verdict {
        if let Some(exp) = expiry(token) {
            if unix_is_past(exp) {
                return Verdict::invalid(format!(
                    "expired {} (offline evidence); nothing sent",
                    rfc3339_from_unix(exp).unwrap_or_default()
                ));
            }
        }
        Verdict::skipped(
            "no read-only endpoint in the request catalog: SelfSubjectRulesReview would go to the API server the \
             kubeconfig names, which host pinning forbids; offline evidence only",
        )
    }

    fn remediation(&self, _token: &Token<'_>, facts: &ScopeFacts) -> String {
        if facts.token_kind.contains("system:masters") {
            return "Never give an agent a system:masters certificate: it cannot be revoked. Give it a kubeconfig for \
                    a ServiceAccount bound to a namespaced Role (no delete, no secrets) with a short-lived token \
                    (`kubectl create token NAME --duration=1h`), and rotate this certificate \
                    (https://kubernetes.io/docs/reference/access-authn-authz/rbac/)."
                .into();
        }
        "Replace it with a short-lived token (`kubectl create token NAME --duration=1h`) for a ServiceAccount bound \
         to a namespaced Role with only the verbs the task needs, on a non-production cluster; delete legacy \
         service-account token secrets (https://kubernetes.io/docs/reference/access-authn-authz/service-accounts-admin/)."
            .into()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Test certificates made with `openssl req -x509` (throwaway keys), as
    /// kubeconfig `client-certificate-data`: `O=system:masters,
    /// CN=kubernetes-admin`, notAfter 2126 (GeneralizedTime).
    const ADMIN_CERT: &str = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSURTekNDQWpPZ0F3SUJBZ0lVWkZZUHVKWklmbk81YjVRRGw4bUp6SzlEMk1jd0RRWUpLb1pJaHZjTkFRRUwKQlFBd05ERVhNQlVHQTFVRUNnd09jM2x6ZEdWdE9tMWhjM1JsY25NeEdUQVhCZ05WQkFNTUVHdDFZbVZ5Ym1WMApaWE10WVdSdGFXNHdJQmNOTWpZeE1USXhNVEkxTWpNMVdoZ1BNakV5TmpFd01qZ3hNalV5TXpWYU1EUXhGekFWCkJnTlZCQW9NRG5ONWMzUmxiVHB0WVhOMFpYSnpNUmt3RndZRFZRUUREQkJyZFdKbGNtNWxkR1Z6TFdGa2JXbHUKTUlJQklqQU5CZ2txaGtpRzl3MEJBUUVGQUFPQ0FROEFNSUlCQ2dLQ0FRRUF0VEl0Z0ZsUmtzZ0xGNGpCNThkdQoyeXA5ZllpT0dLaFZlQ0grSG1vZytuOVRCd2poSDVYU28rZ1F6QzJSUE5xdFN4cldHY2N6UWlpMm91L29MN3BIClg0eU56WHBzT1I5cTUxQnk2cUZnZlVQS09uSzdKRGZGL25iVkEyZUE5QlZyaGxOaUxHc05NZ0ZuQ2dHUUd0MU4KdkcxQXhFaGpydlBtU0NSTzlycUNZQnpJeXZWMDgwY1hFaFROU0hSVE1rM0duK0RKTzRkbzVZMlZtcFR0U2J2eQpYb2JtcEFCQU9XUFZtcHdwTnc5bGtQNWt0N1FkTTdFU3lSc3BLdEdJdERSY0RYZ3FqbWlBQzJybTZ6Zk5jSkZQClJjOGtFRmZCNUxUd3JGQWlVVWJCMDg2UXl6cU5nc3ZsbThkNmdpNW44V20wd2htTnRjNDdwaENMcE9UYVNpdXcKSlFJREFRQUJvMU13VVRBZEJnTlZIUTRFRmdRVVRLbUlqNXZVdFJudjZ1NTl4ZGpqRlF6MjY5c3dId1lEVlIwagpCQmd3Rm9BVVRLbUlqNXZVdFJudjZ1NTl4ZGpqRlF6MjY5c3dEd1lEVlIwVEFRSC9CQVV3QXdFQi96QU5CZ2txCmhraUc5dzBCQVFzRkFBT0NBUUVBc21IRVBGSW5sRUlicVMwQWhBNklZS0FnVU1qcUsyUGhpK05zU1ZGaTFEZHAKUFpiMEZLOTJWTnZ4czNpQnBONkc1YVZEK0JlTUI4TlRtT1ozSlhVMXBoL3VSQit2Z2tPdVFIN2VuWVIzd3BFYgp6UXFQSFdLV1h6aVA1NE1lZnRBVTh5QjY0aUNCNjEyakNqQ201UHJkeUVRcWVmUzZlb0dxenFBSUVGeXIrMEZaCk5PNTI2SHo1K1p4VHhaMG52MWdBKzl1QmI5b1cwWGloR0haT2xjSGh5RExoaFdmaE5SMzJ3dmZBdmdTa0s0MWYKUDZrZ2VqOTVWT0JzbTN0TWdMTUVkMzhsM1BDSVF5WGNnd3JpeHVsblhWb1JkeVM5RUYwcWFEeWg0ZWNiTThQbwpnbHpFeGd1UE9kaUU3SG5LOWlWaVdPV1hGSVpHZUUvRGtySHl4cDNzaEE9PQotLS0tLUVORCBDRVJUSUZJQ0FURS0tLS0tCg==";
    /// `O=developers, O=viewers, CN=jane`, notAfter 2036 (UTCTime).
    const DEV_CERT: &str = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSURUVENDQWpXZ0F3SUJBZ0lVYXVSdzg2ME40eWdmZ3l6UFZRdlg2bTJsYWFBd0RRWUpLb1pJaHZjTkFRRUwKQlFBd05qRVRNQkVHQTFVRUNnd0taR1YyWld4dmNHVnljekVRTUE0R0ExVUVDZ3dIZG1sbGQyVnljekVOTUFzRwpBMVVFQXd3RWFtRnVaVEFlRncweU5qRXhNakV4TWpVeU16VmFGdzB6TmpFeE1UZ3hNalV5TXpWYU1EWXhFekFSCkJnTlZCQW9NQ21SbGRtVnNiM0JsY25NeEVEQU9CZ05WQkFvTUIzWnBaWGRsY25NeERUQUxCZ05WQkFNTUJHcGgKYm1Vd2dnRWlNQTBHQ1NxR1NJYjNEUUVCQVFVQUE0SUJEd0F3Z2dFS0FvSUJBUUNxR1hUaFIvOWl2RFFHclhYUApJNzdkNVU0aVk2Q2wyeFZJNkdwOTZNeG1HQlRDWkxxOTBZUDdYNUdvV0RZTklUTzdoWVN4a2g3Tk81QWRnSW83CjQyQnBPM2ljVkpPODJJdUxlMUZZbHg3RE5GeDlBeisxM1lKaVZuL0NNNjBCNG96RlczdnVpMUlRaCtuTFZ3UTMKejFlRnZRUFhuZ05NcFlua3lzZlI2b2V1QzlHK2xMTkg0OTlSbnFzNmNpeUxMRzVweFdtQ1pDSWpRUzlrbFhZRgpIMEF2d3ZyRmQ1WlI3ZXdhUlluejhPTXZGM29scVkvU05YTm10SUErY2t0NG5HWVhmYmlYUU90bFRJYTRqVTBWCmpOSDYraXFkYk9mM0IyNldZZndhN3g2TGNQL0wwUlo2eXlzdzhJOHNxbUxuRDZkY1ZXTXcwTkdGMHRTVDZkN2cKZlhCcEFnTUJBQUdqVXpCUk1CMEdBMVVkRGdRV0JCVERXMmoxaWl3aExrMXJCZjFHcHFHc0dXbkpKekFmQmdOVgpIU01FR0RBV2dCVERXMmoxaWl3aExrMXJCZjFHcHFHc0dXbkpKekFQQmdOVkhSTUJBZjhFQlRBREFRSC9NQTBHCkNTcUdTSWIzRFFFQkN3VUFBNElCQVFCN0srTk5TZ3hwdVVocjZML2RDSHJpNXpsWDh1OGFmWW9oeHNjdnNURU4KSXFXL1hRdEJwNGlKREU4N2NjTmJuZGcvYVNqZ29UaEMxZWxIdUM3ZXhBSy9wS1g2S2dSN3BQNVpqVDR4d2xBQgpEekNFY3V4TWU2dnpSNzI2MHJIQjYwR01iQ3libUlkZjkrVTRtdlJ4ajg3RWtGTm9SYVZUYk1GTGJXekdDVXRHCmhuN1VFZ2FqZ0dVaEJoUHFkdE8vYm53T1lydTQ4dUt1VkhYWnZVVWxWZjdMSWc3Y0lISG5kdUJBN1NYbmx5UUcKVXErNE1QSkd1Z3dmSU01SFBCd2thMkhhcCtvc1ZzNEVWMFBwQk5LYlIvUTFET0MwZjk3NndaSmV0cFZmdUUwSAo4VEpRSm5BcjJrbVlkZDdXNWQwZWFraWNmNWQ4Z00xdkVRaDF6R2Y3eWYybgotLS0tLUVORCBDRVJUSUZJQ0FURS0tLS0tCg==";

    #[test]
    fn certificates_name_user_groups_and_expiry() {
        let admin = certificate_from_data(ADMIN_CERT).unwrap();
        assert_eq!(admin.common_name.as_deref(), Some("kubernetes-admin"));
        assert_eq!(admin.organizations, vec!["system:masters".to_string()]);
        assert!(admin.not_after.unwrap() > 4_900_000_000);
        let dev = certificate_from_data(DEV_CERT).unwrap();
        assert_eq!(dev.common_name.as_deref(), Some("jane"));
        assert_eq!(
            dev.organizations,
            vec!["developers".to_string(), "viewers".to_string()]
        );
        let exp = rfc3339_from_unix(dev.not_after.unwrap()).unwrap();
        assert!(exp.starts_with("2036-"), "{exp}");
    }

    #[test]
    fn the_kubeconfig_entry_holding_the_secret() {
        let text = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    server: https://prod-eks-1.acme.internal:6443\n  name: prod\n- cluster:\n    server: https://10.0.0.9:6443\n  name: dev\ncontexts:\n- context:\n    cluster: prod\n    user: admin\n    namespace: payments\n  name: admin@prod\n- context:\n    cluster: dev\n    user: jane\n  name: jane@dev\ncurrent-context: admin@prod\nusers:\n- name: admin\n  user:\n    client-certificate-data: {ADMIN_CERT}\n    client-key-data: S0VZREFUQQ==\n- name: jane\n  user:\n    token: abcdefghijklmnopqrstuvwxyz012345\n"
        );
        let kc = find_in_kubeconfig(&text, "S0VZREFUQQ==").unwrap();
        assert_eq!(kc.user.as_deref(), Some("admin"));
        assert_eq!(kc.certificate.as_deref(), Some(ADMIN_CERT));
        assert_eq!(
            kc.contexts,
            vec![(
                "admin@prod".to_string(),
                "prod".to_string(),
                "payments".to_string(),
                "https://prod-eks-1.acme.internal:6443".to_string()
            )]
        );
        let kc = find_in_kubeconfig(&text, "abcdefghijklmnopqrstuvwxyz012345").unwrap();
        assert_eq!(kc.user.as_deref(), Some("jane"));
        assert_eq!(kc.contexts[0].2, "default");
        assert!(find_in_kubeconfig(&text, "other").is_none());
        assert!(find_in_kubeconfig("not: [yaml", "x").is_none());
    }

    #[test]
    fn times() {
        assert_eq!(asn1_time(0x17, b"360101000000Z"), Some(2_082_758_400));
        assert_eq!(asn1_time(0x17, b"991231235959Z"), Some(946_684_799));
        assert_eq!(
            asn1_time(0x18, b"21261028125235Z").map(|t| t > 4_000_000_000),
            Some(true)
        );
        assert_eq!(asn1_time(0x17, b"360101000000"), None);
        assert_eq!(asn1_time(0x17, b"361301000000Z"), None);
    }

    #[test]
    fn garbage_is_not_a_certificate() {
        assert_eq!(parse_certificate(&[]), None);
        assert_eq!(parse_certificate(&[0x30, 0x82, 0xff]), None);
        assert_eq!(parse_certificate(&[0x30, 0x03, 0x02, 0x01, 0x00]), None);
        assert_eq!(certificate_from_data("bm90IGEgY2VydA=="), None);
    }

    #[test]
    fn tiers_from_names() {
        assert_eq!(tier_of(&["admin@prod", "c", ""]), Tier::Production);
        assert_eq!(
            tier_of(&["ctx", "c", "https://staging-eks.acme.internal:6443"]),
            Tier::Staging
        );
        assert_eq!(
            tier_of(&["kind-kind", "kind", "https://127.0.0.1:6443"]),
            Tier::Unknown
        );
    }
}
