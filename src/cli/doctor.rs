//! `gloss doctor`: the profile's checks, one line each.

use super::*;

pub(super) fn doctor(endpoint: &EndpointArgs, json: bool) -> Result<i32> {
    let config = load_config(endpoint)?;
    let (profile, warnings) = config.profile(&overrides(endpoint))?;
    let report = config.report(&overrides(endpoint))?;
    for w in warnings {
        progress::warn(&w);
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| GlossError::Runtime(e.to_string()))?;
    let checks = runtime.block_on(crate::doctor::run(&profile.client_settings()));
    let ok = checks.iter().all(|c| c.ok);
    let shown: Vec<String> = profile.endpoints().map(crate::llm::redact_url).collect();
    if json {
        stdout_line(&serde_json::to_string_pretty(&serde_json::json!({"profile": profile.name, "base_url": shown.first(), "base_urls": shown, "model": profile.model, "files": report.files, "key": report.key, "ok": ok, "checks": checks})).unwrap_or_default());
    } else {
        stdout_line(&format!(
            "profile {} · {} · model {}",
            profile.name,
            shown.join(", "),
            profile.model
        ));
        stdout_line(&report.files_line());
        stdout_line(&report.key_line());
        for c in &checks {
            stdout_line(&format!(
                "{} {:<13} {}",
                if c.ok { "ok  " } else { "FAIL" },
                c.name,
                c.detail
            ));
            if let (false, Some(h)) = (c.ok, &c.hint) {
                stdout_line(&format!("     → {h}"));
            }
        }
    }
    Ok(if ok { exit::OK } else { exit::ERROR })
}
