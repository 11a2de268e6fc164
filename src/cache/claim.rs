//! In-flight claims: two gloss processes on one cache do not send the same
//! request twice. Before asking the endpoint, a request takes a claim next
//! to its entry (`v1/ab/<key>.claim`, created atomically with
//! `create_new`); a second process (or task) that finds the claim waits
//! until it is released, then finds the entry the holder wrote. A claim is
//! released when its holder drops it (answer stored or failed, or the run
//! ends); one whose holder died (its pid is gone on this host) or that is
//! older than [`CLAIM_TIMEOUT`] is expired and taken over.

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use super::{Cache, CacheKey, Mode};

/// How long a claim holds at most: a request that takes longer (a slow
/// local model, a batch) is then sent by the waiter as well.
pub const CLAIM_TIMEOUT: Duration = Duration::from_secs(300);

/// How often a waiter looks again.
const POLL: Duration = Duration::from_millis(100);

/// A held claim; dropping it releases it.
#[derive(Debug)]
pub struct Claim {
    path: PathBuf,
    mine: String,
}

impl Drop for Claim {
    fn drop(&mut self) {
        // Only our own: an expired claim may have been taken over.
        if std::fs::read_to_string(&self.path).is_ok_and(|c| c == self.mine) {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// What a claim file says: `gloss-claim <pid> <host> <n>`, `n` telling
/// apart the claims of one process.
fn holder_line() -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("gloss-claim {} {} {n}", std::process::id(), host())
}

fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default()
}

/// Whether the claim `content`, of age `age`, no longer holds.
fn expired(content: &str, age: Duration, timeout: Duration) -> bool {
    if age > timeout {
        return true;
    }
    let mut parts = content.split_whitespace();
    let (Some("gloss-claim"), Some(pid), host_name) = (parts.next(), parts.next(), parts.next())
    else {
        // Not written whole yet, or not ours: let it age out.
        return false;
    };
    let same_host = host_name.unwrap_or("") == host();
    same_host && pid.parse::<u32>().is_ok_and(|pid| !alive(pid))
}

#[cfg(unix)]
fn alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: signal 0 only checks that the process exists.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(not(unix))]
fn alive(_pid: u32) -> bool {
    true
}

impl Cache {
    fn claim_path(&self, key: &CacheKey) -> PathBuf {
        self.path(key).with_extension("claim")
    }

    /// Take the claim on `key` before asking the endpoint, waiting while
    /// another process (or task) holds it; then look in the cache again.
    /// `None` when claims do not apply (the cache is off or refreshed, or
    /// cannot be written): the request is sent as before.
    pub async fn claim(&self, key: &CacheKey) -> Option<Claim> {
        self.claim_within(key, CLAIM_TIMEOUT).await
    }

    /// [`Cache::claim`] with its timeout given (tests).
    pub async fn claim_within(&self, key: &CacheKey, timeout: Duration) -> Option<Claim> {
        if !matches!(self.mode, Mode::Normal | Mode::RetryFailed) {
            return None;
        }
        let path = self.claim_path(key);
        std::fs::create_dir_all(path.parent()?).ok()?;
        let mine = holder_line();
        let started = std::time::Instant::now();
        loop {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut file) => {
                    file.write_all(mine.as_bytes()).ok()?;
                    return Some(Claim { path, mine });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(_) => return None,
            }
            let content = std::fs::read_to_string(&path).unwrap_or_default();
            let age = std::fs::metadata(&path)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| SystemTime::now().duration_since(t).ok())
                .unwrap_or_default();
            if expired(&content, age, timeout) {
                // Remove only the claim we judged (another waiter may have
                // taken it over already).
                if std::fs::read_to_string(&path).is_ok_and(|c| c == content) {
                    let _ = std::fs::remove_file(&path);
                }
                continue;
            }
            if started.elapsed() > timeout {
                return None;
            }
            tokio::time::sleep(POLL).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> CacheKey {
        CacheKey::reply(&crate::llm::ChatRequest::new(
            "a-model",
            0.0,
            100,
            Vec::new(),
        ))
    }

    #[tokio::test]
    async fn a_claim_is_exclusive_and_released_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path(), Mode::Normal);
        let first = cache.claim(&key()).await.expect("claim");
        assert!(cache.claim_path(&key()).is_file());
        // A second claimant waits while the first holds it.
        let waiting = tokio::time::timeout(Duration::from_millis(400), cache.claim(&key())).await;
        assert!(waiting.is_err(), "took a held claim");
        drop(first);
        assert!(!cache.claim_path(&key()).exists());
        let second = tokio::time::timeout(Duration::from_secs(2), cache.claim(&key())).await;
        assert!(matches!(second, Ok(Some(_))));
        // No claims with the cache off or refreshed.
        assert!(
            Cache::new(dir.path(), Mode::Refresh)
                .claim(&key())
                .await
                .is_none()
        );
    }

    #[tokio::test]
    async fn a_dead_holders_claim_expires_and_a_live_one_times_out() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path(), Mode::Normal);
        let path = cache.claim_path(&key());
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        // A holder that was killed: its pid is gone.
        let mut gone = std::process::Command::new("true").spawn().unwrap();
        let pid = gone.id();
        gone.wait().unwrap();
        std::fs::write(&path, format!("gloss-claim {pid} {}", host())).unwrap();
        let took = tokio::time::timeout(Duration::from_secs(2), cache.claim(&key())).await;
        assert!(matches!(took, Ok(Some(_))), "a dead holder's claim held");
        // A live holder (this process, as another claim) past the timeout.
        std::fs::write(
            &path,
            format!("gloss-claim {} {}", std::process::id(), host()),
        )
        .unwrap();
        let start = std::time::Instant::now();
        let took = cache.claim_within(&key(), Duration::from_millis(300)).await;
        assert!(took.is_some());
        assert!(start.elapsed() >= Duration::from_millis(250));
    }
}
