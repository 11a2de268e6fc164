//! Configuration: endpoint profiles, prices and the cache location.
//!
//! Sources, later ones winning field by field: built-in profiles, the user's
//! config file (`~/.config/gloss/config.toml`), the workspace `gloss.toml` in
//! the current directory, then command-line flags.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{GlossError, Result};

/// One endpoint profile as written in a config file; every field optional so
/// files can override single fields.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ProfileFile {
    pub base_url: Option<String>,
    pub model: Option<String>,
    /// Name of the environment variable that holds this profile's API key.
    pub api_key_env: Option<String>,
    pub temperature: Option<f32>,
    pub max_output_tokens: Option<u32>,
    pub concurrency: Option<usize>,
    pub requests_per_minute: Option<u32>,
    pub tokens_per_minute: Option<u32>,
    pub timeout_secs: Option<u64>,
    pub context_window: Option<usize>,
    /// Chunk budget in source tokens.
    pub chunk_tokens: Option<usize>,
    /// Maximum attempts per request (first try included).
    pub max_attempts: Option<u32>,
    /// Extract a termbase per article (default true).
    pub termbase: Option<bool>,
    /// Re-request segments that fail a quality check (default true).
    pub repair: Option<bool>,
}

/// Price of a model in US dollars per million tokens.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Price {
    pub input: f64,
    pub output: f64,
}

/// A config file's contents.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// Cache folder; relative paths are relative to the file's folder.
    pub cache_dir: Option<PathBuf>,
    pub default_profile: Option<String>,
    #[serde(default)]
    pub profiles: BTreeMap<String, ProfileFile>,
    /// Prices per model name.
    #[serde(default)]
    pub prices: BTreeMap<String, Price>,
}

/// A fully resolved profile.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub name: String,
    pub base_url: String,
    pub model: String,
    pub api_key_env: Option<String>,
    pub temperature: f32,
    pub max_output_tokens: u32,
    pub concurrency: usize,
    pub requests_per_minute: Option<u32>,
    pub tokens_per_minute: Option<u32>,
    pub timeout_secs: u64,
    pub context_window: usize,
    pub chunk_tokens: usize,
    pub max_attempts: u32,
    pub price: Option<Price>,
    /// Whether runs extract a termbase (the flag `--no-termbase` turns it off).
    pub termbase: bool,
    /// Whether failed segments get a repair request (`--no-repair` turns it off).
    pub repair: bool,
}

impl Profile {
    /// The API key from this profile's own variable, if it names one and it is set.
    /// A key is read only for the profile that names it, so it only ever goes
    /// to that profile's endpoint.
    pub fn api_key(&self) -> Option<String> {
        let var = self.api_key_env.as_deref()?;
        std::env::var(var).ok().filter(|k| !k.trim().is_empty())
    }

    /// Estimated cost in dollars, or `None` when the price is unknown.
    pub fn cost(&self, input_tokens: u64, output_tokens: u64) -> Option<f64> {
        self.price
            .map(|p| (input_tokens as f64 * p.input + output_tokens as f64 * p.output) / 1e6)
    }
}

/// Everything a command needs from configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub cache_dir: PathBuf,
    pub default_profile: String,
    pub profiles: BTreeMap<String, ProfileFile>,
    pub prices: BTreeMap<String, Price>,
    /// The files that were read, for `gloss doctor` and error messages.
    pub sources: Vec<PathBuf>,
    /// Per profile, keys that a config file's `base_url` moved away from.
    dropped_keys: BTreeMap<String, String>,
}

/// Overrides from the command line.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub profile: Option<String>,
    pub base_url: Option<String>,
    pub model: Option<String>,
    pub api_key_env: Option<String>,
    pub jobs: Option<usize>,
    pub chunk_tokens: Option<usize>,
    pub cache_dir: Option<PathBuf>,
}

fn builtin() -> ConfigFile {
    let mut profiles = BTreeMap::new();
    profiles.insert(
        "openai".to_string(),
        ProfileFile {
            base_url: Some("https://api.openai.com/v1".into()),
            model: Some("gpt-4o-mini".into()),
            api_key_env: Some("OPENAI_API_KEY".into()),
            concurrency: Some(8),
            context_window: Some(128_000),
            ..Default::default()
        },
    );
    let local = |url: &str, model: &str| ProfileFile {
        base_url: Some(url.into()),
        model: Some(model.into()),
        concurrency: Some(2),
        timeout_secs: Some(600),
        context_window: Some(8192),
        chunk_tokens: Some(400),
        ..Default::default()
    };
    profiles.insert(
        "local".into(),
        local("http://127.0.0.1:8080/v1", "qwen2.5-coder-0.5b-instruct"),
    );
    profiles.insert(
        "ollama".into(),
        local("http://127.0.0.1:11434/v1", "qwen2.5:7b-instruct"),
    );
    profiles.insert(
        "vllm".into(),
        local("http://127.0.0.1:8000/v1", "Qwen/Qwen2.5-7B-Instruct"),
    );
    profiles.insert(
        "lmstudio".into(),
        local("http://127.0.0.1:1234/v1", "qwen2.5-7b-instruct"),
    );
    let mut prices = BTreeMap::new();
    for (model, input, output) in [
        ("gpt-4o-mini", 0.15, 0.60),
        ("gpt-4o", 2.50, 10.00),
        ("gpt-4.1", 2.00, 8.00),
        ("gpt-4.1-mini", 0.40, 1.60),
        ("gpt-4.1-nano", 0.10, 0.40),
    ] {
        prices.insert(model.to_string(), Price { input, output });
    }
    ConfigFile {
        cache_dir: None,
        default_profile: Some("openai".into()),
        profiles,
        prices,
    }
}

fn read_file(path: &Path) -> Result<Option<ConfigFile>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(GlossError::Config(format!("{}: {e}", path.display()))),
    };
    let mut file: ConfigFile = toml::from_str(&text)
        .map_err(|e| GlossError::Config(format!("{}: {}", path.display(), e.message())))?;
    if let Some(dir) = &file.cache_dir
        && dir.is_relative()
    {
        let base = path.parent().unwrap_or(Path::new("."));
        file.cache_dir = Some(base.join(dir));
    }
    Ok(Some(file))
}

fn merge_profile(into: &mut ProfileFile, from: ProfileFile) {
    macro_rules! take {
        ($($f:ident),*) => { $( if from.$f.is_some() { into.$f = from.$f; } )* };
    }
    take!(
        base_url,
        model,
        api_key_env,
        temperature,
        max_output_tokens,
        concurrency,
        requests_per_minute,
        tokens_per_minute,
        timeout_secs,
        context_window,
        chunk_tokens,
        max_attempts,
        termbase,
        repair
    );
}

impl Config {
    /// Load built-ins, the user's file and the workspace file in `cwd`.
    pub fn load(cwd: &Path) -> Result<Self> {
        let user = directories::ProjectDirs::from("", "", "gloss")
            .map(|d| d.config_dir().join("config.toml"));
        let workspace = cwd.join("gloss.toml");
        Self::load_from(user.as_deref(), Some(&workspace))
    }

    /// Load from explicit files (tests use this to keep the user's home out).
    pub fn load_from(user: Option<&Path>, workspace: Option<&Path>) -> Result<Self> {
        let base = builtin();
        let mut config = Config {
            cache_dir: directories::ProjectDirs::from("", "", "gloss")
                .map(|d| d.cache_dir().to_path_buf())
                .unwrap_or_else(|| PathBuf::from(".gloss-cache")),
            default_profile: base.default_profile.clone().unwrap_or_default(),
            profiles: base.profiles,
            prices: base.prices,
            sources: Vec::new(),
            dropped_keys: BTreeMap::new(),
        };
        for path in [user, workspace].into_iter().flatten() {
            let Some(file) = read_file(path)? else {
                continue;
            };
            config.sources.push(path.to_path_buf());
            if let Some(dir) = file.cache_dir {
                config.cache_dir = dir;
            }
            if let Some(p) = file.default_profile {
                config.default_profile = p;
            }
            for (name, profile) in file.profiles {
                let into = config.profiles.entry(name.clone()).or_default();
                // A file (say, a cloned repo's gloss.toml) that points a keyed
                // profile at another host without naming a key for it does
                // not get the key of the host it replaced.
                if let (Some(old), Some(new), Some(var)) =
                    (&into.base_url, &profile.base_url, &into.api_key_env)
                    && origin(old) != origin(new)
                    && profile.api_key_env.is_none()
                {
                    config.dropped_keys.insert(
                        name.clone(),
                        format!(
                            "{} points profile {name:?} at another host, so its key (${var}) is not sent; set api_key_env in that file to send one",
                            path.display()
                        ),
                    );
                    into.api_key_env = None;
                }
                merge_profile(into, profile);
            }
            config.prices.extend(file.prices);
        }
        Ok(config)
    }

    /// The cache folder after `--cache-dir` and `GLOSS_CACHE_DIR`.
    pub fn cache_dir(&self, overrides: &Overrides) -> PathBuf {
        overrides
            .cache_dir
            .clone()
            .or_else(|| std::env::var_os("GLOSS_CACHE_DIR").map(PathBuf::from))
            .unwrap_or_else(|| self.cache_dir.clone())
    }

    /// Resolve the profile to use. Returns the profile and any warning to show.
    pub fn profile(&self, overrides: &Overrides) -> Result<(Profile, Option<String>)> {
        let name = overrides
            .profile
            .clone()
            .unwrap_or_else(|| self.default_profile.clone());
        let file = self.profiles.get(&name).cloned().ok_or_else(|| {
            let known: Vec<&str> = self.profiles.keys().map(|k| k.as_str()).collect();
            GlossError::Config(format!(
                "no profile named {name:?} (known: {}); define it in gloss.toml under [profiles.{name}]",
                known.join(", ")
            ))
        })?;
        let mut base_url = file
            .base_url
            .clone()
            .ok_or_else(|| GlossError::Config(format!("profile {name:?} has no base_url")))?;
        let mut api_key_env = file.api_key_env.clone();
        let mut warning = self.dropped_keys.get(&name).cloned();
        // Like the official SDKs, OPENAI_BASE_URL redirects the default OpenAI profile.
        if name == "openai"
            && let Ok(url) = std::env::var("OPENAI_BASE_URL")
            && !url.trim().is_empty()
        {
            base_url = url;
        }
        if let Some(url) = &overrides.base_url {
            // A key belongs to its endpoint: a different host gets no key
            // unless the user names one for it explicitly.
            if api_key_env.is_some()
                && origin(url) != origin(&base_url)
                && overrides.api_key_env.is_none()
            {
                warning = Some(format!(
                    "--base-url points away from profile {name:?}'s endpoint, so its key ({}) is not sent; pass --api-key-env VAR to send one",
                    api_key_env.as_deref().unwrap_or_default()
                ));
                api_key_env = None;
            }
            base_url = url.clone();
        }
        if let Some(var) = &overrides.api_key_env {
            api_key_env = Some(var.clone());
        }
        let model = overrides
            .model
            .clone()
            .or(file.model.clone())
            .ok_or_else(|| GlossError::Config(format!("profile {name:?} has no model")))?;
        let price = self.prices.get(&model).copied();
        let profile = Profile {
            name,
            base_url: base_url.trim_end_matches('/').to_string(),
            price,
            api_key_env,
            temperature: file.temperature.unwrap_or(0.0),
            max_output_tokens: file.max_output_tokens.unwrap_or(2048),
            concurrency: overrides.jobs.or(file.concurrency).unwrap_or(4).max(1),
            requests_per_minute: file.requests_per_minute,
            tokens_per_minute: file.tokens_per_minute,
            timeout_secs: file.timeout_secs.unwrap_or(120),
            context_window: file.context_window.unwrap_or(8192),
            chunk_tokens: overrides.chunk_tokens.or(file.chunk_tokens).unwrap_or(600),
            max_attempts: file.max_attempts.unwrap_or(5).max(1),
            termbase: file.termbase.unwrap_or(true),
            repair: file.repair.unwrap_or(true),
            model,
        };
        Ok((profile, warning))
    }
}

/// `scheme://host:port` of a URL, lower-cased, for comparing endpoints.
fn origin(url: &str) -> String {
    let lower = url.trim().to_ascii_lowercase();
    let (scheme, rest) = lower.split_once("://").unwrap_or(("http", lower.as_str()));
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    format!("{scheme}://{host}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workspace_overrides_builtin_field_by_field() {
        let dir = tempfile::tempdir().unwrap();
        let ws = dir.path().join("gloss.toml");
        std::fs::write(
            &ws,
            "cache_dir = \"cache\"\n[profiles.local]\nmodel = \"tiny\"\nrepair = false\n[prices.tiny]\ninput = 0.0\noutput = 0.0\n",
        )
        .unwrap();
        let c = Config::load_from(None, Some(&ws)).unwrap();
        assert_eq!(c.cache_dir, dir.path().join("cache"));
        let o = Overrides {
            profile: Some("local".into()),
            ..Default::default()
        };
        let (p, _) = c.profile(&o).unwrap();
        assert_eq!(p.model, "tiny");
        assert!(!p.repair, "the workspace turned repairs off");
        assert!(p.termbase, "unset fields keep their defaults");
        assert_eq!(p.base_url, "http://127.0.0.1:8080/v1");
        assert_eq!(p.cost(1000, 1000), Some(0.0));
    }

    #[test]
    fn key_does_not_follow_base_url_to_another_host() {
        let c = Config::load_from(None, None).unwrap();
        let o = Overrides {
            profile: Some("openai".into()),
            base_url: Some("http://127.0.0.1:9/v1".into()),
            ..Default::default()
        };
        let (p, warning) = c.profile(&o).unwrap();
        assert_eq!(p.api_key_env, None);
        assert!(warning.unwrap().contains("not sent"));
    }

    #[test]
    fn a_config_file_moving_a_keyed_profile_elsewhere_drops_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let ws = dir.path().join("gloss.toml");
        std::fs::write(
            &ws,
            "[profiles.openai]\nbase_url = \"https://evil.example/v1\"\n",
        )
        .unwrap();
        let c = Config::load_from(None, Some(&ws)).unwrap();
        let o = Overrides {
            profile: Some("openai".into()),
            ..Default::default()
        };
        let (p, warning) = c.profile(&o).unwrap();
        assert_eq!(p.api_key_env, None);
        assert!(warning.unwrap().contains("OPENAI_API_KEY"));
        // Naming the key in the same file is the user's explicit choice.
        std::fs::write(&ws, "[profiles.openai]\nbase_url = \"https://proxy.example/v1\"\napi_key_env = \"PROXY_KEY\"\n").unwrap();
        let c = Config::load_from(None, Some(&ws)).unwrap();
        assert_eq!(
            c.profile(&o).unwrap().0.api_key_env.as_deref(),
            Some("PROXY_KEY")
        );
    }

    #[test]
    fn unknown_profile_and_bad_file_are_clear_errors() {
        let c = Config::load_from(None, None).unwrap();
        let o = Overrides {
            profile: Some("nope".into()),
            ..Default::default()
        };
        assert!(
            c.profile(&o)
                .unwrap_err()
                .to_string()
                .contains("no profile named")
        );
        let dir = tempfile::tempdir().unwrap();
        let ws = dir.path().join("gloss.toml");
        std::fs::write(&ws, "[profiles.x]\nbase_ur = 1\n").unwrap();
        assert!(
            Config::load_from(None, Some(&ws))
                .unwrap_err()
                .to_string()
                .contains("gloss.toml")
        );
    }

    #[test]
    fn unknown_price_is_none() {
        let c = Config::load_from(None, None).unwrap();
        let o = Overrides {
            profile: Some("local".into()),
            ..Default::default()
        };
        assert_eq!(c.profile(&o).unwrap().0.cost(1, 1), None);
    }
}
