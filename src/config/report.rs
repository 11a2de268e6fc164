//! What `gloss config` shows: each effective value and its source, the
//! files read, what was ignored, and where a key goes.

use super::*;

/// One value of the effective profile and where it came from.
#[derive(Debug, Clone, Serialize)]
pub struct Setting {
    pub field: &'static str,
    /// As the text report shows it (`-` for none, `chunk` for 0 segments).
    #[serde(skip)]
    pub value: String,
    /// As `--json` gives it: a number, a boolean, a string or null.
    #[serde(rename = "value")]
    pub json: serde_json::Value,
    pub from: Origin,
}

/// Where a key goes: the variable read and the host it is sent to.
#[derive(Debug, Clone, Serialize)]
pub struct KeyDestination {
    pub var: String,
    /// Whether the variable is set (its value is never shown).
    pub set: bool,
    pub host: String,
}

/// What `gloss config` shows: the files read, what was ignored, the
/// effective profile value by value with its source, and where a key goes.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub files: Vec<SourceFile>,
    /// Settings ignored (an untrusted workspace's) and keys not sent.
    pub warnings: Vec<String>,
    pub profile: String,
    pub profile_from: Origin,
    pub settings: Vec<Setting>,
    /// `None`: this profile sends no key.
    pub key: Option<KeyDestination>,
    pub cache_dir: Setting,
}

impl Report {
    /// The report as lines of text.
    pub fn lines(&self) -> Vec<String> {
        let mut out = vec![self.files_line(), self.key_line()];
        out.extend(self.warnings.iter().map(|w| format!("warning: {w}")));
        out.push(format!("profile {} ({})", self.profile, self.profile_from));
        for s in self.settings.iter().chain([&self.cache_dir]) {
            out.push(format!("  {:<20} {:<40} {}", s.field, s.value, s.from));
        }
        out
    }

    /// Which config files were read, and whether the workspace is trusted.
    pub fn files_line(&self) -> String {
        if self.files.is_empty() {
            return "config: no files read (built-in profiles only)".into();
        }
        let files: Vec<String> = self
            .files
            .iter()
            .map(|f| {
                let trust = match (f.role, f.trusted) {
                    ("workspace", true) => ", trusted",
                    ("workspace", false) => ", not trusted",
                    _ => "",
                };
                format!("{} ({}{trust})", f.path.display(), f.role)
            })
            .collect();
        format!("config: read {}", files.join(", "))
    }

    /// Whether a key is sent, from which variable, to which host.
    pub fn key_line(&self) -> String {
        match &self.key {
            None => "key: none sent".into(),
            Some(k) if k.set => format!("key: ${} is sent to {}", k.var, k.host),
            Some(k) => format!(
                "key: ${} would be sent to {}, but it is not set",
                k.var, k.host
            ),
        }
    }
}

impl Config {
    /// The report of `gloss config` for the profile `overrides` select.
    pub fn report(&self, overrides: &Overrides) -> Result<Report> {
        let resolved = self.resolve(overrides)?;
        let p = &resolved.profile;
        use serde_json::{Value, json};
        // Shown as text: a value's JSON, without quotes, `-` for none.
        let text = |v: &Value| match v {
            Value::Null => "-".to_string(),
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let values: Vec<(&'static str, Value)> = vec![
            (
                "base_url",
                json!(p.endpoints().map(redact_url).collect::<Vec<_>>().join(", ")),
            ),
            ("model", json!(p.model)),
            ("api_key_env", json!(p.api_key_env)),
            // As f32 prints it: `json!(0.2f32)` would be 0.20000000298023224.
            (
                "temperature",
                serde_json::from_str(&p.temperature.to_string()).unwrap_or(Value::Null),
            ),
            ("max_output_tokens", json!(p.max_output_tokens)),
            ("concurrency", json!(p.concurrency)),
            ("requests_per_minute", json!(p.requests_per_minute)),
            ("tokens_per_minute", json!(p.tokens_per_minute)),
            ("timeout_secs", json!(p.timeout_secs)),
            ("context_window", json!(p.context_window)),
            ("chunk_tokens", json!(p.chunk_tokens)),
            ("segments_per_request", json!(p.segments_per_request)),
            ("max_attempts", json!(p.max_attempts)),
            ("termbase", json!(p.termbase)),
            ("repair", json!(p.repair)),
            ("section_names", json!(p.section_names)),
            ("batch_discount", json!(p.batch_discount)),
            (
                "structure",
                json!(format!("{:?}", p.structure).to_lowercase()),
            ),
        ];
        let settings = values
            .into_iter()
            .map(|(field, json)| Setting {
                field,
                // 0 segments a request means the whole chunk in one.
                value: match (field, &json) {
                    ("segments_per_request", Value::Number(n)) if n.as_u64() == Some(0) => {
                        "chunk".to_string()
                    }
                    _ => text(&json),
                },
                json,
                from: resolved
                    .origins
                    .get(field)
                    .cloned()
                    .unwrap_or(Origin::BuiltIn),
            })
            .collect();
        Ok(Report {
            files: self.files.clone(),
            warnings: resolved.warnings.clone(),
            profile: p.name.clone(),
            profile_from: if overrides.profile_from_env {
                Origin::Env("GLOSS_PROFILE")
            } else if overrides.profile.is_some() {
                Origin::Flag("--profile")
            } else {
                self.default_profile_origin.clone()
            },
            settings,
            key: resolved
                .key_destination()
                .map(|(var, host)| KeyDestination {
                    set: p.api_key().is_some(),
                    var,
                    host,
                }),
            cache_dir: {
                let dir = self.cache_dir(overrides).display().to_string();
                Setting {
                    field: "cache_dir",
                    json: serde_json::Value::String(dir.clone()),
                    value: dir,
                    from: self.cache_dir_origin(overrides),
                }
            },
        })
    }
}
