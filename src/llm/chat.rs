//! The one seam between the stages and the wire: [`Chat`] answers a chat
//! request. The real client ([`super::LazyClient`]) implements it, and so
//! does the in-process [`fake::FakeChat`] the stages' unit tests use, so a
//! stage is tested without a server or the binary.

use std::future::Future;
use std::pin::Pin;

use super::{ChatRequest, LazyClient, LlmError, Outcome};

/// A boxed future that can move between threads.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Anything that answers chat requests.
pub trait Chat: Send + Sync {
    /// Answer `request`, retrying what can be retried; `estimated_tokens`
    /// feeds the tokens-per-minute limit.
    fn chat<'a>(
        &'a self,
        request: &'a ChatRequest,
        estimated_tokens: u32,
    ) -> BoxFuture<'a, Result<Outcome, LlmError>>;
}

impl Chat for LazyClient {
    /// The client is built on the first request (a run served from the
    /// cache builds none).
    fn chat<'a>(
        &'a self,
        request: &'a ChatRequest,
        estimated_tokens: u32,
    ) -> BoxFuture<'a, Result<Outcome, LlmError>> {
        Box::pin(async move { self.get()?.chat(request, estimated_tokens).await })
    }
}

#[cfg(test)]
pub mod fake {
    //! A chat endpoint inside the test process: it answers each request
    //! with what a function of the request returns, and keeps the requests.

    use std::sync::Mutex;
    use std::time::Duration;

    use super::{BoxFuture, Chat};
    use crate::llm::{ChatRequest, Completion, Finish, LlmError, Outcome, Usage};

    /// What the fake answers a request with.
    type Answer = dyn Fn(&ChatRequest) -> Result<Completion, LlmError> + Send + Sync;

    /// The fake endpoint.
    pub struct FakeChat {
        answer: Box<Answer>,
        sent: Mutex<Vec<ChatRequest>>,
    }

    impl FakeChat {
        /// A fake that answers with `answer(request)`.
        pub fn new(
            answer: impl Fn(&ChatRequest) -> Result<Completion, LlmError> + Send + Sync + 'static,
        ) -> Self {
            Self {
                answer: Box::new(answer),
                sent: Mutex::new(Vec::new()),
            }
        }

        /// A fake that answers every request with `text`, ended as `finish`.
        pub fn always(text: &str, finish: Finish) -> Self {
            let text = text.to_string();
            Self::new(move |_| Ok(completion(&text, finish.clone())))
        }

        /// The requests sent so far.
        pub fn sent(&self) -> Vec<ChatRequest> {
            self.sent.lock().unwrap().clone()
        }
    }

    /// A completion of `text` ended as `finish`, with usage.
    pub fn completion(text: &str, finish: Finish) -> Completion {
        Completion {
            text: text.to_string(),
            finish,
            usage: Some(Usage {
                prompt_tokens: 100,
                completion_tokens: 10,
            }),
            model: Some("fake-model".into()),
        }
    }

    impl Chat for FakeChat {
        fn chat<'a>(
            &'a self,
            request: &'a ChatRequest,
            _estimated_tokens: u32,
        ) -> BoxFuture<'a, Result<Outcome, LlmError>> {
            self.sent.lock().unwrap().push(request.clone());
            let answered = (self.answer)(request);
            Box::pin(async move {
                answered.map(|completion| Outcome {
                    completion,
                    attempts: 1,
                    latency: Duration::from_millis(5),
                    endpoint: "fake".into(),
                })
            })
        }
    }
}
