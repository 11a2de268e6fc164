//! The config file's schema: what a file may say (every field optional,
//! so that a file overrides single fields), and where a value came from.

use super::*;

/// One endpoint profile as written in a config file; every field optional so
/// files can override single fields.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ProfileFile {
    pub base_url: Option<String>,
    /// Several endpoints serving the same model (replicas), instead of
    /// `base_url`: requests go to the least busy one. One setting with
    /// `base_url`: a file that sets either replaces both.
    pub base_urls: Option<Vec<String>>,
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
    /// Segments sent in one translation request (default: the whole chunk).
    /// The built-in local profiles send one: a small model translates a
    /// segment alone better than amid its neighbours (docs/quality.md).
    pub segments_per_request: Option<usize>,
    /// Maximum attempts per request (first try included).
    pub max_attempts: Option<u32>,
    /// Extract a termbase per article (default true).
    pub termbase: Option<bool>,
    /// Re-request segments that fail a quality check (default true).
    pub repair: Option<bool>,
    /// Translate the section names, one short request (default true).
    pub section_names: Option<bool>,
    /// Price factor of the provider's Batch API (`--batch`); built-in openai: 0.5.
    pub batch_discount: Option<f64>,
    /// When to ask the model where the articles start (default auto).
    pub structure: Option<StructureMode>,
}

/// When a run or `gloss parse` asks the model about an issue's structure.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StructureMode {
    /// When the contents check is below 80 % and an endpoint is configured
    /// (`run`; `parse` only with `--model-structure`).
    #[default]
    Auto,
    /// Never: the rules alone.
    Rules,
    /// Whenever the issue has a contents list.
    Model,
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
    /// Workspace folders whose `gloss.toml` is trusted like this file (read
    /// from the user's own file only; absolute, or relative to its folder).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trusted_workspaces: Vec<PathBuf>,
}

/// Where a configuration value came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "from", content = "name", rename_all = "snake_case")]
pub enum Origin {
    /// gloss's own defaults.
    BuiltIn,
    /// The user's config file.
    User(PathBuf),
    /// The workspace `gloss.toml`.
    Workspace(PathBuf),
    /// A command-line flag.
    Flag(&'static str),
    /// An environment variable.
    Env(&'static str),
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::BuiltIn => write!(f, "built-in"),
            Origin::User(p) => write!(f, "user config {}", p.display()),
            Origin::Workspace(p) => write!(f, "workspace {}", p.display()),
            Origin::Flag(flag) => write!(f, "flag {flag}"),
            Origin::Env(var) => write!(f, "env ${var}"),
        }
    }
}

/// A config file that was read.
#[derive(Debug, Clone, Serialize)]
pub struct SourceFile {
    pub path: PathBuf,
    /// `user` or `workspace`.
    pub role: &'static str,
    /// Whether its key-related settings were honoured.
    pub trusted: bool,
}

impl ProfileFile {
    /// The endpoints this profile sets: `base_urls`, else `base_url`.
    pub fn endpoints(&self) -> Vec<&str> {
        match (&self.base_urls, &self.base_url) {
            (Some(urls), _) => urls.iter().map(String::as_str).collect(),
            (None, Some(url)) => vec![url.as_str()],
            (None, None) => Vec::new(),
        }
    }
}
