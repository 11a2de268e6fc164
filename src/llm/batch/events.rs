//! What the batch collector reports while it works. The client prints
//! nothing: each event is counted into [`BatchStats`] (the summary line and
//! `--json`) and handed to whoever built the client, which shows it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;
use tokio::sync::Notify;

/// One thing that happened to a run's batches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchEvent {
    /// A batch was created with this many requests.
    Submitted { id: String, requests: u64 },
    /// A saved batch of an earlier run is waited for.
    Resumed { id: String, requests: u64 },
    /// A request was answered by a batch.
    Answered,
    /// A request was answered from stored results (an import, an earlier batch).
    FromStore,
    /// A request is sent as a normal one instead; `why` when the batch said.
    FellBack { why: Option<String> },
    /// Polling of a batch of `total` requests begins.
    Polling { id: String, total: u64 },
    /// Where a batch stands after a poll.
    Polled {
        id: String,
        status: String,
        done: u64,
        total: u64,
    },
    /// Polling of a batch ended.
    PollEnded { id: String },
    /// `gloss batch export` wrote this many request lines: to its file, or,
    /// for standard output, they are in `stdout` for the receiver to write
    /// (and to count, once written).
    Exported {
        requests: u64,
        stdout: Option<String>,
    },
    /// The export is over (written or not): the run can stop.
    ExportDone,
    /// Something went wrong that the run survives.
    Warning(String),
    /// Something went wrong that ends the export.
    Error(String),
}

/// Counters of a run's batch traffic.
#[derive(Debug, Default)]
pub struct BatchStats {
    /// Batches created by this run.
    pub submitted: AtomicU64,
    /// Requests in those batches.
    pub batched: AtomicU64,
    /// Saved batches of an earlier run waited for.
    pub resumed: AtomicU64,
    /// Requests answered by a batch (this run's or a resumed one).
    pub answered: AtomicU64,
    /// Requests answered from stored results (an import, an earlier batch).
    pub from_store: AtomicU64,
    /// Requests that fell back to normal requests.
    pub fell_back: AtomicU64,
    /// Requests written by `gloss batch export`.
    pub exported: AtomicU64,
    /// Signalled when the export file is written.
    pub export_done: Notify,
}

/// [`BatchStats`] as numbers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct BatchSummary {
    pub submitted: u64,
    pub batched: u64,
    pub resumed: u64,
    pub answered: u64,
    pub from_store: u64,
    pub fell_back: u64,
    pub exported: u64,
}

impl BatchStats {
    /// The counters now.
    pub fn summary(&self) -> BatchSummary {
        let n = |a: &AtomicU64| a.load(Ordering::SeqCst);
        BatchSummary {
            submitted: n(&self.submitted),
            batched: n(&self.batched),
            resumed: n(&self.resumed),
            answered: n(&self.answered),
            from_store: n(&self.from_store),
            fell_back: n(&self.fell_back),
            exported: n(&self.exported),
        }
    }

    /// Count `event`. Lines exported to standard output are counted by
    /// whoever writes them ([`BatchStats::exported`]).
    pub fn count(&self, event: &BatchEvent) {
        let bump = |counter: &AtomicU64, by: u64| counter.fetch_add(by, Ordering::SeqCst);
        match event {
            BatchEvent::Submitted { requests, .. } => {
                bump(&self.submitted, 1);
                bump(&self.batched, *requests);
            }
            BatchEvent::Resumed { .. } => {
                bump(&self.resumed, 1);
            }
            BatchEvent::Answered => {
                bump(&self.answered, 1);
            }
            BatchEvent::FromStore => {
                bump(&self.from_store, 1);
            }
            BatchEvent::FellBack { .. } => {
                bump(&self.fell_back, 1);
            }
            BatchEvent::Exported {
                requests,
                stdout: None,
            } => {
                bump(&self.exported, *requests);
            }
            BatchEvent::ExportDone => self.export_done.notify_one(),
            _ => {}
        }
    }
}

/// What a function shows an event with.
type Show = dyn Fn(&BatchEvent) + Send + Sync;

/// Where a client's batch events go: counted into [`BatchEvents::stats`],
/// then shown (the command line prints them; by default nothing is shown).
#[derive(Clone, Default)]
pub struct BatchEvents {
    /// The counters, shared with whoever reads the summary.
    pub stats: Arc<BatchStats>,
    show: Option<Arc<Show>>,
}

impl std::fmt::Debug for BatchEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchEvents")
            .field("stats", &self.stats.summary())
            .finish_non_exhaustive()
    }
}

impl BatchEvents {
    /// Events counted into `stats` and shown with `show`.
    pub fn new(stats: Arc<BatchStats>, show: impl Fn(&BatchEvent) + Send + Sync + 'static) -> Self {
        Self {
            stats,
            show: Some(Arc::new(show)),
        }
    }

    /// Report `event`: count it, then show it.
    pub fn emit(&self, event: BatchEvent) {
        self.stats.count(&event);
        if let Some(show) = &self.show {
            show(&event);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_counted_and_shown() {
        let shown = Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = shown.clone();
        let events = BatchEvents::new(Arc::default(), move |e: &BatchEvent| {
            seen.lock().unwrap().push(e.clone())
        });
        events.emit(BatchEvent::Submitted {
            id: "b1".into(),
            requests: 3,
        });
        events.emit(BatchEvent::Answered);
        events.emit(BatchEvent::FellBack { why: None });
        events.emit(BatchEvent::Exported {
            requests: 5,
            stdout: Some("line\n".into()),
        });
        let s = events.stats.summary();
        assert_eq!(
            (s.submitted, s.batched, s.answered, s.fell_back, s.exported),
            (1, 3, 1, 1, 0)
        );
        assert_eq!(shown.lock().unwrap().len(), 4);
    }
}
