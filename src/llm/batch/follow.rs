//! A submitted batch to its end: saved so that it can be resumed, polled
//! until final, its answers collected (and stored), then handed to the
//! requests that wait for them.

use super::*;

impl Batcher {
    pub(super) fn save(&self, record: &BatchRecord) {
        if let Some(store) = &self.store
            && let Err(e) = store.save(record)
        {
            self.events.emit(BatchEvent::Warning(format!(
                "batch {} not saved, so it cannot be resumed: {e}",
                record.id
            )));
        }
    }

    /// Poll a batch to its end, collect its answers and hand them out.
    pub(super) async fn follow(self: &Arc<Self>, mut record: BatchRecord) {
        let finished = match self.poll(&mut record).await {
            Ok(batch) => {
                let answers = self.collect(&batch, &record).await;
                answers.map(|a| (batch, a))
            }
            Err(e) => Err(e),
        };
        let (batch, answers) = match finished {
            Ok(done) => done,
            Err(e) => {
                let e = match e.is_fatal() {
                    true => e,
                    false => LlmError::Connect {
                        url: self.scrub_url(),
                        message: self.direct.scrub(&format!(
                            "lost batch {}: {e}; rerun the same command to resume it",
                            record.id
                        )),
                    },
                };
                self.deliver(&record.requests, |_| Delivery::Failed(e.clone()));
                return;
            }
        };
        let mut stored = HashSet::new();
        if let Some(store) = &self.store {
            for (id, answer) in &answers {
                if let Ok(body) = answer
                    && store.put_result(id, body).unwrap_or(false)
                {
                    stored.insert(id.clone());
                }
            }
        }
        record.status = batch.status().to_string();
        record.collected = true;
        self.save(&record);
        let missing = format!("batch {} ended {} without it", record.id, batch.status());
        self.deliver(&record.requests, |id| match answers.get(id) {
            Some(Ok(body)) => {
                if stored.contains(id)
                    && let Some(store) = &self.store
                {
                    store.remove_result(id);
                }
                Delivery::Answer(body.clone())
            }
            Some(Err(why)) => Delivery::Fallback(why.clone()),
            None => Delivery::Fallback(missing.clone()),
        });
        if let Some(store) = &self.store {
            store.prune();
        }
    }

    /// Hand each of `ids`' waiting requests its delivery; ids nobody waits
    /// for keep their stored answer for a later request.
    pub(super) fn deliver(&self, ids: &[String], delivery: impl Fn(&str) -> Delivery) {
        let mut s = self.lock();
        for id in ids {
            s.open.remove(id);
            for tx in s.waiters.remove(id).unwrap_or_default() {
                let _ = tx.send(delivery(id));
            }
        }
    }

    /// An answer body without this profile's key: a server or proxy echoing
    /// it must not get it into the store (answers are scrubbed again when used).
    pub(super) fn without_key(&self, body: serde_json::Value) -> serde_json::Value {
        let Some(key) = self
            .direct
            .settings
            .api_key()
            .filter(|k| k.trim().len() >= 4)
        else {
            return body;
        };
        let text = body.to_string();
        if !text.contains(key.trim()) {
            return body;
        }
        serde_json::from_str(&text.replace(key.trim(), crate::redact::REDACTED)).unwrap_or_default()
    }

    /// Poll until the batch is final, with growing waits, reporting where
    /// it stands after each poll.
    pub(super) async fn poll(&self, record: &mut BatchRecord) -> Result<api::WireBatch, LlmError> {
        let total = record.requests.len() as u64;
        self.events.emit(BatchEvent::Polling {
            id: record.id.clone(),
            total,
        });
        let mut wait = self.opts.poll;
        let mut failures = 0;
        let result = loop {
            match self.direct.get_batch(&record.id).await {
                Ok(batch) => {
                    failures = 0;
                    let c = batch.request_counts.unwrap_or_default();
                    let counts = Counts {
                        total: c.total.unwrap_or(record.requests.len() as u64),
                        completed: c.completed.unwrap_or(0),
                        failed: c.failed.unwrap_or(0),
                    };
                    self.events.emit(BatchEvent::Polled {
                        id: record.id.clone(),
                        status: batch.status().to_string(),
                        done: counts.completed + counts.failed,
                        total,
                    });
                    if batch.status() != record.status || counts != record.counts {
                        record.status = batch.status().to_string();
                        record.counts = counts;
                        record.output_file_id = batch.output_file_id.clone();
                        record.error_file_id = batch.error_file_id.clone();
                        self.save(record);
                    }
                    if batch.is_final() {
                        break Ok(batch);
                    }
                }
                Err(e) if e.is_fatal() => break Err(e),
                Err(e) => {
                    failures += 1;
                    if failures >= POLL_FAILURES {
                        break Err(e);
                    }
                }
            }
            tokio::time::sleep(wait).await;
            wait = wait.mul_f64(1.5).min(MAX_POLL.max(self.opts.poll));
        };
        self.events.emit(BatchEvent::PollEnded {
            id: record.id.clone(),
        });
        if let Ok(batch) = &result
            && batch.status() != "completed"
        {
            let why = batch
                .errors
                .as_ref()
                .map(|e| format!(": {}", crate::llm::wire::error_message(&e.to_string())))
                .unwrap_or_default();
            self.events.emit(BatchEvent::Warning(format!(
                "batch {} ended {}{why}; its unanswered requests are sent one by one",
                record.id,
                batch.status()
            )));
        }
        result
    }

    /// The answers of a final batch (output and error files), by custom id;
    /// lines for ids the batch does not hold are ignored.
    pub(super) async fn collect(
        &self,
        batch: &api::WireBatch,
        record: &BatchRecord,
    ) -> Result<HashMap<String, Result<serde_json::Value, String>>, LlmError> {
        let ours: HashSet<&str> = record.requests.iter().map(String::as_str).collect();
        let mut answers = HashMap::new();
        for file in [&batch.output_file_id, &batch.error_file_id]
            .into_iter()
            .flatten()
        {
            let text = self.direct.file_content(file).await?;
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                let Ok(line) = serde_json::from_str::<WireLine>(line) else {
                    continue;
                };
                let Some(id) = line
                    .custom_id
                    .clone()
                    .filter(|id| ours.contains(id.as_str()))
                else {
                    continue;
                };
                answers.insert(id, line.outcome().map(|b| self.without_key(b)));
            }
        }
        Ok(answers)
    }
}
