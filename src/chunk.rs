//! Stage 3 — chunk: split each article into requests that fit a token budget.
//!
//! Chunks never cross articles. Paragraphs are kept whole where they fit;
//! a paragraph over the budget is split between sentences (Korean and CJK
//! punctuation included), and only a single sentence over the budget is cut
//! inside. Within an article, chunks are balanced to similar sizes so that
//! parallel requests finish together instead of waiting on one giant.

use serde::{Deserialize, Serialize};
use unicode_segmentation::UnicodeSegmentation;

use crate::cache::{Cache, CacheKey};
use crate::config::Profile;
use crate::document::{Article, Paragraph};
use crate::tokens::TokenCounter;

/// One unit of translation: a title, a paragraph, or a piece of a long paragraph.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    /// `A03.t`, `A03.p07`, or `A03.p07#2` for the second piece of a split paragraph.
    pub id: String,
    /// The paragraph (or title) this segment belongs to: `A03.p07`.
    pub paragraph: String,
    /// The exact source text; the pieces of a paragraph concatenate to it.
    pub text: String,
    pub tokens: usize,
}

/// One request's worth of segments from one article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chunk {
    /// `A03.c02`.
    pub id: String,
    pub article: String,
    pub segments: Vec<Segment>,
    pub tokens: usize,
}

// Chunking results are cached too (keyed by the article's text, the budget
// and the encoding), so a rerun from cache never builds the tokenizer.
/// Derived from this file and tokens.rs (build.rs): any change to the
/// chunker redoes cached plans.
const CHUNKER_VERSION: &str = crate::cache::versions::CHUNKER;

#[derive(Serialize)]
struct PlanKey<'a> {
    chunker: &'a str,
    encoding: &'a str,
    budget: usize,
    id: &'a str,
    title: &'a str,
    paragraphs: &'a [Paragraph],
}

/// Chunks of every article, from the cache where the same text was chunked before.
pub struct Chunker<'a> {
    cache: &'a Cache,
    model: String,
    budget: usize,
    counter: Option<TokenCounter>,
}

impl<'a> Chunker<'a> {
    pub fn new(cache: &'a Cache, profile: &Profile) -> Self {
        Self {
            cache,
            model: profile.model.clone(),
            budget: profile.chunk_tokens,
            counter: None,
        }
    }

    /// The encoding and the budget actually used (with the estimate margin).
    pub fn effective(&self) -> (&'static str, usize) {
        let (encoding, exact) = TokenCounter::encoding_for(&self.model);
        let budget = if exact {
            self.budget
        } else {
            ((self.budget as f64) * crate::tokens::ESTIMATE_MARGIN) as usize
        };
        (encoding, budget.max(16))
    }

    /// The token counter, built on first use.
    pub fn counter(&mut self) -> &TokenCounter {
        self.counter
            .get_or_insert_with(|| TokenCounter::for_model(&self.model))
    }

    pub fn chunks(&mut self, article: &Article) -> Vec<Chunk> {
        let (encoding, budget) = self.effective();
        let key = CacheKey::new(
            "plan",
            &PlanKey {
                chunker: CHUNKER_VERSION,
                encoding,
                budget,
                id: &article.id,
                title: &article.title,
                paragraphs: &article.paragraphs,
            },
        );
        // A cached plan is checked against the article before it is used:
        // a wrong one would send wrong text under right ids.
        if let Some(entry) = self.cache.get::<Vec<Chunk>>(&key)
            && plan_matches(article, &entry.value, budget)
        {
            return entry.value;
        }
        let chunks = chunk_article(article, budget, self.counter());
        // A plan that cannot be cached is only slower next time.
        let _ = self.cache.put(&key, "plan", None, None, &chunks);
        chunks
    }
}

/// Split `article` into chunks of at most `budget` tokens each (one over-long
/// sentence's pieces aside, which are cut to fit as well).
pub fn chunk_article(article: &Article, budget: usize, counter: &TokenCounter) -> Vec<Chunk> {
    let budget = budget.max(8);
    let mut segments = Vec::new();
    let title_id = article.title_segment_id();
    push_segments(&mut segments, &title_id, &article.title, budget, counter);
    for p in &article.paragraphs {
        push_segments(&mut segments, &p.id, &p.text, budget, counter);
    }
    // The fewest chunks the budget allows, with the smallest largest chunk:
    // the least cap under which greedy filling needs no more chunks.
    let sizes: Vec<usize> = segments.iter().map(|s| s.tokens).collect();
    let total: usize = sizes.iter().sum();
    let fewest = count_chunks(&sizes, budget);
    let (mut lo, mut hi) = (
        sizes
            .iter()
            .copied()
            .max()
            .unwrap_or(0)
            .max(total.div_ceil(fewest.max(1))),
        budget,
    );
    while lo < hi {
        let mid = (lo + hi) / 2;
        if count_chunks(&sizes, mid) <= fewest {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    let cap = lo.max(1);

    let mut chunks: Vec<Chunk> = Vec::new();
    let mut current: Vec<Segment> = Vec::new();
    let mut size = 0;
    for seg in segments {
        if !current.is_empty() && size + seg.tokens > cap {
            chunks.push(make_chunk(
                &article.id,
                chunks.len(),
                std::mem::take(&mut current),
            ));
            size = 0;
        }
        size += seg.tokens;
        current.push(seg);
    }
    if !current.is_empty() {
        chunks.push(make_chunk(&article.id, chunks.len(), current));
    }
    chunks
}

/// Whether `chunks` is a plan of `article`: chunks of this article numbered
/// in order, each within `budget` (a lone segment aside) and adding up its
/// segments' tokens, whose segments spell out the title and every paragraph
/// in order (pieces of a split one numbered `#1`, `#2`…).
fn plan_matches(article: &Article, chunks: &[Chunk], budget: usize) -> bool {
    let chunks_ok = chunks.iter().enumerate().all(|(i, c)| {
        c.id == format!("{}.c{:02}", article.id, i + 1)
            && c.article == article.id
            && !c.segments.is_empty()
            && c.tokens == c.segments.iter().map(|s| s.tokens).sum::<usize>()
            && (c.tokens <= budget.max(8) || c.segments.len() == 1)
    });
    let title = (article.title_segment_id(), article.title.as_str());
    let want = std::iter::once(title).chain(
        article
            .paragraphs
            .iter()
            .map(|p| (p.id.clone(), p.text.as_str())),
    );
    // The segments grouped by paragraph, in order.
    let mut got: Vec<(&str, Vec<&Segment>)> = Vec::new();
    for s in chunks.iter().flat_map(|c| &c.segments) {
        match got.last_mut() {
            Some((p, pieces)) if *p == s.paragraph => pieces.push(s),
            _ => got.push((&s.paragraph, vec![s])),
        }
    }
    chunks_ok
        && got.len() == article.paragraphs.len() + 1
        && want.zip(&got).all(|((id, text), (p, pieces))| {
            let ids_ok = match pieces.as_slice() {
                [one] => one.id == id,
                many => many
                    .iter()
                    .enumerate()
                    .all(|(i, s)| s.id == format!("{id}#{}", i + 1)),
            };
            *p == id && ids_ok && pieces.iter().map(|s| s.text.as_str()).collect::<String>() == text
        })
}

/// How many chunks greedy filling up to `cap` tokens makes.
fn count_chunks(sizes: &[usize], cap: usize) -> usize {
    let mut count = 0;
    let mut size = 0;
    for &s in sizes {
        if count == 0 || size + s > cap {
            count += 1;
            size = 0;
        }
        size += s;
    }
    count
}

fn make_chunk(article: &str, index: usize, segments: Vec<Segment>) -> Chunk {
    Chunk {
        id: format!("{article}.c{:02}", index + 1),
        article: article.to_string(),
        tokens: segments.iter().map(|s| s.tokens).sum(),
        segments,
    }
}

/// Add `text` as one segment, or as several pieces when it exceeds `budget`.
fn push_segments(
    out: &mut Vec<Segment>,
    id: &str,
    text: &str,
    budget: usize,
    counter: &TokenCounter,
) {
    let tokens = counter.count(text);
    if tokens <= budget {
        out.push(Segment {
            id: id.to_string(),
            paragraph: id.to_string(),
            text: text.to_string(),
            tokens,
        });
        return;
    }
    let pieces = split_to_budget(text, budget, counter);
    for (i, piece) in pieces.into_iter().enumerate() {
        out.push(Segment {
            id: format!("{id}#{}", i + 1),
            paragraph: id.to_string(),
            tokens: counter.count(&piece),
            text: piece,
        });
    }
}

/// Sentences of `text`, as exact substrings. Fragments that the Unicode rules
/// over-split (`U.S.`, a closing quote followed by `라고`) are merged back.
pub fn sentences(text: &str) -> Vec<&str> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    let mut pos = 0;
    for s in text.split_sentence_bounds() {
        let start = pos;
        pos += s.len();
        let stick = out.last().is_some_and(|&(a, b)| {
            let prev = &text[a..b];
            let prev_core = prev.trim_end();
            // An abbreviation or a quote continuing into Korean particles.
            prev_core
                .chars()
                .rev()
                .nth(1)
                .is_some_and(|c| c.is_ascii_uppercase() && prev_core.len() <= 4)
                || s.starts_with(|c: char| is_hangul(c)) && prev.ends_with(['"', '\'', '”', '’'])
                || s.trim().chars().count() <= 2
        });
        match out.last_mut() {
            Some(last) if stick => last.1 = pos,
            _ => out.push((start, pos)),
        }
    }
    // The Unicode rules miss Korean sentence ends without a following space
    // (`했다.다음`); they are rare in print, so no further splitting.
    out.into_iter().map(|(a, b)| &text[a..b]).collect()
}

fn is_hangul(c: char) -> bool {
    matches!(c as u32, 0xAC00..=0xD7AF | 0x1100..=0x11FF | 0x3130..=0x318F)
}

/// Pieces of `text`, each within `budget`, split between sentences where possible.
fn split_to_budget(text: &str, budget: usize, counter: &TokenCounter) -> Vec<String> {
    let mut pieces: Vec<String> = Vec::new();
    let mut current = String::new();
    for sentence in sentences(text) {
        let candidate = format!("{current}{sentence}");
        if counter.count(&candidate) <= budget {
            current = candidate;
            continue;
        }
        if !current.is_empty() {
            pieces.push(std::mem::take(&mut current));
        }
        if counter.count(sentence) <= budget {
            current = sentence.to_string();
        } else {
            let mut rest = sentence;
            while !rest.is_empty() {
                let cut = cut_point(rest, budget, counter);
                pieces.push(rest[..cut].to_string());
                rest = &rest[cut..];
            }
        }
    }
    if !current.is_empty() {
        pieces.push(current);
    }
    pieces
}

/// The largest char boundary in `text` whose prefix fits `budget`, moved back
/// to a space when one is near. Always at least one character.
fn cut_point(text: &str, budget: usize, counter: &TokenCounter) -> usize {
    let bounds: Vec<usize> = text
        .char_indices()
        .map(|(i, _)| i)
        .skip(1)
        .chain([text.len()])
        .collect();
    let (mut lo, mut hi) = (0usize, bounds.len() - 1);
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if counter.count(&text[..bounds[mid]]) <= budget {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    let cut = bounds[lo];
    if cut == text.len() {
        return cut;
    }
    // Prefer ending at a space within the last tenth of the piece.
    match text[..cut].rfind(' ') {
        Some(space) if space > 0 && space * 10 >= cut * 9 => space + 1,
        _ => cut,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::{ArticleKind, Paragraph};

    fn article(paragraphs: &[&str]) -> Article {
        Article {
            id: "A01".into(),
            kind: ArticleKind::Article,
            section: None,
            title: "제목".into(),
            category: None,
            source: None,
            date: None,
            lines: vec![],
            start: Default::default(),
            pages: Vec::new(),
            paragraphs: paragraphs
                .iter()
                .enumerate()
                .map(|(i, t)| Paragraph {
                    id: format!("A01.p{:02}", i + 1),
                    text: t.to_string(),
                    lines: vec![],
                })
                .collect(),
        }
    }

    #[test]
    fn a_cached_plan_is_used_only_if_it_is_this_articles() {
        let counter = TokenCounter::for_model("gpt-4o");
        let long = "시장이 커졌다. ".repeat(40);
        let a = article(&["첫 문단이다.", &long, "셋째 문단."]);
        let plan = chunk_article(&a, 60, &counter);
        assert!(plan.len() > 1 && plan_matches(&a, &plan, 60));
        type Tamper<'a> = &'a dyn Fn(&mut Vec<Chunk>);
        let tamper: [Tamper; 7] = [
            &|p| p[0].segments[0].text.push('x'),
            &|p| p[0].segments[0].id = "A01.p09".into(),
            &|p| p[0].id = "A02.c01".into(),
            &|p| p[0].tokens += 1,
            &|p| {
                p.pop();
            },
            &|p| p.swap(0, 1),
            &|p| p.last_mut().unwrap().segments.last_mut().unwrap().tokens = 10_000,
        ];
        for (i, t) in tamper.iter().enumerate() {
            let mut wrong = plan.clone();
            t(&mut wrong);
            assert!(!plan_matches(&a, &wrong, 60), "tampering {i} accepted");
        }
        // Another article's plan (same shape, other text) is not this one's.
        let b = article(&["다른 문단이다.", &long, "셋째 문단."]);
        assert!(!plan_matches(&b, &plan, 60));
    }

    #[test]
    fn plan_keys_carry_the_derived_chunker_version() {
        let a = article(&["문단"]);
        let key = |chunker| PlanKey {
            chunker,
            encoding: "o200k_base",
            budget: 100,
            id: &a.id,
            title: &a.title,
            paragraphs: &a.paragraphs,
        };
        assert_eq!(CHUNKER_VERSION, crate::cache::versions::CHUNKER);
        let json = serde_json::to_string(&key(CHUNKER_VERSION)).unwrap();
        assert!(json.contains(CHUNKER_VERSION), "{json}");
        assert_ne!(
            CacheKey::new("plan", &key(CHUNKER_VERSION)),
            CacheKey::new("plan", &key("0000000000000000"))
        );
    }

    #[test]
    fn korean_sentences_split_and_quotes_stay() {
        let s = sentences("시장이 커졌다. 다음 해에도 \"좋아요.\"라고 말했다. U.S.A. 기업이다.");
        assert_eq!(
            s.concat(),
            "시장이 커졌다. 다음 해에도 \"좋아요.\"라고 말했다. U.S.A. 기업이다."
        );
        assert!(s.len() >= 2, "{s:?}");
        assert!(s.iter().all(|x| !x.starts_with("라고")), "{s:?}");
    }

    #[test]
    fn long_paragraph_splits_between_sentences() {
        let counter = TokenCounter::for_model("gpt-4o");
        let long = "배터리 가격이 원자재 비용에 취약하다. ".repeat(40);
        let chunks = chunk_article(&article(&[&long, "짧은 문단"]), 100, &counter);
        for c in &chunks {
            assert!(c.tokens <= 100, "{} has {}", c.id, c.tokens);
        }
        let pieces: String = chunks
            .iter()
            .flat_map(|c| &c.segments)
            .filter(|s| s.paragraph == "A01.p01")
            .map(|s| s.text.as_str())
            .collect();
        assert_eq!(pieces, long);
    }

    #[test]
    fn one_giant_sentence_is_cut_to_fit() {
        let counter = TokenCounter::for_model("gpt-4o");
        let giant = "가나다라마바사".repeat(200);
        let chunks = chunk_article(&article(&[&giant]), 50, &counter);
        assert!(chunks.len() > 3);
        assert!(chunks.iter().all(|c| c.tokens <= 50));
    }

    #[test]
    fn chunks_are_balanced() {
        let counter = TokenCounter::for_model("gpt-4o");
        let paras: Vec<String> = (0..30)
            .map(|i| format!("문단 {i}: 산업기술 동향을 점검하고 전망을 제시한다."))
            .collect();
        let refs: Vec<&str> = paras.iter().map(|s| s.as_str()).collect();
        let chunks = chunk_article(&article(&refs), 200, &counter);
        let max = chunks.iter().map(|c| c.tokens).max().unwrap();
        let min = chunks.iter().map(|c| c.tokens).min().unwrap();
        assert!(
            min * 2 >= max,
            "unbalanced: {:?}",
            chunks.iter().map(|c| c.tokens).collect::<Vec<_>>()
        );
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn paragraph() -> impl Strategy<Value = String> {
            let word = prop_oneof![
                Just("배터리".to_string()),
                Just("산업기술".to_string()),
                Just("동향을".to_string()),
                Just("점검했다.".to_string()),
                Just("OECD".to_string()),
                Just("4억 2,700만".to_string()),
                Just("growth.".to_string()),
                Just("가나다라마바사아자차카타파하".repeat(6)),
                "[a-z]{1,12}",
            ];
            prop::collection::vec(word, 1..80).prop_map(|w| w.join(" "))
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(24))]
            #[test]
            fn chunks_fit_concatenate_back_and_are_deterministic(
                paragraphs in prop::collection::vec(paragraph(), 1..8),
                budget in 12usize..400,
            ) {
                let counter = TokenCounter::for_model("gpt-4o");
                let refs: Vec<&str> = paragraphs.iter().map(String::as_str).collect();
                let a = article(&refs);
                let chunks = chunk_article(&a, budget, &counter);
                // Every chunk fits: whole paragraphs, sentences, or cut pieces.
                for c in &chunks {
                    prop_assert!(c.tokens <= budget.max(8), "{} has {} > {budget}", c.id, c.tokens);
                    prop_assert_eq!(c.article.as_str(), "A01");
                }
                // Each paragraph's pieces, in order, are exactly its text.
                let all: Vec<&Segment> = chunks.iter().flat_map(|c| &c.segments).collect();
                for p in &a.paragraphs {
                    let joined: String = all.iter().filter(|s| s.paragraph == p.id).map(|s| s.text.as_str()).collect();
                    prop_assert_eq!(&joined, &p.text);
                }
                prop_assert_eq!(chunk_article(&a, budget, &counter), chunks);
            }
        }
    }
}
