//! Requests- and tokens-per-minute limits: two token buckets refilled
//! continuously, so a burst never exceeds a minute's allowance.

use std::time::Duration;

use tokio::time::Instant;

use tokio::sync::Mutex;

struct Bucket {
    capacity: f64,
    available: f64,
    per_sec: f64,
}

impl Bucket {
    fn new(per_minute: u32) -> Self {
        let capacity = per_minute.max(1) as f64;
        Self {
            capacity,
            available: capacity,
            per_sec: capacity / 60.0,
        }
    }

    fn refill(&mut self, elapsed: Duration) {
        self.available = (self.available + elapsed.as_secs_f64() * self.per_sec).min(self.capacity);
    }

    /// Time until `n` units are available (`n` is capped to the capacity).
    fn wait_for(&self, n: f64) -> Duration {
        let n = n.min(self.capacity);
        if self.available >= n {
            Duration::ZERO
        } else {
            Duration::from_secs_f64((n - self.available) / self.per_sec)
        }
    }
}

/// A limiter shared by all requests of a client.
pub struct RateLimiter {
    state: Mutex<(Instant, Option<Bucket>, Option<Bucket>)>,
}

impl RateLimiter {
    pub fn new(requests_per_minute: Option<u32>, tokens_per_minute: Option<u32>) -> Self {
        Self {
            state: Mutex::new((
                Instant::now(),
                requests_per_minute.map(Bucket::new),
                tokens_per_minute.map(Bucket::new),
            )),
        }
    }

    /// Wait until one request of `tokens` tokens may start, then take it.
    pub async fn acquire(&self, tokens: u32) {
        loop {
            let wait = {
                let mut guard = self.state.lock().await;
                let (last, requests, token_bucket) = &mut *guard;
                let now = Instant::now();
                let elapsed = now - *last;
                *last = now;
                for b in [requests.as_mut(), token_bucket.as_mut()]
                    .into_iter()
                    .flatten()
                {
                    b.refill(elapsed);
                }
                let wait = requests
                    .as_ref()
                    .map_or(Duration::ZERO, |b| b.wait_for(1.0))
                    .max(
                        token_bucket
                            .as_ref()
                            .map_or(Duration::ZERO, |b| b.wait_for(tokens as f64)),
                    );
                if wait.is_zero() {
                    if let Some(b) = requests.as_mut() {
                        b.available -= 1.0;
                    }
                    if let Some(b) = token_bucket.as_mut() {
                        b.available -= (tokens as f64).min(b.capacity);
                    }
                }
                wait
            };
            if wait.is_zero() {
                return;
            }
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn requests_per_minute_spreads_a_burst() {
        let limiter = RateLimiter::new(Some(60), None);
        let start = tokio::time::Instant::now();
        for _ in 0..62 {
            limiter.acquire(0).await;
        }
        // 60 in the first instant, then one per second.
        let waited = start.elapsed();
        assert!(waited >= Duration::from_millis(1900), "{waited:?}");
        assert!(waited <= Duration::from_millis(2200), "{waited:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn tokens_per_minute_limits() {
        let limiter = RateLimiter::new(None, Some(600));
        let start = tokio::time::Instant::now();
        limiter.acquire(600).await;
        limiter.acquire(300).await;
        let waited = start.elapsed();
        assert!(
            waited >= Duration::from_secs(29) && waited <= Duration::from_secs(31),
            "{waited:?}"
        );
    }
}
