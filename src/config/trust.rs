//! Trust: what an untrusted workspace file may not do (choose a key, send
//! one to another host, make a keyed profile the default), and the line
//! that says what it tried.

use super::*;

impl Config {
    /// Drop from an untrusted workspace file what would choose a secret or
    /// send one elsewhere, noting each refusal.
    pub(super) fn screen(&mut self, path: &Path, file: &mut ConfigFile) {
        let before = self.refused.len();
        if !file.trusted_workspaces.is_empty() {
            self.refused
                .push("trusted_workspaces (only your user config can trust a workspace)".into());
            file.trusted_workspaces.clear();
        }
        // The cache is written to: a workspace may keep it only in its folder.
        let home = real_path(path.parent().unwrap_or(Path::new(".")));
        if let Some(dir) = &file.cache_dir
            && !real_path(dir).starts_with(&home)
        {
            self.refused.push(format!(
                "cache_dir = {:?} (outside the workspace: gloss would write its cache there)",
                dir.display().to_string()
            ));
            file.cache_dir = None;
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
}

/// A folder or file with symlinks and `..` resolved, as written when it
/// does not exist (it then matches nothing real).
pub(super) fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Where `path` really is, even before it exists: `.` and `..` resolved in
/// the text, then links resolved in the longest part that exists.
pub(super) fn real_path(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut lexical = PathBuf::new();
    for c in std::path::absolute(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .components()
    {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                lexical.pop();
            }
            other => lexical.push(other),
        }
    }
    let mut base = lexical.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = std::fs::canonicalize(base) {
            return rest.iter().rev().fold(real, |p, r| p.join(r));
        }
        match (base.parent(), base.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                base = parent;
            }
            _ => return lexical,
        }
    }
}

/// The first of `new` endpoints on a host none of `old` is on, if any: a
/// key sent to `old` must not follow it there.
pub(super) fn moved_to<'a>(old: &[&str], new: &[&'a str]) -> Option<&'a str> {
    let known: Vec<String> = old.iter().map(|u| origin(u)).collect();
    new.iter().copied().find(|u| !known.contains(&origin(u)))
}
