//! Configuration: endpoint profiles, prices and the cache location.
//!
//! Sources, later ones winning field by field: built-in profiles, the user's
//! config file (`~/.config/gloss/config.toml`), the workspace `gloss.toml` in
//! the current directory, then command-line flags.
//!
//! Trust: the user's own file, flags and environment are trusted. A
//! workspace file came with a repository, so unless the user trusts it
//! (`--trust-workspace`, or its folder listed in `trusted_workspaces` of the
//! user's file) it may set paths, prompts, chunking and models, but may not
//! name a key variable, move a profile that sends a key to another host, or
//! make a profile that sends a key the default. What it tried is ignored and
//! said in one line ([`Config::refusals`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::redact::redact_url;

/// A configuration file that is malformed or names something that does not
/// exist. Its own type, so the configuration depends on nothing but
/// [`crate::redact`] (the client reads profiles; the error type wraps both).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

type Result<T, E = ConfigError> = std::result::Result<T, E>;

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

/// A fully resolved profile.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub name: String,
    /// The first (often the only) endpoint.
    pub base_url: String,
    /// Further endpoints serving the same model (`base_urls`, or
    /// `--base-url` given again); the concurrency limit is shared by all.
    pub replicas: Vec<String>,
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
    /// Whether runs translate the section names for the outputs' headings
    /// (off: the headings keep the source language, one request fewer).
    pub section_names: bool,
    /// Price factor of the Batch API, applied by [`Profile::cost`] in batch mode.
    pub batch_discount: f64,
    /// Batch mode of the run and where batch results wait (see `llm::batch`).
    pub batch: crate::llm::batch::BatchOptions,
}

impl Profile {
    /// Every endpoint of the profile, the first one first.
    pub fn endpoints(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.base_url.as_str()).chain(self.replicas.iter().map(String::as_str))
    }

    /// The API key from this profile's own variable, if it names one and it is set.
    /// A key is read only for the profile that names it, so it only ever goes
    /// to that profile's endpoint.
    pub fn api_key(&self) -> Option<String> {
        crate::llm::key_from(self.api_key_env.as_deref())
    }

    /// What the LLM client needs of this profile: endpoints, model, key
    /// variable, limits and batch mode (not chunking, termbase or repairs).
    pub fn client_settings(&self) -> crate::llm::Settings {
        crate::llm::Settings {
            name: self.name.clone(),
            base_url: self.base_url.clone(),
            replicas: self.replicas.clone(),
            model: self.model.clone(),
            api_key_env: self.api_key_env.clone(),
            temperature: self.temperature,
            max_output_tokens: self.max_output_tokens,
            concurrency: self.concurrency,
            requests_per_minute: self.requests_per_minute,
            tokens_per_minute: self.tokens_per_minute,
            timeout_secs: self.timeout_secs,
            max_attempts: self.max_attempts,
            batch: self.batch.clone(),
        }
    }

    /// A request of `messages` with this profile's model, temperature and
    /// output limit.
    pub fn request(
        &self,
        messages: impl Into<Vec<crate::llm::ChatMessage>>,
    ) -> crate::llm::ChatRequest {
        crate::llm::ChatRequest::new(
            &self.model,
            self.temperature,
            self.max_output_tokens,
            messages,
        )
    }

    /// Estimated cost in dollars, or `None` when the price is unknown; at
    /// batch prices (the price times `batch_discount`) when the run submits batches.
    pub fn cost(&self, input_tokens: u64, output_tokens: u64) -> Option<f64> {
        let factor = match self.batch.submits() {
            true => self.batch_discount,
            false => 1.0,
        };
        self.price.map(|p| {
            (input_tokens as f64 * p.input + output_tokens as f64 * p.output) * factor / 1e6
        })
    }
}

/// Everything a command needs from configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub cache_dir: PathBuf,
    pub default_profile: String,
    pub profiles: BTreeMap<String, ProfileFile>,
    pub prices: BTreeMap<String, Price>,
    /// The files that were read, for `gloss doctor` and `gloss config`.
    pub files: Vec<SourceFile>,
    /// Per profile, keys that a config file's `base_url` moved away from.
    dropped_keys: BTreeMap<String, String>,
    /// Per profile and field, where the value came from.
    origins: BTreeMap<String, BTreeMap<&'static str, Origin>>,
    cache_dir_origin: Origin,
    default_profile_origin: Origin,
    /// What an untrusted workspace file tried and was ignored, and the file.
    refused: Vec<String>,
    refused_in: Option<PathBuf>,
}

/// A resolved profile with where each of its values came from.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub profile: Profile,
    /// Field name → origin, for the fields a source set.
    pub origins: BTreeMap<&'static str, Origin>,
    /// Lines to show on stderr: settings ignored, keys not sent.
    pub warnings: Vec<String>,
}

impl Resolved {
    /// The variable and host a key is sent to, when the profile sends one.
    pub fn key_destination(&self) -> Option<(String, String)> {
        let var = self.profile.api_key_env.clone()?;
        let mut hosts: Vec<String> = Vec::new();
        for host in self.profile.endpoints().map(host_of) {
            if !hosts.contains(&host) {
                hosts.push(host);
            }
        }
        Some((var, hosts.join(", ")))
    }
}

/// Overrides from the command line.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub profile: Option<String>,
    /// `--base-url`, once per endpoint (empty: the profile's own).
    pub base_urls: Vec<String>,
    pub model: Option<String>,
    pub api_key_env: Option<String>,
    pub jobs: Option<usize>,
    pub chunk_tokens: Option<usize>,
    pub cache_dir: Option<PathBuf>,
    /// `--trust-workspace`: honour the workspace file's key settings.
    pub trust_workspace: bool,
    /// `profile` came from `$GLOSS_PROFILE`, not `--profile` (for the report).
    pub profile_from_env: bool,
    /// `model` came from `$GLOSS_MODEL`, not `--model` (for the report).
    pub model_from_env: bool,
    /// `--batch` and the batch store's use (the store folder is set by [`Config::resolve`]).
    pub batch: crate::llm::batch::BatchOptions,
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
            batch_discount: Some(0.5),
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
        local("http://127.0.0.1:8080/v1", "qwen2.5-coder-1.5b-instruct"),
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
        trusted_workspaces: Vec::new(),
    }
}

fn read_file(path: &Path) -> Result<Option<ConfigFile>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(ConfigError(format!("{}: {e}", path.display()))),
    };
    let mut file: ConfigFile = toml::from_str(&text)
        .map_err(|e| ConfigError(format!("{}: {}", path.display(), e.message())))?;
    if let Some(dir) = &file.cache_dir
        && dir.is_relative()
    {
        let base = path.parent().unwrap_or(Path::new("."));
        file.cache_dir = Some(base.join(dir));
    }
    for (name, profile) in &file.profiles {
        let problem = match (&profile.base_url, &profile.base_urls) {
            (Some(_), Some(_)) => "set base_url or base_urls, not both",
            (_, Some(urls)) if urls.is_empty() => "base_urls is empty",
            _ => continue,
        };
        return Err(ConfigError(format!(
            "{}: profiles.{name}: {problem}",
            path.display()
        )));
    }
    Ok(Some(file))
}

/// Copy the fields `from` sets into `into`, noting where each came from.
fn merge_profile(
    into: &mut ProfileFile,
    from: ProfileFile,
    origins: &mut BTreeMap<&'static str, Origin>,
    origin: &Origin,
) {
    // The endpoints are one setting, shown as `base_url`.
    if from.base_url.is_some() || from.base_urls.is_some() {
        into.base_url = from.base_url;
        into.base_urls = from.base_urls;
        origins.insert("base_url", origin.clone());
    }
    macro_rules! take {
        ($($f:ident),*) => { $( if from.$f.is_some() {
            into.$f = from.$f;
            origins.insert(stringify!($f), origin.clone());
        } )* };
    }
    take!(
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
        repair,
        section_names,
        batch_discount
    );
}

impl Config {
    /// Load built-ins, the user's file and the workspace file in `cwd`; the
    /// workspace is trusted only if the user's file lists it.
    pub fn load(cwd: &Path) -> Result<Self> {
        Self::load_with(cwd, false)
    }

    /// [`Config::load`], trusting the workspace when `trust_workspace` (the flag).
    pub fn load_with(cwd: &Path, trust_workspace: bool) -> Result<Self> {
        let user = directories::ProjectDirs::from("", "", "gloss")
            .map(|d| d.config_dir().join("config.toml"));
        let workspace = cwd.join("gloss.toml");
        Self::load_layers(user.as_deref(), Some(&workspace), trust_workspace)
    }

    /// Load from explicit files, the workspace untrusted unless the user file
    /// lists it (tests use this to keep the user's home out).
    pub fn load_from(user: Option<&Path>, workspace: Option<&Path>) -> Result<Self> {
        Self::load_layers(user, workspace, false)
    }

    /// Load from explicit files; `trust_workspace` is the flag.
    pub fn load_layers(
        user: Option<&Path>,
        workspace: Option<&Path>,
        trust_workspace: bool,
    ) -> Result<Self> {
        let base = builtin();
        let mut origins: BTreeMap<String, BTreeMap<&'static str, Origin>> = BTreeMap::new();
        for (name, profile) in &base.profiles {
            let mut fields = BTreeMap::new();
            merge_profile(
                &mut ProfileFile::default(),
                profile.clone(),
                &mut fields,
                &Origin::BuiltIn,
            );
            origins.insert(name.clone(), fields);
        }
        let mut config = Config {
            cache_dir: directories::ProjectDirs::from("", "", "gloss")
                .map(|d| d.cache_dir().to_path_buf())
                .unwrap_or_else(|| PathBuf::from(".gloss-cache")),
            default_profile: base.default_profile.clone().unwrap_or_default(),
            profiles: base.profiles,
            prices: base.prices,
            files: Vec::new(),
            dropped_keys: BTreeMap::new(),
            origins,
            cache_dir_origin: Origin::BuiltIn,
            default_profile_origin: Origin::BuiltIn,
            refused: Vec::new(),
            refused_in: None,
        };
        let mut trusted_dirs = Vec::new();
        if let Some(path) = user
            && let Some(file) = read_file(path)?
        {
            trusted_dirs = file
                .trusted_workspaces
                .iter()
                .map(|p| canonical(&path.parent().unwrap_or(Path::new(".")).join(p)))
                .collect();
            config.apply(path, file, Origin::User(path.to_path_buf()), true);
        }
        if let Some(path) = workspace
            && let Some(mut file) = read_file(path)?
        {
            let dir = canonical(path.parent().unwrap_or(Path::new(".")));
            let trusted = trust_workspace
                || trusted_dirs
                    .iter()
                    .any(|t| *t == dir || *t == canonical(path));
            if !trusted {
                config.screen(path, &mut file);
            }
            config.apply(path, file, Origin::Workspace(path.to_path_buf()), trusted);
        }
        Ok(config)
    }

    /// Drop from an untrusted workspace file what would choose a secret or
    /// send one elsewhere, noting each refusal.
    fn screen(&mut self, path: &Path, file: &mut ConfigFile) {
        let before = self.refused.len();
        if !file.trusted_workspaces.is_empty() {
            self.refused
                .push("trusted_workspaces (only your user config can trust a workspace)".into());
            file.trusted_workspaces.clear();
        }
        for (name, profile) in &mut file.profiles {
            let current = self.profiles.get(name);
            let current_var = current.and_then(|p| p.api_key_env.clone());
            if let Some(var) = &profile.api_key_env
                && current_var.as_ref() != Some(var)
            {
                self.refused.push(format!(
                    "profiles.{name}.api_key_env = {var:?} (a workspace may not choose which secret is sent)"
                ));
                profile.api_key_env = None;
            }
            let old = current.map(ProfileFile::endpoints).unwrap_or_default();
            if let Some(var) = &current_var
                && !old.is_empty()
                && let Some(new) = moved_to(&old, &profile.endpoints())
            {
                let field = match profile.base_urls {
                    Some(_) => "base_urls",
                    None => "base_url",
                };
                self.refused.push(format!(
                    "profiles.{name}.{field} = {:?} (it would send ${var} to {})",
                    redact_url(new),
                    host_of(new)
                ));
                profile.base_url = None;
                profile.base_urls = None;
            }
        }
        if let Some(name) = &file.default_profile
            && *name != self.default_profile
        {
            // Keys come only from trusted sources, so a profile sends one
            // here exactly when it did before this file.
            let keyed = self.profiles.get(name).and_then(|p| p.api_key_env.as_ref());
            if let Some(var) = keyed {
                self.refused.push(format!(
                    "default_profile = {name:?} (it sends ${var}; pass --profile {name} to use it)"
                ));
                file.default_profile = None;
            }
        }
        if self.refused.len() > before {
            self.refused_in = Some(path.to_path_buf());
        }
    }

    /// Merge one file's contents.
    fn apply(&mut self, path: &Path, file: ConfigFile, from: Origin, trusted: bool) {
        let role = match from {
            Origin::Workspace(_) => "workspace",
            _ => "user",
        };
        self.files.push(SourceFile {
            path: path.to_path_buf(),
            role,
            trusted,
        });
        if let Some(dir) = file.cache_dir {
            self.cache_dir = dir;
            self.cache_dir_origin = from.clone();
        }
        if let Some(p) = file.default_profile {
            self.default_profile = p;
            self.default_profile_origin = from.clone();
        }
        for (name, profile) in file.profiles {
            let into = self.profiles.entry(name.clone()).or_default();
            let fields = self.origins.entry(name.clone()).or_default();
            // A file that points a keyed profile at another host without
            // naming a key for it does not get the key of the host it replaced.
            if let Some(var) = &into.api_key_env
                && !into.endpoints().is_empty()
                && moved_to(&into.endpoints(), &profile.endpoints()).is_some()
                && profile.api_key_env.is_none()
            {
                self.dropped_keys.insert(
                    name.clone(),
                    format!(
                        "{} points profile {name:?} at another host, so its key (${var}) is not sent; set api_key_env in that file to send one",
                        path.display()
                    ),
                );
                into.api_key_env = None;
                fields.remove("api_key_env");
            }
            merge_profile(into, profile, fields, &from);
        }
        self.prices.extend(file.prices);
    }

    /// The one line saying what an untrusted workspace file tried and how to
    /// trust it, if it tried anything.
    pub fn refusals(&self) -> Option<String> {
        let path = self.refused_in.as_ref()?;
        Some(format!(
            "ignored in {} (an untrusted workspace may not choose keys or where they go): {}; if you trust this folder, pass --trust-workspace or add it to trusted_workspaces in your user config",
            path.display(),
            self.refused.join(", ")
        ))
    }

    /// Where the cache folder came from.
    pub fn cache_dir_origin(&self, overrides: &Overrides) -> Origin {
        if overrides.cache_dir.is_some() {
            Origin::Flag("--cache-dir")
        } else if std::env::var_os("GLOSS_CACHE_DIR").is_some() {
            Origin::Env("GLOSS_CACHE_DIR")
        } else {
            self.cache_dir_origin.clone()
        }
    }

    /// The cache folder after `--cache-dir` and `GLOSS_CACHE_DIR`.
    pub fn cache_dir(&self, overrides: &Overrides) -> PathBuf {
        overrides
            .cache_dir
            .clone()
            .or_else(|| std::env::var_os("GLOSS_CACHE_DIR").map(PathBuf::from))
            .unwrap_or_else(|| self.cache_dir.clone())
    }

    /// Resolve the profile to use. Returns the profile and the warnings to show.
    pub fn profile(&self, overrides: &Overrides) -> Result<(Profile, Vec<String>)> {
        self.resolve(overrides).map(|r| (r.profile, r.warnings))
    }

    /// Resolve the profile to use, with where each value came from.
    pub fn resolve(&self, overrides: &Overrides) -> Result<Resolved> {
        let name = overrides
            .profile
            .clone()
            .unwrap_or_else(|| self.default_profile.clone());
        let file = self.profile_file(&name)?;
        let mut origins = self.origins.get(&name).cloned().unwrap_or_default();
        let mut warnings: Vec<String> = self.refusals().into_iter().collect();
        warnings.extend(self.dropped_keys.get(&name).cloned());
        let (endpoints, api_key_env) =
            endpoints_and_key(&name, &file, overrides, &mut origins, &mut warnings)?;
        flag_origins(overrides, &mut origins);
        let model = overrides
            .model
            .clone()
            .or(file.model.clone())
            .ok_or_else(|| ConfigError(format!("profile {name:?} has no model")))?;
        let price = self.prices.get(&model).copied();
        let mut endpoints: Vec<String> = endpoints
            .iter()
            .map(|u| u.trim().trim_end_matches('/').to_string())
            .collect();
        dedup_in_order(&mut endpoints);
        let base_url = endpoints.remove(0);
        let (concurrency, batch) = self.concurrency_and_batch(&file, overrides, &mut origins);
        let profile = Profile {
            name,
            base_url,
            replicas: endpoints,
            price,
            api_key_env,
            temperature: file.temperature.unwrap_or(0.0),
            max_output_tokens: file.max_output_tokens.unwrap_or(2048),
            concurrency,
            requests_per_minute: file.requests_per_minute,
            tokens_per_minute: file.tokens_per_minute,
            timeout_secs: file.timeout_secs.unwrap_or(120),
            context_window: file.context_window.unwrap_or(8192),
            chunk_tokens: overrides.chunk_tokens.or(file.chunk_tokens).unwrap_or(600),
            max_attempts: file.max_attempts.unwrap_or(5).max(1),
            termbase: file.termbase.unwrap_or(true),
            repair: file.repair.unwrap_or(true),
            section_names: file.section_names.unwrap_or(true),
            batch_discount: file.batch_discount.unwrap_or(1.0),
            batch,
            model,
        };
        Ok(Resolved {
            profile,
            origins,
            warnings,
        })
    }

    /// The profile `name` as the config files define it; an error naming
    /// the known ones (and the closest, for a typo) when there is none.
    fn profile_file(&self, name: &str) -> Result<ProfileFile> {
        self.profiles.get(name).cloned().ok_or_else(|| {
            let known: Vec<&str> = self.profiles.keys().map(|k| k.as_str()).collect();
            match closest(name, &known) {
                Some(near) => ConfigError(format!(
                    "no profile named {name:?}; did you mean {near:?}? (known: {})",
                    known.join(", ")
                )),
                None => ConfigError(format!(
                    "no profile named {name:?} (known: {}); define it in gloss.toml under [profiles.{name}]",
                    known.join(", ")
                )),
            }
        })
    }

    /// The concurrency and batch settings: `--jobs` over the profile's, and
    /// with `--batch` every ready request goes into the batch.
    fn concurrency_and_batch(
        &self,
        file: &ProfileFile,
        overrides: &Overrides,
        origins: &mut BTreeMap<&'static str, Origin>,
    ) -> (usize, crate::llm::batch::BatchOptions) {
        let mut concurrency = overrides.jobs.or(file.concurrency).unwrap_or(4).max(1);
        let mut batch = overrides.batch.clone();
        batch.store = Some(self.cache_dir(overrides).join(crate::llm::batch::STORE_DIR));
        if batch.collects() {
            // Every ready request goes into the batch; requests that fall
            // back to normal ones keep the profile's own limit.
            batch.fallback_concurrency = concurrency;
            concurrency = crate::llm::batch::BATCH_CONCURRENCY;
            origins.insert("concurrency", Origin::Flag("--batch"));
        }
        (concurrency, batch)
    }
}

/// The endpoints (as given, not yet normalized) and key variable of profile
/// `name` after `OPENAI_BASE_URL`, `--base-url` and `--api-key-env`, noting
/// where they came from; a warning when `--base-url` drops the key.
fn endpoints_and_key(
    name: &str,
    file: &ProfileFile,
    overrides: &Overrides,
    origins: &mut BTreeMap<&'static str, Origin>,
    warnings: &mut Vec<String>,
) -> Result<(Vec<String>, Option<String>)> {
    let mut endpoints: Vec<String> = file.endpoints().into_iter().map(str::to_string).collect();
    if endpoints.is_empty() {
        return Err(ConfigError(format!("profile {name:?} has no base_url")));
    }
    let mut api_key_env = file.api_key_env.clone();
    // Like the official SDKs, OPENAI_BASE_URL redirects the default OpenAI profile.
    if name == "openai"
        && let Ok(url) = std::env::var("OPENAI_BASE_URL")
        && !url.trim().is_empty()
    {
        endpoints = vec![url];
        origins.insert("base_url", Origin::Env("OPENAI_BASE_URL"));
    }
    if !overrides.base_urls.is_empty() {
        // A key belongs to its endpoints: a different host gets no key
        // unless the user names one for it explicitly.
        let old: Vec<&str> = endpoints.iter().map(String::as_str).collect();
        let new: Vec<&str> = overrides.base_urls.iter().map(String::as_str).collect();
        if api_key_env.is_some()
            && moved_to(&old, &new).is_some()
            && overrides.api_key_env.is_none()
        {
            warnings.push(format!(
                "--base-url points away from profile {name:?}'s endpoint, so its key ({}) is not sent; pass --api-key-env VAR to send one",
                api_key_env.as_deref().unwrap_or_default()
            ));
            api_key_env = None;
            origins.remove("api_key_env");
        }
        endpoints = overrides.base_urls.clone();
        origins.insert("base_url", Origin::Flag("--base-url"));
    }
    if let Some(var) = &overrides.api_key_env {
        api_key_env = Some(var.clone());
        origins.insert("api_key_env", Origin::Flag("--api-key-env"));
    }
    Ok((endpoints, api_key_env))
}

/// Note the settings the command line (or `GLOSS_MODEL`) sets directly.
fn flag_origins(overrides: &Overrides, origins: &mut BTreeMap<&'static str, Origin>) {
    if overrides.model.is_some() {
        let origin = match overrides.model_from_env {
            true => Origin::Env("GLOSS_MODEL"),
            false => Origin::Flag("--model"),
        };
        origins.insert("model", origin);
    }
    if overrides.jobs.is_some() {
        origins.insert("concurrency", Origin::Flag("--jobs"));
    }
    if overrides.chunk_tokens.is_some() {
        origins.insert("chunk_tokens", Origin::Flag("--budget"));
    }
}

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
            ("max_attempts", p.max_attempts.to_string()),
            ("termbase", p.termbase.to_string()),
            ("repair", p.repair.to_string()),
            ("section_names", p.section_names.to_string()),
            ("batch_discount", p.batch_discount.to_string()),
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

/// A folder or file with symlinks and `..` resolved, as written when it
/// does not exist (it then matches nothing real).
fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// `host:port` of a URL, for messages.
pub fn host_of(url: &str) -> String {
    let o = origin(url);
    let host = o.split_once("://").map_or(o.as_str(), |(_, h)| h);
    // Never a `user:password@` part.
    host.rsplit_once('@').map_or(host, |(_, h)| h).to_string()
}

/// The first of `new` endpoints on a host none of `old` is on, if any: a
/// key sent to `old` must not follow it there.
fn moved_to<'a>(old: &[&str], new: &[&'a str]) -> Option<&'a str> {
    let known: Vec<String> = old.iter().map(|u| origin(u)).collect();
    new.iter().copied().find(|u| !known.contains(&origin(u)))
}

/// Drop repeated entries, keeping the first of each.
fn dedup_in_order(list: &mut Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    list.retain(|x| seen.insert(x.clone()));
}

/// `scheme://host:port` of a URL, lower-cased, for comparing endpoints.
fn origin(url: &str) -> String {
    let lower = url.trim().to_ascii_lowercase();
    let (scheme, rest) = lower.split_once("://").unwrap_or(("http", lower.as_str()));
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    format!("{scheme}://{host}")
}

/// The known name a mistyped `name` most likely meant: at most a third of
/// its letters (and at least one) away, case ignored; ties go to the first.
fn closest<'a>(name: &str, known: &[&'a str]) -> Option<&'a str> {
    let name = name.to_lowercase();
    let limit = (name.chars().count() / 3).max(1);
    known
        .iter()
        .map(|k| (strsim::osa_distance(&name, &k.to_lowercase()), *k))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
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
            base_urls: vec!["http://127.0.0.1:9/v1".into()],
            ..Default::default()
        };
        let (p, warning) = c.profile(&o).unwrap();
        assert_eq!(p.api_key_env, None);
        assert!(warning[0].contains("not sent"));
    }

    /// A user config at `dir/user.toml` and a workspace `dir/ws/gloss.toml`.
    fn files(dir: &Path, user: &str, workspace: &str) -> (PathBuf, PathBuf) {
        std::fs::create_dir_all(dir.join("ws")).unwrap();
        let (u, w) = (dir.join("user.toml"), dir.join("ws/gloss.toml"));
        std::fs::write(&u, user).unwrap();
        std::fs::write(&w, workspace).unwrap();
        (u, w)
    }

    fn profile_named(c: &Config, name: Option<&str>) -> (Profile, Vec<String>) {
        let o = Overrides {
            profile: name.map(str::to_string),
            ..Default::default()
        };
        c.profile(&o).unwrap()
    }

    const REDIRECT: &str = "[profiles.openai]\nbase_url = \"https://evil.example/v1\"\napi_key_env = \"OPENAI_API_KEY\"\nmodel = \"gpt-4o\"\n";

    #[test]
    fn an_untrusted_workspace_cannot_move_a_keyed_profile_or_name_its_key() {
        let dir = tempfile::tempdir().unwrap();
        let (u, w) = files(dir.path(), "", REDIRECT);
        let c = Config::load_from(Some(&u), Some(&w)).unwrap();
        let (p, warnings) = profile_named(&c, Some("openai"));
        assert_eq!(
            p.base_url, "https://api.openai.com/v1",
            "the redirect was ignored"
        );
        assert_eq!(p.api_key_env.as_deref(), Some("OPENAI_API_KEY"));
        assert_eq!(p.model, "gpt-4o", "model choices still apply");
        assert_eq!(warnings.len(), 1, "one line: {warnings:?}");
        for needle in [
            "profiles.openai.base_url",
            "evil.example",
            "--trust-workspace",
        ] {
            assert!(warnings[0].contains(needle), "{needle}: {}", warnings[0]);
        }
        assert!(!c.files[1].trusted);
    }

    #[test]
    fn an_untrusted_workspace_cannot_make_a_secret_the_key_of_a_new_default() {
        let dir = tempfile::tempdir().unwrap();
        for var in ["HOME", "SECRET_DB_PASSWORD"] {
            let ws = format!(
                "default_profile = \"x\"\n[profiles.x]\nbase_url = \"https://evil.example/v1\"\nmodel = \"m\"\napi_key_env = \"{var}\"\n"
            );
            let (u, w) = files(dir.path(), "", &ws);
            let c = Config::load_from(Some(&u), Some(&w)).unwrap();
            let (p, warnings) = profile_named(&c, None);
            assert_eq!(p.name, "x");
            assert_eq!(p.api_key_env, None, "{var} must never become a key");
            assert!(p.api_key().is_none());
            assert!(warnings[0].contains(&format!("profiles.x.api_key_env = \"{var}\"")));
        }
    }

    #[test]
    fn an_untrusted_workspace_cannot_make_a_keyed_profile_the_default() {
        let dir = tempfile::tempdir().unwrap();
        let user = "default_profile = \"local\"\n[profiles.work]\nbase_url = \"https://llm.work.example/v1\"\nmodel = \"m\"\napi_key_env = \"WORK_KEY\"\n";
        let (u, w) = files(dir.path(), user, "default_profile = \"work\"\n");
        let c = Config::load_from(Some(&u), Some(&w)).unwrap();
        let (p, warnings) = profile_named(&c, None);
        assert_eq!(p.name, "local");
        assert!(
            warnings[0].contains("default_profile = \"work\""),
            "{warnings:?}"
        );
        // A keyless default is a model choice, and allowed.
        let (u, w) = files(dir.path(), user, "default_profile = \"ollama\"\n");
        let c = Config::load_from(Some(&u), Some(&w)).unwrap();
        let (p, warnings) = profile_named(&c, None);
        assert_eq!((p.name.as_str(), warnings.len()), ("ollama", 0));
    }

    #[test]
    fn a_trusted_workspace_may_redirect_with_the_key() {
        let dir = tempfile::tempdir().unwrap();
        // By the flag…
        let (u, w) = files(dir.path(), "", REDIRECT);
        let c = Config::load_layers(Some(&u), Some(&w), true).unwrap();
        let (p, warnings) = profile_named(&c, Some("openai"));
        assert_eq!(p.base_url, "https://evil.example/v1");
        assert_eq!(p.api_key_env.as_deref(), Some("OPENAI_API_KEY"));
        assert!(warnings.is_empty(), "{warnings:?}");
        // …or listed in the user's file, by a path that resolves to it.
        let user = format!(
            "trusted_workspaces = [\"{}\"]\n",
            dir.path().join("ws/../ws").display()
        );
        let (u, w) = files(dir.path(), &user, REDIRECT);
        let c = Config::load_from(Some(&u), Some(&w)).unwrap();
        assert!(c.files[1].trusted);
        assert_eq!(
            profile_named(&c, Some("openai")).0.base_url,
            "https://evil.example/v1"
        );
        // A workspace cannot list itself.
        let ws = format!("trusted_workspaces = [\".\"]\n{REDIRECT}");
        let (u, w) = files(dir.path(), "", &ws);
        let c = Config::load_from(Some(&u), Some(&w)).unwrap();
        let (p, warnings) = profile_named(&c, Some("openai"));
        assert_eq!(p.base_url, "https://api.openai.com/v1");
        assert!(warnings[0].contains("trusted_workspaces"), "{warnings:?}");
    }

    #[test]
    fn this_repositorys_own_workspace_works_untrusted() {
        let ws = Path::new(env!("CARGO_MANIFEST_DIR")).join("gloss.toml");
        let c = Config::load_from(None, Some(&ws)).unwrap();
        let (p, warnings) = profile_named(&c, Some("local"));
        assert!(warnings.is_empty(), "{warnings:?}");
        assert!(
            p.base_url.starts_with("http://127.0.0.1:"),
            "{}",
            p.base_url
        );
        assert_eq!(p.api_key_env, None);
    }

    #[test]
    fn the_user_config_moving_a_keyed_profile_drops_the_key_unless_it_names_one() {
        let dir = tempfile::tempdir().unwrap();
        let moved = "[profiles.openai]\nbase_url = \"https://proxy.example/v1\"\n";
        for (user, key) in [
            (moved.to_string(), None),
            (
                format!("{moved}api_key_env = \"PROXY_KEY\"\n"),
                Some("PROXY_KEY"),
            ),
        ] {
            let (u, w) = files(dir.path(), &user, "");
            let c = Config::load_from(Some(&u), Some(&w)).unwrap();
            let (p, warnings) = profile_named(&c, Some("openai"));
            assert_eq!(p.api_key_env.as_deref(), key);
            let warned = warnings.iter().any(|w| w.contains("OPENAI_API_KEY"));
            assert_eq!(warned, key.is_none(), "{warnings:?}");
        }
    }

    #[test]
    fn the_report_says_where_each_value_came_from_and_where_the_key_goes() {
        let dir = tempfile::tempdir().unwrap();
        let (u, w) = files(
            dir.path(),
            "[profiles.openai]\nconcurrency = 3\n",
            "[profiles.openai]\nmodel = \"gpt-4.1\"\n",
        );
        let c = Config::load_from(Some(&u), Some(&w)).unwrap();
        let o = Overrides {
            profile: Some("openai".into()),
            chunk_tokens: Some(321),
            ..Default::default()
        };
        let r = c.report(&o).unwrap();
        let from = |field: &str| {
            r.settings
                .iter()
                .find(|s| s.field == field)
                .unwrap()
                .from
                .clone()
        };
        assert_eq!(from("concurrency"), Origin::User(u.clone()));
        assert_eq!(from("model"), Origin::Workspace(w.clone()));
        assert_eq!(from("chunk_tokens"), Origin::Flag("--budget"));
        assert_eq!(from("base_url"), Origin::BuiltIn);
        assert_eq!(r.profile_from, Origin::Flag("--profile"));
        let key = r.key.as_ref().unwrap();
        assert_eq!(
            (key.var.as_str(), key.host.as_str()),
            ("OPENAI_API_KEY", "api.openai.com")
        );
        assert!(
            r.files_line().contains("(workspace, not trusted)"),
            "{}",
            r.files_line()
        );
        let o = Overrides {
            profile: Some("local".into()),
            ..Default::default()
        };
        assert_eq!(c.report(&o).unwrap().key_line(), "key: none sent");
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
    fn base_urls_list_replicas_and_replace_base_url_as_one_setting() {
        let dir = tempfile::tempdir().unwrap();
        let (u, w) = files(
            dir.path(),
            "[profiles.local]\nbase_urls = [\"http://127.0.0.1:8080/v1/\", \"http://10.0.0.2:8080/v1\", \"http://127.0.0.1:8080/v1\"]\n",
            "",
        );
        let c = Config::load_from(Some(&u), Some(&w)).unwrap();
        let (p, _) = profile_named(&c, Some("local"));
        assert_eq!(
            p.endpoints().collect::<Vec<_>>(),
            ["http://127.0.0.1:8080/v1", "http://10.0.0.2:8080/v1"],
            "trimmed, repeats dropped"
        );
        // A later file's base_url replaces the whole list.
        let (u, w) = files(
            dir.path(),
            "[profiles.local]\nbase_urls = [\"http://a:1/v1\", \"http://b:1/v1\"]\n",
            "[profiles.local]\nbase_url = \"http://127.0.0.1:9000/v1\"\n",
        );
        let c = Config::load_from(Some(&u), Some(&w)).unwrap();
        let (p, _) = profile_named(&c, Some("local"));
        assert_eq!(
            p.endpoints().collect::<Vec<_>>(),
            ["http://127.0.0.1:9000/v1"]
        );
        // Both in one profile, or an empty list: a clear error.
        for profile in [
            "base_url = \"http://a/v1\"\nbase_urls = [\"http://b/v1\"]",
            "base_urls = []",
        ] {
            let (u, w) = files(dir.path(), &format!("[profiles.local]\n{profile}\n"), "");
            let e = Config::load_from(Some(&u), Some(&w))
                .unwrap_err()
                .to_string();
            assert!(
                e.contains("profiles.local") && e.contains("base_url"),
                "{e}"
            );
        }
    }

    #[test]
    fn an_untrusted_workspace_may_list_replicas_only_where_the_key_already_goes() {
        let dir = tempfile::tempdir().unwrap();
        let user = "[profiles.work]\nbase_url = \"https://llm.work.example/v1\"\nmodel = \"m\"\napi_key_env = \"WORK_KEY\"\n";
        // Same host, another path: allowed, like base_url.
        let same = "[profiles.work]\nbase_urls = [\"https://llm.work.example/v1\", \"https://llm.work.example/replica/v1\"]\n";
        let (u, w) = files(dir.path(), user, same);
        let c = Config::load_from(Some(&u), Some(&w)).unwrap();
        let (p, warnings) = profile_named(&c, Some("work"));
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(p.replicas, ["https://llm.work.example/replica/v1"]);
        assert_eq!(p.api_key_env.as_deref(), Some("WORK_KEY"));
        // One replica elsewhere: the whole list is refused.
        let elsewhere = "[profiles.work]\nbase_urls = [\"https://llm.work.example/v1\", \"https://evil.example/v1\"]\n";
        let (u, w) = files(dir.path(), user, elsewhere);
        let c = Config::load_from(Some(&u), Some(&w)).unwrap();
        let (p, warnings) = profile_named(&c, Some("work"));
        assert_eq!(
            p.endpoints().collect::<Vec<_>>(),
            ["https://llm.work.example/v1"]
        );
        assert_eq!(p.api_key_env.as_deref(), Some("WORK_KEY"));
        assert!(
            warnings[0].contains("profiles.work.base_urls") && warnings[0].contains("evil.example"),
            "{warnings:?}"
        );
        // Trusted, it applies; the key follows only if the file names it,
        // as for base_url.
        let c = Config::load_layers(Some(&u), Some(&w), true).unwrap();
        let (p, warnings) = profile_named(&c, Some("work"));
        assert_eq!(p.replicas, ["https://evil.example/v1"]);
        assert_eq!(p.api_key_env, None);
        assert!(warnings[0].contains("$WORK_KEY"), "{warnings:?}");
        let named = format!("{elsewhere}api_key_env = \"WORK_KEY\"\n");
        let (u, w) = files(dir.path(), user, &named);
        let c = Config::load_layers(Some(&u), Some(&w), true).unwrap();
        let (p, warnings) = profile_named(&c, Some("work"));
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(p.replicas, ["https://evil.example/v1"]);
        assert_eq!(p.api_key_env.as_deref(), Some("WORK_KEY"));
        // The user's own file listing another host without naming a key
        // drops the key, as base_url does.
        let (u, w) = files(
            dir.path(),
            "[profiles.openai]\nbase_urls = [\"https://api.openai.com/v1\", \"https://proxy.example/v1\"]\n",
            "",
        );
        let c = Config::load_from(Some(&u), Some(&w)).unwrap();
        let (p, warnings) = profile_named(&c, Some("openai"));
        assert_eq!(p.api_key_env, None);
        assert!(
            warnings.iter().any(|w| w.contains("OPENAI_API_KEY")),
            "{warnings:?}"
        );
    }

    #[test]
    fn base_url_flags_replace_the_endpoints_and_keep_the_key_only_on_its_hosts() {
        let c = Config::load_from(None, None).unwrap();
        let flags = |urls: &[&str]| Overrides {
            profile: Some("openai".into()),
            base_urls: urls.iter().map(|u| u.to_string()).collect(),
            ..Default::default()
        };
        let (p, warnings) = c
            .profile(&flags(&[
                "https://api.openai.com/v1",
                "https://api.openai.com/v2",
            ]))
            .unwrap();
        assert_eq!(p.replicas, ["https://api.openai.com/v2"]);
        assert_eq!(p.api_key_env.as_deref(), Some("OPENAI_API_KEY"));
        assert!(warnings.is_empty(), "{warnings:?}");
        let (p, warnings) = c
            .profile(&flags(&[
                "https://api.openai.com/v1",
                "http://127.0.0.1:9/v1",
            ]))
            .unwrap();
        assert_eq!(p.api_key_env, None);
        assert!(warnings[0].contains("not sent"), "{warnings:?}");
        let r = c
            .report(&flags(&[
                "https://api.openai.com/v1",
                "https://api.openai.com/v2",
            ]))
            .unwrap();
        let shown = &r
            .settings
            .iter()
            .find(|s| s.field == "base_url")
            .unwrap()
            .value;
        assert_eq!(
            shown,
            "https://api.openai.com/v1, https://api.openai.com/v2"
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
