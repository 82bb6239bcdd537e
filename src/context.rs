//! Offline evidence from a secret's surroundings: the variable or key it is
//! assigned to, and the environment its file, directory or variable name
//! point at (`.env.staging`, `deploy/prod/`, `STAGING_DATABASE_URL`).

use crate::model::Tier;
use serde::Serialize;

/// Where a tier hint came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TierHint {
    /// The tier.
    pub tier: Tier,
    /// What said so, e.g. `file name ".env.staging"`.
    pub source: String,
}

/// The name a secret is assigned to on its line, if any: `NAME=`, `NAME: `,
/// `"name": "`, `--name `, `Header-Name: `.
pub fn variable_name(line_prefix: &str) -> Option<String> {
    let trimmed = line_prefix.trim_end_matches(|c: char| {
        c.is_whitespace() || matches!(c, '"' | '\'' | '`' | '=' | ':' | '(' | ',')
    });
    let trimmed = trimmed.trim_end_matches(|c: char| c.is_whitespace() || matches!(c, '"' | '\''));
    let start = trimmed
        .char_indices()
        .rev()
        .find(|&(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let name = &trimmed[start..];
    let name = name.trim_start_matches('-');
    let plausible = name.len() >= 2
        && name.len() <= 80
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    plausible.then(|| name.to_string())
}

/// The environment hinted at by the variable name, then the file name, then
/// the nearest directory that names one.
pub fn tier_hint(rel_path: &str, variable: Option<&str>) -> Option<TierHint> {
    if let Some(v) = variable {
        if let Some(tier) = Tier::from_name(v) {
            return Some(TierHint {
                tier,
                source: format!("variable name {v:?}"),
            });
        }
    }
    let mut parts = rel_path.rsplit('/');
    let file = parts.next().unwrap_or_default();
    if let Some(tier) = Tier::from_name(file) {
        return Some(TierHint {
            tier,
            source: format!("file name {file:?}"),
        });
    }
    parts.find_map(|dir| {
        Tier::from_name(dir).map(|tier| TierHint {
            tier,
            source: format!("directory \"{dir}/\""),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_variable_names() {
        assert_eq!(
            variable_name("RAILWAY_API_TOKEN=").as_deref(),
            Some("RAILWAY_API_TOKEN")
        );
        assert_eq!(
            variable_name("export RAILWAY_TOKEN=\"").as_deref(),
            Some("RAILWAY_TOKEN")
        );
        assert_eq!(variable_name("  \"token\": \"").as_deref(), Some("token"));
        assert_eq!(
            variable_name("curl -H \"Project-Access-Token: ").as_deref(),
            Some("Project-Access-Token")
        );
        assert_eq!(
            variable_name("stripe.api_key = '").as_deref(),
            Some("stripe.api_key")
        );
        assert_eq!(variable_name("").as_deref(), None);
    }

    #[test]
    fn tier_hints_prefer_variable_then_file_then_directory() {
        let h = tier_hint("deploy/staging/.env", Some("PROD_TOKEN")).unwrap();
        assert_eq!(h.tier, Tier::Production);
        let h = tier_hint("app/.env.staging", Some("RAILWAY_TOKEN")).unwrap();
        assert_eq!(
            (h.tier, h.source.as_str()),
            (Tier::Staging, "file name \".env.staging\"")
        );
        let h = tier_hint("deploy/staging/run.sh", None).unwrap();
        assert_eq!(h.tier, Tier::Staging);
        assert_eq!(
            tier_hint("config/app.production.json", None).unwrap().tier,
            Tier::Production
        );
        assert!(tier_hint("scripts/domains.sh", Some("RAILWAY_API_TOKEN")).is_none());
    }
}
