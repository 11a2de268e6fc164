//! Stage 3 — chunk: split each article into requests that fit a token budget.
//!
//! Chunks never cross articles. Paragraphs are kept whole where they fit;
//! a paragraph over the budget is split between sentences (Korean and CJK
//! punctuation included), and only a single sentence over the budget is cut
//! inside. Within an article, chunks are balanced to similar sizes so that
//! parallel requests finish together instead of waiting on one giant.

use serde::{Deserialize, Serialize};
use unicode_segmentation::UnicodeSegmentation;

use crate::document::Article;
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

// Chunking results are cached too (by the run, `run::selected_chunks`), so
// a rerun from cache never builds the tokenizer. One entry holds the whole
// selection's layouts (where each segment's text starts and ends, and its
// count), not its text: a 50 MB issue then writes one small file instead of
// one file per article holding its text again. An edit re-chunks the whole
// selection, which costs the tokenizer's start and a count of the text,
// nothing sent. The keys carry the chunker's version (`cache::PlanKey`),
// derived from this file and tokens.rs by build.rs: any change to the
// chunker redoes cached plans.

/// How one article was cut, enough to cut its text again without counting:
/// each chunk's segments in order.
type Layout = Vec<Vec<Cut>>;

/// One segment of a layout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Cut {
    /// 0 for the title, `i + 1` for paragraph `i`.
    part: usize,
    /// 0 for a whole part, `k` for piece `#k` of a split one.
    piece: usize,
    /// The piece's length in bytes; pieces follow each other in their part.
    bytes: usize,
    tokens: usize,
}

/// The layouts of a selection of articles, in order: what a chunking
/// leaves to keep (the caller caches it), enough to cut the same text again
/// without the tokenizer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Layouts(Vec<Layout>);

/// Chunks of the selected articles for one model and budget, from the
/// layouts of an earlier chunking when they still fit the text.
pub struct Chunker {
    model: String,
    budget: usize,
    counter: Option<TokenCounter>,
}

impl Chunker {
    /// A chunker for `model`'s tokens, `budget` source tokens a chunk.
    pub fn new(model: &str, budget: usize) -> Self {
        Self {
            model: model.to_string(),
            budget,
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

    /// Each of `articles` with its chunks, one article at a time: only the
    /// layouts (a few numbers per segment) are held for the whole selection.
    /// `earlier`: the layouts of an earlier chunking of the same selection
    /// (from the cache), used when they still fit. Returns the new layouts
    /// when they were made here, for the caller to keep.
    pub fn chunk_all<'x>(
        mut self,
        articles: Vec<&'x Article>,
        earlier: Option<Layouts>,
    ) -> (
        Option<Layouts>,
        impl Iterator<Item = (&'x Article, Vec<Chunk>)> + use<'x>,
    ) {
        let (_, budget) = self.effective();
        // Earlier layouts are checked against the articles before they are
        // used: pieces that do not cover the text exactly, or counts over
        // the budget, and the whole selection is chunked again.
        let earlier = earlier.map(|l| l.0).filter(|layouts| {
            layouts.len() == articles.len()
                && articles
                    .iter()
                    .zip(layouts)
                    .all(|(a, l)| cut_pieces(a, l, budget).is_some())
        });
        let (made, layouts) = match earlier {
            Some(layouts) => (None, layouts),
            None => {
                let layouts = layouts(&articles, budget, self.counter());
                (Some(Layouts(layouts.clone())), layouts)
            }
        };
        let chunks = articles.into_iter().zip(layouts).map(move |(a, layout)| {
            let chunks = rebuild(a, &layout, budget)
                .unwrap_or_else(|| chunk_article(a, budget, self.counter()));
            (a, chunks)
        });
        (made, chunks)
    }
}

/// The layouts of `articles`, in order, counted on every core: counting is
/// most of what planning a big issue costs, and articles are independent.
fn layouts(articles: &[&Article], budget: usize, counter: &TokenCounter) -> Vec<Layout> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per_thread = articles.len().div_ceil(cores).max(1);
    std::thread::scope(|scope| {
        let threads: Vec<_> = articles
            .chunks(per_thread)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|a| layout_of(a, &chunk_article(a, budget, counter)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        threads
            .into_iter()
            .flat_map(|t| {
                t.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

/// The title and the paragraphs of `article`, in order: the parts a layout
/// refers to by index.
fn parts(article: &Article) -> Vec<(String, &str)> {
    std::iter::once((article.title_segment_id(), article.title.as_str()))
        .chain(
            article
                .paragraphs
                .iter()
                .map(|p| (p.id.clone(), p.text.as_str())),
        )
        .collect()
}

/// The layout of `chunks`, cut from `article` by [`chunk_article`].
fn layout_of(article: &Article, chunks: &[Chunk]) -> Layout {
    let parts = parts(article);
    let (mut part, mut piece) = (0, 0);
    chunks
        .iter()
        .map(|c| {
            c.segments
                .iter()
                .map(|s| {
                    // Segments come in the parts' order.
                    if parts.get(part).is_some_and(|(id, _)| *id != s.paragraph) {
                        part = parts
                            .iter()
                            .skip(part)
                            .position(|(id, _)| *id == s.paragraph)
                            .map_or(part, |i| part + i);
                        piece = 0;
                    }
                    let split = s.id != s.paragraph;
                    if split {
                        piece += 1;
                    }
                    Cut {
                        part,
                        piece: if split { piece } else { 0 },
                        bytes: s.text.len(),
                        tokens: s.tokens,
                    }
                })
                .collect()
        })
        .collect()
}

/// The pieces of `article`'s text that `layout` describes, chunk by chunk,
/// with their cuts; `None` unless it is a plan of this article: the pieces
/// cover the title and every paragraph exactly and in order, a split part's
/// pieces are numbered 1, 2… and a whole one's 0, parts come in order, and
/// every chunk holds a
/// segment and is within `budget` (a lone segment aside).
fn cut_pieces<'t, 'l>(
    article: &'t Article,
    layout: &'l Layout,
    budget: usize,
) -> Option<Vec<Vec<(&'l Cut, &'t str)>>> {
    let parts = parts(article);
    let mut used = vec![0usize; parts.len()];
    let mut numbers: Vec<Vec<usize>> = vec![Vec::new(); parts.len()];
    let mut chunks = Vec::with_capacity(layout.len());
    let mut last_part = 0;
    for cuts in layout {
        let tokens = cuts
            .iter()
            .try_fold(0usize, |n, c| n.checked_add(c.tokens))?;
        if cuts.is_empty() || (tokens > budget.max(8) && cuts.len() > 1) {
            return None;
        }
        let mut pieces = Vec::with_capacity(cuts.len());
        for cut in cuts {
            // Parts come in order, each once: no going back.
            if cut.part < last_part {
                return None;
            }
            last_part = cut.part;
            let text = parts.get(cut.part)?.1;
            let start = used[cut.part];
            let end = start.checked_add(cut.bytes)?;
            pieces.push((cut, text.get(start..end)?));
            used[cut.part] = end;
            numbers[cut.part].push(cut.piece);
        }
        chunks.push(pieces);
    }
    let covered = used
        .iter()
        .zip(&parts)
        .all(|(&n, (_, text))| n == text.len());
    let numbered = numbers
        .iter()
        .all(|n| n.as_slice() == [0] || n.len() > 1 && n.iter().copied().eq(1..=n.len()));
    (covered && numbered).then_some(chunks)
}

/// The chunks that `layout` describes, cut from `article`'s text, if it is a
/// plan of this article (see [`cut_pieces`]).
fn rebuild(article: &Article, layout: &Layout, budget: usize) -> Option<Vec<Chunk>> {
    let parts = parts(article);
    let chunks = cut_pieces(article, layout, budget)?
        .into_iter()
        .enumerate()
        .map(|(i, pieces)| {
            let segments = pieces
                .into_iter()
                .map(|(cut, text)| {
                    let id = &parts[cut.part].0;
                    Segment {
                        id: match cut.piece {
                            0 => id.clone(),
                            k => format!("{id}#{k}"),
                        },
                        paragraph: id.clone(),
                        text: text.to_string(),
                        tokens: cut.tokens,
                    }
                })
                .collect();
            make_chunk(&article.id, i, segments)
        })
        .collect();
    Some(chunks)
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
    if let Some(tokens) = counter.count_within(text, budget) {
        out.push(Segment {
            id: id.to_string(),
            paragraph: id.to_string(),
            text: text.to_string(),
            tokens,
        });
        return;
    }
    for (i, (piece, tokens)) in split_to_budget(text, budget, counter)
        .into_iter()
        .enumerate()
    {
        out.push(Segment {
            id: format!("{id}#{}", i + 1),
            paragraph: id.to_string(),
            text: piece.to_string(),
            tokens,
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
                || s.starts_with(crate::script::is_hangul) && prev.ends_with(['"', '\'', '”', '’'])
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

/// Pieces of `text` with their token counts, each within `budget`, split
/// between sentences where possible.
///
/// Each sentence is counted once and pieces are packed by the sum of their
/// sentences' counts; a packed piece is then counted as a whole (merges across
/// a sentence boundary can differ) and given back a sentence if it went over.
/// So the text is encoded a small constant number of times, not once per
/// sentence added.
fn split_to_budget<'t>(
    text: &'t str,
    budget: usize,
    counter: &TokenCounter,
) -> Vec<(&'t str, usize)> {
    let mut pieces = Vec::new();
    // Sentences that fit, with their offsets and counts, waiting to be packed.
    let mut run: Vec<(usize, usize, usize)> = Vec::new();
    let mut pos = 0;
    for sentence in sentences(text) {
        let (start, end) = (pos, pos + sentence.len());
        pos = end;
        match counter.count_within(sentence, budget) {
            Some(tokens) => run.push((start, end, tokens)),
            None => {
                pack_sentences(text, &run, budget, counter, &mut pieces);
                run.clear();
                cut_sentence(sentence, budget, counter, &mut pieces);
            }
        }
    }
    pack_sentences(text, &run, budget, counter, &mut pieces);
    pieces
}

/// Pack consecutive sentences `run` (offsets into `text` and counts, each
/// within `budget`) greedily into pieces within `budget`.
fn pack_sentences<'t>(
    text: &'t str,
    run: &[(usize, usize, usize)],
    budget: usize,
    counter: &TokenCounter,
    pieces: &mut Vec<(&'t str, usize)>,
) {
    let mut i = 0;
    while i < run.len() {
        // The most sentences whose counts add up within the budget (at least one).
        let mut j = i + 1;
        let mut sum = run[i].2;
        while j < run.len() && sum + run[j].2 <= budget {
            sum += run[j].2;
            j += 1;
        }
        loop {
            let piece = &text[run[i].0..run[j - 1].1];
            let tokens = if j == i + 1 {
                run[i].2
            } else {
                counter.count(piece)
            };
            if tokens <= budget || j == i + 1 {
                pieces.push((piece, tokens));
                break;
            }
            j -= 1;
        }
        i = j;
    }
}

/// Cut one sentence over `budget` into pieces that fit, each ending at a
/// space when one is near the end. Each cut encodes about one piece's worth
/// of text (the previous piece's length is the next one's guess).
fn cut_sentence<'t>(
    sentence: &'t str,
    budget: usize,
    counter: &TokenCounter,
    pieces: &mut Vec<(&'t str, usize)>,
) {
    let mut rest = sentence;
    let mut guess = budget.saturating_mul(4);
    while !rest.is_empty() {
        let (mut cut, mut tokens) = counter.fit_prefix(rest, budget, guess + guess / 8 + 16);
        if cut < rest.len() {
            // Prefer ending at a space within the last tenth of the piece.
            let tail = crate::tokens::floor_boundary(rest, cut - cut / 10);
            if let Some(space) = rest[tail..cut].rfind(' ').map(|s| tail + s)
                && space > 0
            {
                let n = counter.count(&rest[..=space]);
                // Shorter is all but always fewer tokens; keep the cut if not.
                if n <= budget {
                    (cut, tokens) = (space + 1, n);
                }
            }
        }
        pieces.push((&rest[..cut], tokens));
        guess = cut;
        rest = &rest[cut..];
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::document::Paragraph;

    fn article(paragraphs: &[&str]) -> Article {
        let paragraphs = paragraphs
            .iter()
            .enumerate()
            .map(|(i, t)| Paragraph {
                id: format!("A01.p{:02}", i + 1),
                text: t.to_string(),
                lines: vec![],
            })
            .collect();
        Article::stub("A01", "제목", None, paragraphs)
    }

    #[test]
    fn a_cached_plan_is_used_only_if_it_is_this_articles() {
        let counter = TokenCounter::for_model("gpt-4o");
        let long = "시장이 커졌다. ".repeat(40);
        let a = article(&["첫 문단이다.", &long, "셋째 문단."]);
        let plan = chunk_article(&a, 60, &counter);
        let layout = layout_of(&a, &plan);
        assert!(plan.len() > 1);
        assert_eq!(rebuild(&a, &layout, 60), Some(plan.clone()));
        type Tamper<'a> = &'a dyn Fn(&mut Layout);
        let tamper: [Tamper; 8] = [
            &|l| l[0][0].bytes += 1,
            &|l| l[0][0].part = 9,
            &|l| l[0][0].piece = 2,
            &|l| l[1][0].piece += 1,
            &|l| {
                l.pop();
            },
            &|l| l.swap(0, 1),
            &|l| l[0].clear(),
            &|l| {
                let first = l[0][0].clone();
                l.last_mut().unwrap().push(first);
            },
        ];
        for (i, t) in tamper.iter().enumerate() {
            let mut wrong = layout.clone();
            t(&mut wrong);
            assert_eq!(rebuild(&a, &wrong, 60), None, "tampering {i} accepted");
        }
        // A count over the budget is refused; another article's layout (other
        // text lengths) does not cover this one's text.
        let mut wrong = layout.clone();
        wrong[0][0].tokens = 10_000;
        assert!(wrong[0].len() > 1 && rebuild(&a, &wrong, 60).is_none());
        let b = article(&["다른 문단이다.", &long, "셋째 문단."]);
        assert_eq!(rebuild(&b, &layout, 60), None);
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

    /// `n` Hangul syllables without a space or a sentence end, drawn by a
    /// fixed LCG so most are not single tokens (the worst case for counting).
    fn hangul_run(n: usize) -> String {
        let mut x: u32 = 12345;
        (0..n)
            .map(|_| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                char::from_u32(0xAC00 + (x >> 8) % 11_172).unwrap_or('가')
            })
            .collect()
    }

    #[test]
    fn a_long_line_without_spaces_is_cut_within_budget() {
        let counter = TokenCounter::for_model("gpt-4o");
        let line = hangul_run(200 * 1024 / 3);
        for budget in [100, 1500] {
            let chunks = chunk_article(&article(&[&line]), budget, &counter);
            let segments: Vec<&Segment> = chunks.iter().flat_map(|c| &c.segments).collect();
            assert!(segments.len() > 1);
            for s in &segments {
                assert_eq!(s.tokens, counter.count(&s.text), "{}", s.id);
                assert!(s.tokens <= budget, "{} has {} > {budget}", s.id, s.tokens);
            }
            for c in &chunks {
                assert!(c.tokens <= budget, "{} has {} > {budget}", c.id, c.tokens);
            }
            let joined: String = segments
                .iter()
                .filter(|s| s.paragraph == "A01.p01")
                .map(|s| s.text.as_str())
                .collect();
            assert_eq!(joined, line);
            // Pieces are cut near the budget, not into slivers: all but the
            // last piece of the line hold most of a budget.
            let line_pieces: Vec<&&Segment> = segments
                .iter()
                .filter(|s| s.paragraph == "A01.p01")
                .collect();
            for s in &line_pieces[..line_pieces.len() - 1] {
                assert!(
                    s.tokens * 10 >= budget * 9,
                    "{} has only {}",
                    s.id,
                    s.tokens
                );
            }
        }
    }

    /// Every file under `dir`.
    fn files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            if e.path().is_dir() {
                out.extend(files(&e.path()));
            } else {
                out.push(e.path());
            }
        }
        out
    }

    #[test]
    fn a_cached_layout_is_used_and_a_wrong_one_redone() {
        let dir = tempfile::tempdir().unwrap();
        let cache = crate::cache::Cache::new(dir.path(), crate::cache::Mode::Normal);
        let key = crate::cache::CacheKey::plan(&[]);
        // What the run does: the layouts from the cache, new ones kept there.
        let chunker = || Chunker::new("gpt-4o", 40);
        let chunk_all = |articles: Vec<&Article>| -> Vec<Vec<Chunk>> {
            let earlier = cache.get::<Layouts>(&key).map(|e| e.value);
            let (made, chunks) = chunker().chunk_all(articles, earlier);
            if let Some(layouts) = made {
                cache.put(&key, None, None, &layouts).unwrap();
            }
            chunks.map(|(_, c)| c).collect()
        };
        let long = "배터리 가격이 원자재 비용에 취약하다. ".repeat(12);
        let (a, mut b) = (article(&[&long, "짧은 문단"]), article(&["둘째 기사"]));
        b.id = "A02".into();
        let run = || chunk_all(vec![&a, &b]);
        let fresh = run();
        let counter = TokenCounter::for_model("gpt-4o");
        assert_eq!(fresh[0], chunk_article(&a, 40, &counter));
        assert!(fresh[0].len() > 1);
        // One entry for the whole selection.
        let entries: Vec<_> = files(dir.path())
            .into_iter()
            .filter(|f| f.extension().is_some_and(|x| x == "json"))
            .collect();
        assert_eq!(entries.len(), 1, "{entries:?}");
        let edit = |f: &dyn Fn(&mut serde_json::Value)| {
            let mut entry: serde_json::Value =
                serde_json::from_slice(&std::fs::read(&entries[0]).unwrap()).unwrap();
            f(&mut entry["value"]);
            std::fs::write(&entries[0], serde_json::to_vec(&entry).unwrap()).unwrap();
        };
        // Counts come from the cache, not from counting again (a count the
        // layout lies about within the budget cannot be told without it).
        let title = fresh[0][0].segments[0].tokens;
        edit(&|v| v[0][0][0]["tokens"] = (title - 1).into());
        assert_eq!(run()[0][0].segments[0].tokens, title - 1);
        // A layout whose pieces do not cover the text is redone.
        edit(&|v| v[0][0][0]["bytes"] = 3.into());
        assert_eq!(run(), fresh);
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

    pub(crate) mod properties {
        use super::*;
        use proptest::prelude::*;

        /// A paragraph of Korean and English words, numbers and sentence ends.
        pub(crate) fn paragraph() -> impl Strategy<Value = String> {
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
                prop_assert_eq!(&chunk_article(&a, budget, &counter), &chunks);
                // A cached layout cuts the same chunks again.
                prop_assert_eq!(rebuild(&a, &layout_of(&a, &chunks), budget.max(8)), Some(chunks));
            }
        }
    }
}
