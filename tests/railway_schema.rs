//! Every GraphQL document in the request catalog is a query that Railway's
//! public schema accepts: each field exists on its parent type, each
//! argument exists on its field, and no mutation or subscription is sent.

use blastradius::providers::http::{graphql_is_query_only, RequestKind};
use graphql_parser::query::{Definition, OperationDefinition, Selection, SelectionSet};
use serde_json::Value;
use std::collections::HashMap;

struct Schema {
    types: HashMap<String, Value>,
}

fn base_type(t: &Value) -> String {
    match t.get("ofType") {
        Some(inner) if !inner.is_null() => base_type(inner),
        _ => t["name"].as_str().unwrap_or_default().to_string(),
    }
}

impl Schema {
    fn load() -> Schema {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/railway-schema.json");
        let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let schema = v.get("data").unwrap_or(&v)["__schema"].clone();
        let types = schema["types"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| (t["name"].as_str().unwrap().to_string(), t.clone()))
            .collect();
        Schema { types }
    }

    fn check(
        &self,
        type_name: &str,
        set: &SelectionSet<'_, String>,
        path: &str,
        errors: &mut Vec<String>,
    ) {
        let Some(t) = self.types.get(type_name) else {
            errors.push(format!("{path}: unknown type {type_name}"));
            return;
        };
        for sel in &set.items {
            let Selection::Field(f) = sel else {
                errors.push(format!("{path}: fragments are not used"));
                continue;
            };
            let fields = t["fields"].as_array().cloned().unwrap_or_default();
            let Some(def) = fields.iter().find(|d| d["name"] == f.name.as_str()) else {
                errors.push(format!("{path}.{}: no such field on {type_name}", f.name));
                continue;
            };
            for (arg, _) in &f.arguments {
                let ok = def["args"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|a| a["name"] == arg.as_str());
                if !ok {
                    errors.push(format!("{path}.{}: no argument {arg}", f.name));
                }
            }
            if !f.selection_set.items.is_empty() {
                self.check(
                    &base_type(&def["type"]),
                    &f.selection_set,
                    &format!("{path}.{}", f.name),
                    errors,
                );
            }
        }
    }
}

#[test]
fn railway_queries_validate_against_the_public_schema() {
    let schema = Schema::load();
    let mut errors = Vec::new();
    let mut checked = 0;
    for (provider, spec) in blastradius::providers::catalog() {
        let RequestKind::GraphQl { document } = spec.kind else {
            continue;
        };
        graphql_is_query_only(document).unwrap();
        // Only Railway's schema is vendored; other providers' documents
        // (Linear) are held to query-only above.
        if provider != "railway" {
            continue;
        }
        let doc = graphql_parser::parse_query::<String>(document).unwrap();
        for def in &doc.definitions {
            match def {
                Definition::Operation(OperationDefinition::Query(q)) => {
                    schema.check("Query", &q.selection_set, spec.id, &mut errors);
                    checked += 1;
                }
                other => errors.push(format!("{}: not a named query: {other:?}", spec.id)),
            }
        }
    }
    assert!(checked >= 7, "{checked}");
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

#[test]
fn every_catalog_request_is_read_only() {
    let mut n = 0;
    for (provider, spec) in blastradius::providers::catalog() {
        spec.check_read_only()
            .unwrap_or_else(|e| panic!("{provider} {}: {e}", spec.id));
        assert!(spec.id.starts_with(&format!("{provider}.")), "{}", spec.id);
        assert!(!spec.host.is_empty() && !spec.host.contains('/'));
        n += 1;
    }
    assert!(n >= 13);
}
