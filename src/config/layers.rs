//! The layers: built-in profiles, the user's file, the workspace file,
//! read and merged field by field, each value noting where it came from.

use super::*;

pub(super) fn builtin() -> ConfigFile {
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
        segments_per_request: Some(1),
        ..Default::default()
    };
    // The bundled 1.5B repairs almost nothing it is asked to (0 of 4 flagged
    // segments on the benchmark's dev half, 2 of 8 on two sample articles)
    // and each repair costs a long request: its checks still flag.
    profiles.insert(
        "local".into(),
        ProfileFile {
            repair: Some(false),
            ..local("http://127.0.0.1:8080/v1", "qwen2.5-coder-1.5b-instruct")
        },
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

pub(super) fn read_file(path: &Path) -> Result<Option<ConfigFile>> {
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
pub(super) fn merge_profile(
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
        segments_per_request,
        max_attempts,
        termbase,
        repair,
        section_names,
        batch_discount,
        structure
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

    /// Merge one file's contents.
    pub(super) fn apply(&mut self, path: &Path, file: ConfigFile, from: Origin, trusted: bool) {
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
}
