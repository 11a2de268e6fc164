//! Token counting with tiktoken, the encoding chosen by model name.
//!
//! OpenAI models map to their own encoding. Local models (Qwen, Llama,
//! Gemma…) tokenize differently, so for them the count is an estimate from
//! o200k_base and chunk budgets keep a safety margin.

use tiktoken_rs::CoreBPE;
use tiktoken_rs::tokenizer::{Tokenizer, get_tokenizer};

/// A token counter for one model.
pub struct TokenCounter {
    /// Built on first use: a run served from the cache never pays for it.
    bpe: fn() -> &'static CoreBPE,
    /// The encoding's name, e.g. `o200k_base`.
    pub encoding: &'static str,
    /// Whether the model's own tokenizer is known (counts are exact) or estimated.
    pub exact: bool,
}

/// Fraction of a budget used when counts are only estimates (local models).
pub const ESTIMATE_MARGIN: f64 = 0.8;

impl TokenCounter {
    /// The counter for `model`; unknown names fall back to o200k_base as an estimate.
    pub fn for_model(model: &str) -> Self {
        let (encoding, exact) = Self::encoding_for(model);
        let bpe: fn() -> &'static CoreBPE = if encoding == "cl100k_base" {
            tiktoken_rs::cl100k_base_singleton
        } else {
            tiktoken_rs::o200k_base_singleton
        };
        Self {
            bpe,
            encoding,
            exact,
        }
    }

    /// The encoding name for `model` and whether counts are exact, without building it.
    pub fn encoding_for(model: &str) -> (&'static str, bool) {
        let (tokenizer, exact) = match get_tokenizer(model) {
            Some(t @ (Tokenizer::O200kBase | Tokenizer::O200kHarmony | Tokenizer::Cl100kBase)) => {
                (t, true)
            }
            _ => (Tokenizer::O200kBase, false),
        };
        match tokenizer {
            Tokenizer::Cl100kBase => ("cl100k_base", exact),
            _ => ("o200k_base", exact),
        }
    }

    /// Number of tokens in `text`.
    pub fn count(&self, text: &str) -> usize {
        (self.bpe)().encode_ordinary(text).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_names_choose_encodings() {
        assert_eq!(
            TokenCounter::for_model("gpt-4o-mini").encoding,
            "o200k_base"
        );
        assert!(TokenCounter::for_model("gpt-4o-mini").exact);
        assert_eq!(TokenCounter::for_model("gpt-4").encoding, "cl100k_base");
        let local = TokenCounter::for_model("qwen2.5-coder-0.5b-instruct");
        assert!(!local.exact);
        assert!(local.count("산업기술 동향워치") > 0);
    }
}
