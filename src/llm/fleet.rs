//! Several endpoints serving one model (a profile's `base_urls`): which one
//! gets the next request, and which are set aside after failing.
//!
//! The next request goes to the endpoint with the fewest requests in
//! flight; ties go to the better recent latency, then to the first listed
//! (an endpoint with no latency yet wins a tie, so each gets tried). An
//! endpoint whose requests fail [`FAILURES_TO_SET_ASIDE`] times in a row
//! (server errors, rate limits, timeouts, refused connections) is set
//! aside: no request goes to it while another endpoint is usable, for
//! [`SET_ASIDE_FIRST`], doubled each time it is set aside again without a
//! success in between, up to [`SET_ASIDE_CAP`]. When its time is up it gets
//! one request at a time (a probe) until one succeeds; a failed probe sets
//! it aside again. When every endpoint is set aside, the one whose time is
//! up first is used: a request is never held back for want of a healthy
//! endpoint (the retry loop's backoff paces it), so a profile with one
//! endpoint behaves exactly as without this module.
//!
//! The policy is plain data with the time passed in (tokio's clock, which
//! tests pause); the client keeps it behind a mutex.

use tokio::time::{Duration, Instant};

/// Failures in a row that set an endpoint aside.
pub const FAILURES_TO_SET_ASIDE: u32 = 3;
/// How long an endpoint is first set aside.
pub const SET_ASIDE_FIRST: Duration = Duration::from_secs(5);
/// The longest an endpoint is set aside at once.
pub const SET_ASIDE_CAP: Duration = Duration::from_secs(160);

/// How one request to an endpoint ended, as its health sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// A completion, in this time.
    Served(Duration),
    /// An error about the request itself (too long a prompt, a bad
    /// parameter): the endpoint works.
    Answered,
    /// An error that says the endpoint is in trouble.
    Failed,
    /// The caller stopped waiting (the run was cancelled): says nothing.
    Abandoned,
}

#[derive(Debug, Clone, Default)]
struct Health {
    in_flight: usize,
    failures_in_a_row: u32,
    /// Times set aside since the last success: the window doubles with each.
    strikes: u32,
    aside_until: Option<Instant>,
    /// Set aside and not yet answered since: one request at a time.
    probing: bool,
    /// Moving average of recent successful requests' latency.
    latency: Option<Duration>,
    served: u64,
    times_set_aside: u32,
}

/// One endpoint's state, for reports and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EndpointStatus {
    pub in_flight: usize,
    /// Requests it answered with a completion.
    pub served: u64,
    /// Until when it is set aside, if it is or was last.
    pub set_aside_until: Option<Instant>,
    /// Times it was set aside in this run.
    pub times_set_aside: u32,
}

/// The health of each endpoint of a profile, in the profile's order.
#[derive(Debug, Clone)]
pub struct Fleet {
    health: Vec<Health>,
    first_window: Duration,
}

impl Fleet {
    /// `endpoints` endpoints (at least one is assumed), all usable.
    pub fn new(endpoints: usize, first_window: Duration) -> Self {
        Self {
            health: vec![Health::default(); endpoints.max(1)],
            first_window,
        }
    }

    /// Change how long an endpoint is first set aside (tests shorten it).
    pub fn set_first_window(&mut self, window: Duration) {
        self.first_window = window;
    }

    fn usable(&self, i: usize, now: Instant) -> bool {
        let h = &self.health[i];
        let aside = h.aside_until.is_some_and(|until| now < until);
        let probe_running = h.probing && h.in_flight > 0;
        !(aside || probe_running)
    }

    /// Whether an endpoint not in `avoid` could take a request now.
    pub fn has_alternative(&self, avoid: &[usize], now: Instant) -> bool {
        (0..self.health.len()).any(|i| !avoid.contains(&i) && self.usable(i, now))
    }

    /// The endpoint for the next request. `avoid`: those that already
    /// failed this request, used only when no other is usable.
    pub fn pick(&self, avoid: &[usize], now: Instant) -> usize {
        let rank = |i: &usize| {
            let h = &self.health[*i];
            (h.in_flight, h.latency.unwrap_or(Duration::ZERO), *i)
        };
        let usable: Vec<usize> = (0..self.health.len())
            .filter(|&i| self.usable(i, now))
            .collect();
        let fresh = usable
            .iter()
            .copied()
            .filter(|i| !avoid.contains(i))
            .min_by_key(rank);
        if let Some(i) = fresh.or_else(|| usable.iter().copied().min_by_key(rank)) {
            return i;
        }
        (0..self.health.len())
            .min_by_key(|&i| (self.health[i].aside_until, self.health[i].in_flight, i))
            .unwrap_or(0)
    }

    /// A request starts on endpoint `i`.
    pub fn begin(&mut self, i: usize) {
        if let Some(h) = self.health.get_mut(i) {
            h.in_flight += 1;
        }
    }

    /// A request on endpoint `i` ended so.
    pub fn end(&mut self, i: usize, ended: Ended, now: Instant) {
        let Some(h) = self.health.get_mut(i) else {
            return;
        };
        h.in_flight = h.in_flight.saturating_sub(1);
        match ended {
            Ended::Served(latency) => {
                h.served += 1;
                h.latency = Some(match h.latency {
                    Some(avg) => avg.mul_f64(0.7) + latency.mul_f64(0.3),
                    None => latency,
                });
                h.recovered();
            }
            Ended::Answered => h.recovered(),
            Ended::Failed => {
                h.failures_in_a_row += 1;
                let aside = h.aside_until.is_some_and(|until| now < until);
                if !aside && (h.probing || h.failures_in_a_row >= FAILURES_TO_SET_ASIDE) {
                    self.set_aside(i, now);
                }
            }
            Ended::Abandoned => {}
        }
    }

    /// Set endpoint `i` aside from `now` (also when it did not answer the
    /// check before the first request).
    pub fn set_aside(&mut self, i: usize, now: Instant) {
        let first = self.first_window;
        let Some(h) = self.health.get_mut(i) else {
            return;
        };
        h.strikes += 1;
        h.times_set_aside += 1;
        let window = first
            .saturating_mul(1u32 << (h.strikes - 1).min(16))
            .min(SET_ASIDE_CAP);
        h.aside_until = Some(now + window);
        h.probing = true;
        h.failures_in_a_row = 0;
    }

    /// The state of each endpoint.
    pub fn status(&self) -> Vec<EndpointStatus> {
        self.health
            .iter()
            .map(|h| EndpointStatus {
                in_flight: h.in_flight,
                served: h.served,
                set_aside_until: h.aside_until,
                times_set_aside: h.times_set_aside,
            })
            .collect()
    }
}

impl Health {
    fn recovered(&mut self) {
        self.failures_in_a_row = 0;
        self.strikes = 0;
        self.probing = false;
        self.aside_until = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    fn fail(fleet: &mut Fleet, i: usize, times: u32, now: Instant) {
        for _ in 0..times {
            fleet.begin(i);
            fleet.end(i, Ended::Failed, now);
        }
    }

    #[test]
    fn the_least_busy_endpoint_gets_the_request_and_latency_breaks_ties() {
        let now = Instant::now();
        let mut fleet = Fleet::new(3, SET_ASIDE_FIRST);
        // Untried endpoints tie at zero: the first listed.
        assert_eq!(fleet.pick(&[], now), 0);
        fleet.begin(0);
        assert_eq!(fleet.pick(&[], now), 1);
        fleet.begin(1);
        assert_eq!(fleet.pick(&[], now), 2);
        fleet.begin(2);
        // 1 answers slowly, 2 quickly, 0 is still busy.
        fleet.end(1, Ended::Served(300 * MS), now);
        fleet.end(2, Ended::Served(20 * MS), now);
        assert_eq!(fleet.pick(&[], now), 2, "same load, better latency");
        fleet.begin(2);
        assert_eq!(fleet.pick(&[], now), 1, "fewer in flight beats latency");
        // A request that failed on 1 goes elsewhere if anything is usable:
        // 0 and 2 carry one each, and 0, with no latency yet, wins the tie.
        assert_eq!(fleet.pick(&[1], now), 0);
        fleet.begin(0);
        assert_eq!(fleet.pick(&[1], now), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_failing_endpoint_is_set_aside_then_probed_and_comes_back() {
        let mut fleet = Fleet::new(2, SET_ASIDE_FIRST);
        let t0 = Instant::now();
        fail(&mut fleet, 0, FAILURES_TO_SET_ASIDE - 1, t0);
        assert_eq!(fleet.pick(&[], t0), 0, "two failures: still in use");
        fail(&mut fleet, 0, 1, t0);
        let until = fleet.status()[0].set_aside_until.unwrap();
        assert_eq!(until - t0, SET_ASIDE_FIRST);
        // Throughout the window everything goes to 1, however busy.
        for step in [0, 1, 4999] {
            let now = t0 + step * MS;
            assert_eq!(fleet.pick(&[], now), 1, "at {step} ms");
            fleet.begin(1);
        }
        tokio::time::advance(SET_ASIDE_FIRST).await;
        let now = Instant::now();
        // Time is up: one probe, and no second request while it runs.
        assert_eq!(fleet.pick(&[], now), 0);
        fleet.begin(0);
        assert_eq!(fleet.pick(&[], now), 1);
        // The probe fails: aside again, twice as long.
        fleet.end(0, Ended::Failed, now);
        let until = fleet.status()[0].set_aside_until.unwrap();
        assert_eq!(until - now, 2 * SET_ASIDE_FIRST);
        assert_eq!(fleet.pick(&[], until - MS), 1);
        // The next probe succeeds: back in full use.
        fleet.begin(0);
        fleet.end(0, Ended::Served(10 * MS), until);
        assert_eq!(fleet.status()[0].set_aside_until, None);
        assert_eq!(fleet.pick(&[], until), 0);
        fleet.begin(0);
        assert_eq!(fleet.pick(&[], until), 0, "no longer one at a time");
        assert_eq!(fleet.status()[0].times_set_aside, 2);
    }

    #[test]
    fn windows_double_up_to_the_cap_and_a_success_resets_them() {
        let now = Instant::now();
        let mut fleet = Fleet::new(2, SET_ASIDE_FIRST);
        let mut windows = Vec::new();
        for _ in 0..8 {
            fleet.set_aside(0, now);
            windows.push(fleet.status()[0].set_aside_until.unwrap() - now);
        }
        assert_eq!(windows[0], SET_ASIDE_FIRST);
        assert_eq!(windows[1], 2 * SET_ASIDE_FIRST);
        assert_eq!(windows[2], 4 * SET_ASIDE_FIRST);
        assert_eq!(*windows.last().unwrap(), SET_ASIDE_CAP);
        assert!(windows.windows(2).all(|w| w[0] <= w[1]), "{windows:?}");
        fleet.end(0, Ended::Answered, now);
        fleet.set_aside(0, now);
        assert_eq!(
            fleet.status()[0].set_aside_until.unwrap() - now,
            SET_ASIDE_FIRST
        );
    }

    #[test]
    fn failures_must_be_in_a_row_and_answers_about_the_request_count_as_health() {
        let now = Instant::now();
        let mut fleet = Fleet::new(2, SET_ASIDE_FIRST);
        for _ in 0..5 {
            fail(&mut fleet, 0, FAILURES_TO_SET_ASIDE - 1, now);
            fleet.begin(0);
            fleet.end(0, Ended::Answered, now);
        }
        assert_eq!(fleet.status()[0].times_set_aside, 0);
        assert_eq!(fleet.pick(&[], now), 0);
    }

    #[test]
    fn with_every_endpoint_aside_the_one_back_first_is_used() {
        let t0 = Instant::now();
        let mut single = Fleet::new(1, SET_ASIDE_FIRST);
        fail(&mut single, 0, FAILURES_TO_SET_ASIDE, t0);
        assert_eq!(single.pick(&[0], t0), 0, "one endpoint: always it");
        assert!(!single.has_alternative(&[0], t0));

        let mut fleet = Fleet::new(2, SET_ASIDE_FIRST);
        fleet.set_aside(1, t0);
        fleet.set_aside(0, t0 + MS);
        assert!(!fleet.has_alternative(&[], t0 + 2 * MS));
        assert_eq!(fleet.pick(&[], t0 + 2 * MS), 1);
    }

    #[test]
    fn an_abandoned_request_frees_its_slot_and_says_nothing_else() {
        let now = Instant::now();
        let mut fleet = Fleet::new(2, SET_ASIDE_FIRST);
        fail(&mut fleet, 0, FAILURES_TO_SET_ASIDE - 1, now);
        fleet.begin(0);
        fleet.end(0, Ended::Abandoned, now);
        assert_eq!(fleet.status()[0].in_flight, 0);
        fail(&mut fleet, 0, 1, now);
        assert_eq!(fleet.status()[0].times_set_aside, 1, "still in a row");
    }
}
