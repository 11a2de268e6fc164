//! Every kind of cache entry and what its key is made of, in one place.
//!
//! A key is a SHA-256 over the format version, the entry's [`Kind`] and the
//! inputs that shape the entry, serialized as JSON. Stages build keys only
//! through the typed constructors on [`CacheKey`], so what goes into a key of
//! each kind is written down once, here. The kinds' names and the inputs'
//! field order are part of the hash: renaming either invalidates every
//! existing entry of that kind (the `pinned` test below says so first).

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::FORMAT_VERSION;
use crate::document::{Article, Paragraph};
use crate::llm::ChatRequest;

/// Versions of the code that shapes cached results, derived by `build.rs`
/// from that code's source (16 hex digits each): any edit to it changes the
/// keys of exactly the entries it produces.
pub mod versions {
    include!(concat!(env!("OUT_DIR"), "/versions.rs"));
}

/// What a cache entry is. Its name is hashed into the key and written into
/// the entry (`gloss cache stats` counts entries by it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// One article's chunk layout inputs (`plan-article`): never stored
    /// alone, its key is an input of the selection's [`Kind::Plan`] key.
    PlanArticle,
    /// The chunk layouts of a selection of articles (`plan`).
    Plan,
    /// A translation request's raw reply text (`translate-reply`), parsed
    /// again at every read.
    TranslateReply,
    /// A chunk's checked (and possibly repaired) translation.
    Checked(CheckedKind),
    /// A repair request's raw reply text (`repair-reply`).
    RepairReply,
    /// A single-request stage's answer text.
    Answer(AnswerKind),
}

/// How much of a chunk a checked result covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CheckedKind {
    /// Every segment translated and checked (`translate`).
    Complete,
    /// Some segments failed; the good ones are kept so that a rerun goes
    /// back to the failed ones alone (`translate-partial`).
    Partial,
}

/// Which single-request stage an answer is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AnswerKind {
    /// An article's summary (`summary`).
    Summary,
    /// An issue's brief, or one part of it when it is built map → reduce (`brief`).
    Brief,
    /// An article's list of names and their renderings (`terms`).
    Terms,
    /// The cross-issue brief, or one part of it (`week`).
    Week,
    /// Where an issue's contents entries start, asked when the rules fall
    /// short (`structure`).
    Structure,
}

impl Kind {
    /// The name hashed into keys and written into entries.
    pub const fn as_str(self) -> &'static str {
        match self {
            Kind::PlanArticle => "plan-article",
            Kind::Plan => "plan",
            Kind::TranslateReply => "translate-reply",
            Kind::Checked(CheckedKind::Complete) => "translate",
            Kind::Checked(CheckedKind::Partial) => "translate-partial",
            Kind::RepairReply => "repair-reply",
            Kind::Answer(AnswerKind::Summary) => "summary",
            Kind::Answer(AnswerKind::Brief) => "brief",
            Kind::Answer(AnswerKind::Terms) => "terms",
            Kind::Answer(AnswerKind::Week) => "week",
            Kind::Answer(AnswerKind::Structure) => "structure",
        }
    }

    /// The entry label of an answer kept although cut at the token limit
    /// (`summary-cut`): a cache hit reports the cut again. The key stays
    /// the kind's own.
    pub fn cut_label(self) -> String {
        format!("{}-cut", self.as_str())
    }

    /// The entry label of an answer that came back unusable
    /// (`brief-unusable`, see [`super::Unusable`]): a cache hit reports the
    /// problem again instead of asking again. The key stays the kind's own.
    pub fn unusable_label(self) -> String {
        format!("{}-unusable", self.as_str())
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What one article's chunks depend on: the chunker's code, the token
/// encoding and budget, and the article's id and text.
#[derive(Debug, Serialize)]
pub struct PlanKey<'a> {
    chunker: &'a str,
    encoding: &'a str,
    budget: usize,
    id: &'a str,
    title: &'a str,
    paragraphs: &'a [Paragraph],
}

impl<'a> PlanKey<'a> {
    /// The inputs of `article`'s chunks under this build's chunker.
    pub fn new(encoding: &'a str, budget: usize, article: &'a Article) -> Self {
        Self {
            chunker: versions::CHUNKER,
            encoding,
            budget,
            id: &article.id,
            title: &article.title,
            paragraphs: &article.paragraphs,
        }
    }
}

/// Everything that shapes a *checked* chunk result: the request, and how
/// failed segments are handled (repairs on or off, the repair prompt, the
/// checks' version). The raw answers are cached under their requests alone.
#[derive(Debug, Serialize)]
pub struct CheckedKey<'a> {
    request: &'a ChatRequest,
    qa_version: &'a str,
    repair: bool,
    /// The repair prompt: it shapes repairs and the prompt-echo check.
    repair_template: Option<&'a str>,
    /// Segments a request (0, the whole chunk, leaves the key as it was):
    /// the same chunk asked in other requests is another answer.
    #[serde(skip_serializing_if = "is_zero")]
    segments_per_request: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl<'a> CheckedKey<'a> {
    /// The inputs of `request`'s checked result under this build's checks,
    /// with repairs on or off and the repair prompt in use.
    pub fn new(request: &'a ChatRequest, repair: bool, repair_template: Option<&'a str>) -> Self {
        Self {
            request,
            qa_version: versions::QA,
            repair,
            repair_template,
            segments_per_request: 0,
        }
    }

    /// The same, for a chunk asked `n` segments a request (0: all at once).
    pub fn per_request(self, n: usize) -> Self {
        Self {
            segments_per_request: n,
            ..self
        }
    }
}

/// A content address: hex SHA-256, with the kind of entry it addresses.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CacheKey {
    hex: String,
    kind: Kind,
}

impl CacheKey {
    /// Hash `kind` and `inputs` with the format version. Private to the
    /// cache: the constructors below say what each kind's inputs are.
    pub(super) fn of(kind: Kind, inputs: &impl Serialize) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(format!("gloss-cache-v{FORMAT_VERSION}\0{}\0", kind.as_str()).as_bytes());
        // serde_json writes struct fields in declaration order: stable.
        hasher.update(serde_json::to_vec(inputs).unwrap_or_default());
        Self {
            hex: hex::encode(hasher.finalize()),
            kind,
        }
    }

    /// One article's chunk layout.
    pub fn plan_article(inputs: &PlanKey<'_>) -> Self {
        Self::of(Kind::PlanArticle, inputs)
    }

    /// The layouts of a selection, from its articles' keys in order: one
    /// small entry for the whole selection.
    pub fn plan(articles: &[CacheKey]) -> Self {
        let hexes: Vec<&str> = articles.iter().map(CacheKey::as_str).collect();
        Self::of(Kind::Plan, &hexes)
    }

    /// A translation request's raw reply. The base URL is not in the key:
    /// the same model behind another address gives the same answer.
    pub fn reply(request: &ChatRequest) -> Self {
        Self::of(Kind::TranslateReply, request)
    }

    /// A chunk's checked result, complete or partial.
    pub fn checked(kind: CheckedKind, inputs: &CheckedKey<'_>) -> Self {
        Self::of(Kind::Checked(kind), inputs)
    }

    /// A repair request's raw reply.
    pub fn repair_reply(request: &ChatRequest) -> Self {
        Self::of(Kind::RepairReply, request)
    }

    /// A single-request stage's answer to `request`.
    pub fn answer(kind: AnswerKind, request: &ChatRequest) -> Self {
        Self::of(Kind::Answer(kind), request)
    }

    /// The hex digest.
    pub fn as_str(&self) -> &str {
        &self.hex
    }

    /// What the entry under this key is.
    pub fn kind(&self) -> Kind {
        self.kind
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::{ChatMessage, Role};

    fn request() -> ChatRequest {
        ChatRequest {
            model: "m".into(),
            messages: vec![
                ChatMessage::new(Role::System, "sys"),
                ChatMessage::new(Role::User, "안녕 [1]"),
            ],
            temperature: 0.0,
            max_tokens: 50,
            stream: false,
        }
    }

    fn paragraphs() -> Vec<Paragraph> {
        vec![
            Paragraph {
                id: "A01.p01".into(),
                text: "첫 문단.".into(),
                lines: vec![3],
            },
            Paragraph {
                id: "A01.p02".into(),
                text: "둘째 \"문단\".".into(),
                lines: vec![4, 5],
            },
        ]
    }

    fn plan_key<'a>(id: &'a str, title: &'a str, paragraphs: &'a [Paragraph]) -> PlanKey<'a> {
        PlanKey {
            chunker: "0123456789abcdef",
            encoding: "o200k_base",
            budget: 100,
            id,
            title,
            paragraphs,
        }
    }

    fn checked_key(request: &ChatRequest, repair: bool) -> CheckedKey<'_> {
        CheckedKey {
            request,
            qa_version: "fedcba9876543210",
            repair,
            repair_template: repair.then_some("Fix {{ source }}"),
            segments_per_request: 0,
        }
    }

    /// Existing caches stay valid: every kind's key hashes to what it did
    /// before the keys were gathered here. The hex literals were computed
    /// once by the previous code (`CacheKey::new("summary", &request)`,
    /// `PlanKey` in chunk.rs, `CheckedKey` in translate.rs) for these inputs;
    /// a change here means every cached entry of that kind is lost.
    #[test]
    fn pinned() {
        let request = request();
        let paragraphs = paragraphs();
        let a01 = CacheKey::plan_article(&plan_key("A01", "제목", &paragraphs));
        let a02 = CacheKey::plan_article(&plan_key("A02", "", &[]));
        let cases = [
            (
                a01.clone(),
                "26aadf0ce4c72a51e355f8ca35c2ac3577e932ca07d8e129602eee917382b5c3",
            ),
            (
                a02.clone(),
                "f2fc8316fcb74e1f64a9878e06f1db024989f8d321d3fa51112287999b6bd466",
            ),
            (
                CacheKey::plan(&[a01, a02]),
                "eb9498bd7a4a594cc9f30c2db09faa49cea31f0613065d6ba6432d54fd63f532",
            ),
            (
                CacheKey::plan(&[]),
                "876d9dafb5578d2672089c190d05769c9c515e600612d093be2e2f165abff4f5",
            ),
            (
                CacheKey::reply(&request),
                "37cc3255ab2f303188dddf6d288a10941e3ff8d7a0f6c782a392492de5056d58",
            ),
            (
                CacheKey::repair_reply(&request),
                "738bf2c389f8e6128324b2920c7430cfe866b1ed3acebfce2537c23b96c75c5c",
            ),
            (
                CacheKey::checked(CheckedKind::Complete, &checked_key(&request, true)),
                "773c4f17ea7883c099aff2be02a06d0c9f4c628ee846f79740f50450043e35d6",
            ),
            (
                CacheKey::checked(CheckedKind::Complete, &checked_key(&request, false)),
                "19a3e244889ce7cc3d765b791228b4ee391a86b6a28eb9dc8334d85527140c07",
            ),
            (
                CacheKey::checked(CheckedKind::Partial, &checked_key(&request, true)),
                "222a2f5f3bd1d5470eebeba5607b842149fed03c5c1d60c881dd85c02c47a450",
            ),
            (
                CacheKey::checked(CheckedKind::Partial, &checked_key(&request, false)),
                "90bf218e8eca99ebb30922a196659607d7216686aaa363596c594c6cb72827fe",
            ),
            (
                CacheKey::answer(AnswerKind::Summary, &request),
                "0d3e45112c457df8c056b01c2d2966d90fed824de77886f6f32ba424f92abf4d",
            ),
            (
                CacheKey::answer(AnswerKind::Brief, &request),
                "6aa7b9f4710185515d74882feee34ac9f061258c479d8f336b313db770692d30",
            ),
            (
                CacheKey::answer(AnswerKind::Terms, &request),
                "a4344baf3f23fc1031bdd06e66fa6810f576036c03560c82cac652e53657c46b",
            ),
            (
                CacheKey::answer(AnswerKind::Week, &request),
                "2c48d1dc9edbb1ec44c70db0d90c93ffa8e324ad228b2ac4d0d15c0cbe13578f",
            ),
        ];
        for (key, hex) in cases {
            assert_eq!(key.as_str(), hex, "{}", key.kind());
        }
    }

    #[test]
    fn entry_names_are_the_stored_ones() {
        // Written into entries and counted by `gloss cache stats`.
        let names = [
            (Kind::PlanArticle, "plan-article"),
            (Kind::Plan, "plan"),
            (Kind::TranslateReply, "translate-reply"),
            (Kind::Checked(CheckedKind::Complete), "translate"),
            (Kind::Checked(CheckedKind::Partial), "translate-partial"),
            (Kind::RepairReply, "repair-reply"),
            (Kind::Answer(AnswerKind::Summary), "summary"),
            (Kind::Answer(AnswerKind::Brief), "brief"),
            (Kind::Answer(AnswerKind::Terms), "terms"),
            (Kind::Answer(AnswerKind::Week), "week"),
        ];
        for (kind, name) in names {
            assert_eq!(kind.as_str(), name);
        }
        assert_eq!(Kind::Answer(AnswerKind::Summary).cut_label(), "summary-cut");
    }

    #[test]
    fn keys_carry_the_derived_code_versions() {
        let request = request();
        let article = Article::stub("A01", "제목", None, paragraphs());
        let plan = PlanKey::new("o200k_base", 100, &article);
        assert_eq!(plan.chunker, versions::CHUNKER);
        // Another chunker, another key; the same inputs, the same key.
        assert_ne!(
            CacheKey::plan_article(&plan),
            CacheKey::plan_article(&plan_key("A01", "제목", &article.paragraphs))
        );
        assert_eq!(
            CacheKey::plan_article(&plan),
            CacheKey::plan_article(&PlanKey::new("o200k_base", 100, &article))
        );
        let checked = CheckedKey::new(&request, true, Some("Fix {{ source }}"));
        assert_eq!(checked.qa_version, versions::QA);
        assert_ne!(
            CacheKey::checked(CheckedKind::Complete, &checked),
            CacheKey::checked(CheckedKind::Complete, &checked_key(&request, true))
        );
        // Asked a segment at a time, another key; 0 (the whole chunk) keeps
        // the key it always had.
        let key = |k: CheckedKey| CacheKey::checked(CheckedKind::Complete, &k);
        let new = || CheckedKey::new(&request, true, Some("Fix {{ source }}"));
        assert_eq!(key(new().per_request(0)), key(new()));
        assert_ne!(key(new().per_request(1)), key(new()));
        for v in [versions::CHUNKER, versions::QA] {
            assert_eq!(v.len(), 16, "{v}");
            assert!(v.bytes().all(|b| b.is_ascii_hexdigit()), "{v}");
        }
        // Different code, different versions.
        assert_ne!(versions::CHUNKER, versions::QA);
    }

    #[test]
    fn keys_change_with_every_input_and_kind() {
        let request = request();
        let a = CacheKey::reply(&request);
        assert_eq!(a, CacheKey::reply(&request));
        assert_eq!(a.kind(), Kind::TranslateReply);
        let mut other = request.clone();
        other.model = "m2".into();
        assert_ne!(a, CacheKey::reply(&other));
        let mut other = request.clone();
        other.temperature = 0.1;
        assert_ne!(a, CacheKey::reply(&other));
        let mut other = request.clone();
        other.max_tokens = 51;
        assert_ne!(a, CacheKey::reply(&other));
        // The same request under another kind is another entry.
        assert_ne!(a.as_str(), CacheKey::repair_reply(&request).as_str());
        assert_ne!(
            a.as_str(),
            CacheKey::answer(AnswerKind::Summary, &request).as_str()
        );
    }
}
