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
//!
//! Files: `schema.rs` what a file may say, `layers.rs` reading and merging
//! the layers, `trust.rs` what an untrusted workspace may not do,
//! `resolve.rs` the [`Profile`] a command uses (and the plain settings the
//! LLM client takes from it), `report.rs` what `gloss config` shows.

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

/// The smallest chunk budget, in source tokens: below it a chunk holds a
/// few words of a sentence, and every one of them costs a request.
pub const MIN_CHUNK_TOKENS: usize = 32;

type Result<T, E = ConfigError> = std::result::Result<T, E>;

mod layers;
mod report;
mod resolve;
mod schema;
mod trust;

pub use report::{KeyDestination, Report, Setting};
use resolve::*;
pub use resolve::{Profile, closest, host_of};
pub use schema::{ConfigFile, Origin, Price, ProfileFile, SourceFile, StructureMode};
use trust::*;

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
        let (p, warnings) = c.profile(&o).unwrap();
        assert_eq!(p.api_key_env, None);
        // The warning needs a key to speak of (tests/trust.rs sets one).
        assert_eq!(
            key_is_set(),
            warnings.iter().any(|w| w.contains("not sent"))
        );
    }

    /// Whether this process has an OpenAI key (the warning about not
    /// sending it depends on it).
    fn key_is_set() -> bool {
        std::env::var("OPENAI_API_KEY").is_ok_and(|k| !k.trim().is_empty())
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
    fn an_untrusted_workspace_keeps_its_cache_inside_its_folder() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        std::fs::create_dir(&home).unwrap();
        for outside in [
            format!("cache_dir = {:?}\n", home.display().to_string()),
            "cache_dir = \"../elsewhere\"\n".to_string(),
            "cache_dir = \"inside/../../x\"\n".to_string(),
        ] {
            let (u, w) = files(dir.path(), "", &outside);
            let c = Config::load_from(Some(&u), Some(&w)).unwrap();
            assert_ne!(c.cache_dir(&Overrides::default()), home, "{outside}");
            assert!(
                !c.cache_dir(&Overrides::default()).starts_with(dir.path()),
                "{outside}"
            );
            let refusals = c.refusals().unwrap_or_default();
            assert!(refusals.contains("cache_dir"), "{outside}: {refusals}");
        }
        // A link inside the workspace that leads out is outside too.
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(&home, dir.path().join("ws/link")).unwrap();
            let (u, w) = files(dir.path(), "", "cache_dir = \"link/cache\"\n");
            let c = Config::load_from(Some(&u), Some(&w)).unwrap();
            assert!(c.refusals().unwrap_or_default().contains("cache_dir"));
        }
        // Inside its folder (existing or not) it applies.
        let (u, w) = files(dir.path(), "", "cache_dir = \"cache\"\n");
        let c = Config::load_from(Some(&u), Some(&w)).unwrap();
        assert_eq!(
            c.cache_dir(&Overrides::default()),
            dir.path().join("ws/cache")
        );
        assert!(c.refusals().is_none());
        // The user may trust the workspace, or set the cache in their own file.
        let (u, w) = files(dir.path(), "", "cache_dir = \"../elsewhere\"\n");
        let trusted = Config::load_layers(Some(&u), Some(&w), true).unwrap();
        assert_eq!(
            trust::real_path(&trusted.cache_dir(&Overrides::default())),
            trust::real_path(&dir.path().join("elsewhere"))
        );
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
        assert_eq!(
            key_is_set(),
            warnings.iter().any(|w| w.contains("not sent")),
            "{warnings:?}"
        );
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
