//! `.env.example` lists every setting, and only settings.

use super::Settings;

fn keys(value: &serde_json::Value, prefix: &str, out: &mut Vec<String>) {
    match value.as_object() {
        Some(map) => {
            for (k, v) in map {
                let next = if prefix.is_empty() {
                    k.to_uppercase()
                } else {
                    format!("{prefix}__{}", k.to_uppercase())
                };
                if v.is_object() {
                    keys(v, &next, out);
                } else {
                    out.push(format!("PASSGATE__{next}"));
                }
            }
        }
        None => out.push(prefix.to_owned()),
    }
}

#[test]
fn env_example_documents_every_setting() {
    let mut all = Vec::new();
    keys(
        &serde_json::to_value(Settings::default()).unwrap(),
        "",
        &mut all,
    );
    let example =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/.env.example")).unwrap();
    let documented: Vec<&str> = example
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('=').map(|(k, _)| k.trim()))
        .collect();
    for key in &all {
        assert!(
            documented.contains(&key.as_str()),
            "{key} is missing from .env.example"
        );
    }
    for key in &documented {
        assert!(
            all.iter().any(|k| k == key),
            "{key} in .env.example is not a setting"
        );
    }
}
