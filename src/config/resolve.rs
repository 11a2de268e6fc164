//! Resolution: the profile a command uses, after the files, the
//! environment and the flags, with where each value came from.

use super::*;

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
    /// Segments in one translation request; 0: the whole chunk.
    pub segments_per_request: usize,
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
    /// When to ask the model where the articles start.
    pub structure: super::StructureMode,
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
            context_window: self.context_window,
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

impl Config {
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
        if file.concurrency == Some(0) && overrides.jobs.is_none() {
            return Err(ConfigError(format!(
                "profile {name:?}: concurrency = 0 is no number of requests in flight; use 1 or more (or pass --jobs)"
            )));
        }
        let chunk_tokens = overrides.chunk_tokens.or(file.chunk_tokens).unwrap_or(600);
        if chunk_tokens < super::MIN_CHUNK_TOKENS {
            return Err(ConfigError(format!(
                "profile {name:?}: chunk_tokens = {chunk_tokens} is too small a chunk; use at least {} (default 600)",
                super::MIN_CHUNK_TOKENS
            )));
        }
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
            chunk_tokens,
            segments_per_request: file.segments_per_request.unwrap_or(0),
            max_attempts: file.max_attempts.unwrap_or(5).max(1),
            termbase: file.termbase.unwrap_or(true),
            repair: file.repair.unwrap_or(true),
            section_names: file.section_names.unwrap_or(true),
            batch_discount: file.batch_discount.unwrap_or(1.0),
            structure: file.structure.unwrap_or_default(),
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
    pub(super) fn profile_file(&self, name: &str) -> Result<ProfileFile> {
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
    pub(super) fn concurrency_and_batch(
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
pub(super) fn endpoints_and_key(
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
            // Only a key that is set is worth a word about not sending it.
            let key_is_set = api_key_env
                .as_deref()
                .and_then(|var| std::env::var(var).ok())
                .is_some_and(|key| !key.trim().is_empty());
            if key_is_set {
                warnings.push(format!(
                "--base-url points away from profile {name:?}'s endpoint, so its key ({}) is not sent; pass --api-key-env VAR to send one",
                api_key_env.as_deref().unwrap_or_default()
                ));
            }
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
pub(super) fn flag_origins(overrides: &Overrides, origins: &mut BTreeMap<&'static str, Origin>) {
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

/// `host:port` of a URL, for messages.
pub fn host_of(url: &str) -> String {
    let o = origin(url);
    let host = o.split_once("://").map_or(o.as_str(), |(_, h)| h);
    // Never a `user:password@` part.
    host.rsplit_once('@').map_or(host, |(_, h)| h).to_string()
}

/// Drop repeated entries, keeping the first of each.
pub(super) fn dedup_in_order(list: &mut Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    list.retain(|x| seen.insert(x.clone()));
}

/// `scheme://host:port` of a URL, lower-cased, for comparing endpoints.
pub(super) fn origin(url: &str) -> String {
    let lower = url.trim().to_ascii_lowercase();
    let (scheme, rest) = lower.split_once("://").unwrap_or(("http", lower.as_str()));
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    format!("{scheme}://{host}")
}

/// The known name a mistyped `name` most likely meant: at most a third of
/// its letters (and at least one) away, case ignored; ties go to the first.
pub fn closest<'a>(name: &str, known: &[&'a str]) -> Option<&'a str> {
    let name = name.to_lowercase();
    let limit = (name.chars().count() / 3).max(1);
    known
        .iter()
        .map(|k| (strsim::osa_distance(&name, &k.to_lowercase()), *k))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}
