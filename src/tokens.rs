//! Token counting in OpenAI's encodings, the encoding chosen by model name.
//!
//! OpenAI models map to their own encoding (by tiktoken-rs's table of model
//! names). Local models (Qwen, Llama, Gemma…) tokenize differently, so for
//! them the count is an estimate from o200k_base and chunk budgets keep a
//! safety margin.
//!
//! The counting itself is bpe-openai's: the same token ids as tiktoken
//! (tested below against tiktoken-rs), but 2–4× faster and linear on a long
//! run of text without spaces, and with a count that stops at a limit. On a
//! 50 MB issue counting was most of `gloss plan`'s time.
//!
//! bpe-openai's tables come precomputed (32 MB for o200k_base, 15 MB for
//! cl100k_base), which would be most of the binary's size, so neither of its
//! copies is linked. o200k_base's tables are built by build.rs the same way
//! and stored gzip-compressed (about 17 MB), inflated on first use in about
//! 0.1 s. cl100k_base (older OpenAI models only) is built on first use from
//! tiktoken-rs's table, which costs about a second of CPU; building
//! o200k_base that way too would cost every run that counts tokens that
//! second (the tests ran 5–20× slower).

use std::sync::LazyLock;

use bpe_openai::Tokenizer as Bpe;
use bpe_openai::byte_pair_encoding::BytePairEncoding;
use tiktoken_rs::CoreBPE;
use tiktoken_rs::tokenizer::{Tokenizer, get_tokenizer};

/// The hash factor bpe-openai builds its tables with (collision-free for
/// these encodings).
const HASH_FACTOR: u64 = 17_846_336_922_010_275_747;

/// cl100k_base from tiktoken-rs's table, with bpe-openai 0.3's
/// pre-tokenization: tiktoken's pattern with its negative look-ahead
/// `\s+(?!\S)` written as a pattern whose last character is dropped (the
/// `true` below).
static CL100K: LazyLock<Bpe> = LazyLock::new(|| {
    let core = tiktoken_rs::cl100k_base().expect("tiktoken-rs's built-in encoding loads");
    // The ordinary tokens have the ranks 0..n; the first rank without bytes
    // ends them (the special tokens come after a gap).
    let tokens: Vec<Vec<u8>> = (0..)
        .map_while(|rank| core.decode_bytes(&[rank]).ok())
        .collect();
    drop::<CoreBPE>(core);
    let bpe = BytePairEncoding::from_dictionary(tokens, Some(HASH_FACTOR));
    let words = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+$";
    let patterns = [(words, false), ("\\s+\\s", true), ("\\s+", false)];
    Bpe::new_lookahead(bpe, &patterns, false).expect("valid pre-tokenization patterns")
});

fn cl100k() -> &'static Bpe {
    &CL100K
}

/// o200k_base from the compressed tables build.rs wrote, with bpe-openai
/// 0.3's pre-tokenization for it (copied from its `o200k_base`).
static O200K: LazyLock<Bpe> = LazyLock::new(|| {
    use std::io::Read;
    let packed = include_bytes!(concat!(env!("OUT_DIR"), "/o200k_base.bpe.gz"));
    // Inflated whole first: rmp's reader makes many small reads, which cost
    // more through the decoder than the inflating itself.
    let mut tables = Vec::with_capacity(33 << 20);
    flate2::read::GzDecoder::new(&packed[..])
        .read_to_end(&mut tables)
        .expect("build.rs wrote valid o200k_base tables");
    let bpe: BytePairEncoding =
        rmp_serde::from_slice(&tables).expect("build.rs wrote valid o200k_base tables");
    let words = [
        "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
        "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
        "\\p{N}{1,3}",
        " ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*",
        "\\s*[\\r\\n]+",
        "\\s+$",
    ]
    .join("|");
    let patterns = [(words.as_str(), false), ("\\s+\\s", true), ("\\s+", false)];
    Bpe::new_lookahead(bpe, &patterns, false).expect("valid pre-tokenization patterns")
});

fn o200k() -> &'static Bpe {
    &O200K
}

/// A token counter for one model.
pub struct TokenCounter {
    /// Built on first use: a run served from the cache never pays for it.
    bpe: fn() -> &'static Bpe,
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
        let bpe: fn() -> &'static Bpe = if encoding == "cl100k_base" {
            cl100k
        } else {
            o200k
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
        (self.bpe)().count(text)
    }

    /// The number of tokens in `text` when it is at most `limit`, `None` when
    /// it is more. Stops counting past the limit, so asking whether a huge
    /// paragraph fits costs as little as asking for a small one.
    pub fn count_within(&self, text: &str, limit: usize) -> Option<usize> {
        let bpe = (self.bpe)();
        bpe.count_till_limit(&bpe.normalize(text), limit)
    }

    /// The end of a prefix of `text` with at most `budget` tokens, and its
    /// count: the whole text if it fits, otherwise a char boundary close below
    /// where the budget runs out, and always at least one character.
    ///
    /// `guess` is the expected length in bytes of such a prefix (the last
    /// piece's length when cutting a long text piece by piece); a good guess
    /// means the text is encoded about twice, whatever its length.
    pub fn fit_prefix(&self, text: &str, budget: usize, guess: usize) -> (usize, usize) {
        let (end, tokens) = self.encode_past(text, budget, guess);
        if tokens.len() <= budget {
            return (end, tokens.len());
        }
        // The bytes of the first `budget` tokens of the window give the cut.
        // A prefix encoded on its own may take a few tokens more than that
        // (the merges near the cut differ), so it is counted, and the cut moved
        // back by the excess until it fits.
        let bpe = &(self.bpe)().bpe;
        let mut take = budget;
        loop {
            let bytes: usize = tokens[..take].iter().map(|&t| bpe.token_len(t)).sum();
            let cut = floor_boundary(text, bytes);
            if cut == 0 {
                let one = text.chars().next().map_or(0, char::len_utf8);
                return (one, self.count(&text[..one]));
            }
            let n = self.count(&text[..cut]);
            if n <= budget {
                return (cut, n);
            }
            take = take.saturating_sub(n - budget);
        }
    }

    /// Encode a prefix of `text` of about `guess` bytes, doubling it until it
    /// holds more than `limit` tokens or is the whole text. Returns the
    /// prefix's end and its tokens. The doubling keeps the cost within about
    /// twice the bytes that `limit` tokens take, wherever the text ends.
    fn encode_past(&self, text: &str, limit: usize, guess: usize) -> (usize, Vec<u32>) {
        let bpe = (self.bpe)();
        let mut window = guess.max(16);
        loop {
            let end = floor_boundary(text, window);
            let tokens = bpe.encode(&text[..end]);
            if tokens.len() > limit || end == text.len() {
                return (end, tokens);
            }
            window = window.saturating_mul(2);
        }
    }
}

/// The largest char boundary of `text` at or below `at` (`str::floor_char_boundary`,
/// stable only since Rust 1.91, later than this crate's minimum).
pub(crate) fn floor_boundary(text: &str, at: usize) -> usize {
    if at >= text.len() {
        return text.len();
    }
    // A UTF-8 char is at most 4 bytes: a boundary is at most 3 bytes back.
    (at.saturating_sub(3)..=at)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0)
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

    #[test]
    fn counts_are_tiktokens() {
        // The users chose tiktoken: bpe-openai must give its ids exactly, on
        // the sample's lines, on a line without spaces, and on English.
        let sample = include_str!("../samples/trendwatch-2023-22.txt");
        let no_spaces: String = sample.chars().filter(|c| !c.is_whitespace()).collect();
        let english = "The OECD's Skills Outlook 2023 — \"green\" and digital transitions, 4.2 %.";
        for (model, tiktoken) in [
            ("gpt-4o", tiktoken_rs::o200k_base_singleton()),
            ("gpt-4", tiktoken_rs::cl100k_base_singleton()),
        ] {
            let counter = TokenCounter::for_model(model);
            let bpe = (counter.bpe)();
            for text in sample.lines().chain([no_spaces.as_str(), english, sample]) {
                assert_eq!(
                    bpe.encode(text),
                    tiktoken.encode_ordinary(text),
                    "{model}: {text:.40}"
                );
            }
        }
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// A few paragraphs (see chunk's tests), with or without their spaces.
        fn text() -> impl Strategy<Value = String> {
            let paragraphs =
                prop::collection::vec(crate::chunk::tests::properties::paragraph(), 0..4);
            (paragraphs, any::<bool>()).prop_map(|(p, spaced)| {
                let text = p.join("\n");
                if spaced { text } else { text.replace(' ', "") }
            })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(32))]
            #[test]
            fn count_within_agrees_with_count(text in text(), limit in 1usize..600) {
                let counter = TokenCounter::for_model("gpt-4o");
                let full = counter.count(&text);
                match counter.count_within(&text, limit) {
                    Some(n) => {
                        prop_assert_eq!(n, full);
                        prop_assert!(n <= limit);
                    }
                    // A prefix was over the limit; a prefix can take a token
                    // or two more than the whole (merges at its end), never more.
                    None => prop_assert!(full + 2 > limit, "{full} tokens, limit {limit}"),
                }
                if full <= limit.saturating_sub(2) {
                    prop_assert_eq!(counter.count_within(&text, limit), Some(full));
                }
            }

            #[test]
            fn fit_prefix_fits_and_nearly_fills(
                text in text(),
                budget in 1usize..300,
                guess in 0usize..5000,
            ) {
                prop_assume!(!text.is_empty());
                let counter = TokenCounter::for_model("gpt-4o");
                let (cut, n) = counter.fit_prefix(&text, budget, guess);
                prop_assert!(cut > 0 && text.is_char_boundary(cut));
                prop_assert_eq!(n, counter.count(&text[..cut]));
                let one_char = text[..cut].chars().count() == 1;
                prop_assert!(n <= budget || one_char, "{n} > {budget}");
                if cut < text.len() {
                    // Cut where the budget runs out: one more character would
                    // not fit with a margin for the merges at the cut.
                    let next = cut + text[cut..].chars().next().map_or(0, char::len_utf8);
                    let more = counter.count(&text[..next]);
                    prop_assert!(more + 4 > budget, "cut at {n} tokens, {more} with one more char, budget {budget}");
                } else {
                    prop_assert!(counter.count(&text) <= budget);
                }
            }
        }
    }
}
