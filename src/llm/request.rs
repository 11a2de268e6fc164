//! What is sent: a [`ChatRequest`] of [`ChatMessage`]s. Its serialization is
//! a cache key, so its shape stays as earlier versions hashed it.

use super::*;

/// Who speaks a chat message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    System,
    User,
    Assistant,
}

/// One chat message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    // `content` before `role`: earlier versions sent messages as JSON maps,
    // which sort their keys, and a request's serialization is its cache key.
    pub content: String,
    pub role: Role,
}

impl ChatMessage {
    /// A message of `role` saying `content`.
    pub fn new(role: Role, content: impl Into<String>) -> Self {
        Self {
            content: content.into(),
            role,
        }
    }
}

/// A chat request: messages and the parameters that shape the output.
#[derive(Debug, Clone, Serialize)]
pub struct ChatRequest {
    pub model: String,
    pub messages: Vec<ChatMessage>,
    pub temperature: f32,
    pub max_tokens: u32,
    pub stream: bool,
}

impl ChatRequest {
    /// A request for `model` from messages (rendered prompts convert, see
    /// `prompts::Messages`), with this temperature and room for the answer.
    pub fn new(
        model: &str,
        temperature: f32,
        max_tokens: u32,
        messages: impl Into<Vec<ChatMessage>>,
    ) -> Self {
        Self {
            model: model.to_string(),
            messages: messages.into(),
            temperature,
            max_tokens,
            stream: false,
        }
    }
}
