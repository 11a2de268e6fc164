//! What `gloss config` shows: each effective value and its source, the
//! files read, what was ignored, and where a key goes.

use super::*;

/// One value of the effective profile and where it came from.
#[derive(Debug, Clone, Serialize)]
pub struct Setting {
    pub field: &'static str,
    pub value: String,
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
        let opt = |v: Option<u32>| v.map_or("-".to_string(), |v| v.to_string());
        let values: Vec<(&'static str, String)> = vec![
            (
                "base_url",
                p.endpoints().map(redact_url).collect::<Vec<_>>().join(", "),
            ),
            ("model", p.model.clone()),
            ("api_key_env", p.api_key_env.clone().unwrap_or("-".into())),
            ("temperature", p.temperature.to_string()),
            ("max_output_tokens", p.max_output_tokens.to_string()),
            ("concurrency", p.concurrency.to_string()),
            ("requests_per_minute", opt(p.requests_per_minute)),
            ("tokens_per_minute", opt(p.tokens_per_minute)),
            ("timeout_secs", p.timeout_secs.to_string()),
            ("context_window", p.context_window.to_string()),
            ("chunk_tokens", p.chunk_tokens.to_string()),
            (
                "segments_per_request",
                match p.segments_per_request {
                    0 => "chunk".to_string(),
                    n => n.to_string(),
                },
            ),
            ("max_attempts", p.max_attempts.to_string()),
            ("termbase", p.termbase.to_string()),
            ("repair", p.repair.to_string()),
            ("section_names", p.section_names.to_string()),
            ("batch_discount", p.batch_discount.to_string()),
            ("structure", format!("{:?}", p.structure).to_lowercase()),
        ];
        let settings = values
            .into_iter()
            .map(|(field, value)| Setting {
                field,
                value,
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
            cache_dir: Setting {
                field: "cache_dir",
                value: self.cache_dir(overrides).display().to_string(),
                from: self.cache_dir_origin(overrides),
            },
        })
    }
}
