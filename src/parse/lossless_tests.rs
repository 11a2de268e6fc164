//! The lossless contract of the parser, checked on the sample issue, on
//! hand-written inputs of other shapes (`tests/data/`) and on generated text.
//!
//! Contract: every non-blank input line belongs to exactly one article (as a
//! title/metadata line or as part of a paragraph) or to `issue.dropped` with a
//! reason; each paragraph's text is its source lines' text with only
//! whitespace changed.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use proptest::prelude::*;

use super::artifacts::{PAGE_MARKER, RUNNING_HEADER};
use super::parse;
use super::tests::check_lossless;
use crate::document::{Article, ArticleKind, Issue};
use crate::load::{SourceText, decode, load};

/// `check_lossless`, plus what it does not look at: paragraphs own lines of
/// their own article only, no line is in two paragraphs, ids are unique,
/// dropped lines carry a reason and their own text.
fn check_strict(src: &SourceText, issue: &Issue) -> Result<(), String> {
    check_lossless(src, issue)?;
    let lines = src.lines();
    let mut ids = HashSet::new();
    let mut in_paragraph: HashMap<usize, String> = HashMap::new();
    for a in &issue.articles {
        if !ids.insert(a.id.clone()) {
            return Err(format!("duplicate article id {}", a.id));
        }
        for w in a.lines.windows(2) {
            if w[0][1] >= w[1][0] {
                return Err(format!(
                    "{}: line ranges overlap or are unsorted: {:?}",
                    a.id, a.lines
                ));
            }
        }
        let owns = |no: usize| a.lines.iter().any(|[f, l]| (*f..=*l).contains(&no));
        for p in &a.paragraphs {
            if !ids.insert(p.id.clone()) {
                return Err(format!("duplicate paragraph id {}", p.id));
            }
            if !p.id.starts_with(&format!("{}.p", a.id)) {
                return Err(format!("paragraph {} in article {}", p.id, a.id));
            }
            if p.lines.is_empty() || p.text.trim().is_empty() || p.text != p.text.trim() {
                return Err(format!(
                    "{}: empty or untrimmed paragraph {:?}",
                    p.id, p.text
                ));
            }
            for &no in &p.lines {
                if no == 0 || no > lines.len() || lines[no - 1].trim().is_empty() {
                    return Err(format!("{}: line {no} is blank or out of range", p.id));
                }
                if !owns(no) {
                    return Err(format!("{}: line {no} is outside {}'s ranges", p.id, a.id));
                }
                if let Some(prev) = in_paragraph.insert(no, p.id.clone()) {
                    return Err(format!("line {no} in both {prev} and {}", p.id));
                }
            }
        }
    }
    for d in &issue.dropped {
        if d.reason.trim().is_empty() {
            return Err(format!("dropped line {} has no reason", d.line));
        }
        if d.text != lines[d.line - 1].trim() {
            return Err(format!(
                "dropped line {} text {:?} differs from the input",
                d.line, d.text
            ));
        }
    }
    Ok(())
}

fn parse_file(rel: &str) -> (SourceText, Issue) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    let src = load(&path).unwrap_or_else(|e| panic!("{rel}: {e}"));
    let issue = parse(&src);
    if let Err(e) = check_strict(&src, &issue) {
        panic!("{rel}: lossless violated: {e}");
    }
    (src, issue)
}

fn of_kind(issue: &Issue, kind: ArticleKind) -> Vec<&Article> {
    issue.articles.iter().filter(|a| a.kind == kind).collect()
}

fn titles(articles: &[&Article]) -> Vec<String> {
    articles.iter().map(|a| a.title.clone()).collect()
}

fn texts(a: &Article) -> Vec<&str> {
    a.paragraphs.iter().map(|p| p.text.as_str()).collect()
}

fn squash(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

fn dropped_reason(issue: &Issue, line: usize) -> Option<&str> {
    issue
        .dropped
        .iter()
        .find(|d| d.line == line)
        .map(|d| d.reason.as_str())
}

// ---------------------------------------------------------------------------
// The sample issue
// ---------------------------------------------------------------------------

#[test]
fn sample_issue_is_lossless_and_well_structured() {
    let (src, issue) = parse_file("samples/trendwatch-2023-22.txt");

    let front = of_kind(&issue, ArticleKind::Front);
    assert_eq!(front.len(), 1, "{:?}", titles(&front));
    assert_eq!(front[0].id, "F01");
    assert_eq!(front[0].title, "산업기술 동향워치 2023년 22호 요약");

    let articles = of_kind(&issue, ArticleKind::Article);
    let expected: [(&str, &str, &str, &str); 9] = [
        (
            "일본 제조업 연구개발 분야 DX 과제와 추진 방향",
            "日 MURC",
            "11.6",
            "이슈포커스",
        ),
        (
            "OECD 스킬 전망 : 녹색·디지털 전환 스킬",
            "OECD",
            "11.6",
            "산업·기술 동향",
        ),
        (
            "글로벌 AI 발전 현황과 전망",
            "stateof.ai",
            "10.12",
            "산업·기술 동향",
        ),
        (
            "전기차·배터리 산업 전망",
            "Wood Mackenzie",
            "10.31",
            "산업·기술 동향",
        ),
        (
            "중국 고체 리튬이온배터리 산업 동향",
            "中 36氪研究院",
            "11.8",
            "산업·기술 동향",
        ),
        (
            "캐나다 첨단 제조 클러스터 자금 지원 현황",
            "加 ISED",
            "10.27",
            "정책 동향",
        ),
        ("미국 핵심광물 정책 동향", "日 JOGMEC", "11.6", "정책 동향"),
        (
            "호주 반도체 문샷을 위한 인재 파이프라인 개발",
            "濠 ASPI",
            "11.2",
            "정책 동향",
        ),
        (
            "중국 제조업 분야 안정성장계획의 대책과 전망",
            "日 미즈호은행",
            "11月",
            "정책 동향",
        ),
    ];
    assert_eq!(articles.len(), expected.len(), "{:?}", titles(&articles));
    for (k, (a, (title, source, date, section))) in articles.iter().zip(expected).enumerate() {
        assert_eq!(a.id, format!("A{:02}", k + 1));
        assert_eq!(a.title, title, "{}", a.id);
        assert_eq!(a.source.as_deref(), Some(source), "{}", a.id);
        assert_eq!(a.date.as_deref(), Some(date), "{}", a.id);
        assert_eq!(a.section.as_deref(), Some(section), "{}", a.id);
        assert_eq!(a.category, None, "{}", a.id);
        assert!(!a.paragraphs.is_empty(), "{} has no paragraphs", a.id);
    }

    let clippings = of_kind(&issue, ArticleKind::Clipping);
    let expected: [(&str, &str, &str, &str); 8] = [
        ("AI", "자율경비로봇", "Techxplore", "11.15"),
        (
            "배터리",
            "수소연료전지용 텅스텐 코팅",
            "Techxplore",
            "11.16",
        ),
        ("신소재", "배터리전극 보호막", "Techxplore", "11.14"),
        ("신소재", "저탄소 시멘트(LC3)", "Techxplore", "11.10"),
        (
            "신소재",
            "슬래그 첨가 친환경 콘크리트",
            "Techxplore",
            "11.09",
        ),
        ("AI", "AI 핀(Humane AI Pin)", "CNBC, Humane", "11.09"),
        (
            "기후변화",
            "복사 냉각 반사 유리 코팅 기술",
            "Techxplore",
            "11.13",
        ),
        (
            "에너지",
            "부유식 태양 발전 및 수질 정화 장치",
            "Techxplore",
            "11.13",
        ),
    ];
    assert_eq!(clippings.len(), expected.len(), "{:?}", titles(&clippings));
    for (k, (c, (category, name, source, date))) in clippings.iter().zip(expected).enumerate() {
        assert_eq!(c.id, format!("C{:02}", k + 1));
        assert_eq!(c.category.as_deref(), Some(category), "{}", c.id);
        assert_eq!(c.title, name, "{}", c.id);
        assert_eq!(c.source.as_deref(), Some(source), "{}", c.id);
        assert_eq!(c.date.as_deref(), Some(date), "{}", c.id);
        let section = c.section.as_deref().map(squash);
        assert_eq!(section.as_deref(), Some("유망기술클리핑"), "{}", c.id);
        assert!(
            c.paragraphs[0].text.starts_with('∙'),
            "{}: {:?}",
            c.id,
            c.paragraphs[0].text
        );
        // The source and date cells are metadata, never text.
        for p in &c.paragraphs {
            assert!(
                !p.text.contains("Techxplore") && !p.text.contains("(11."),
                "{}: {:?}",
                p.id,
                p.text
            );
        }
    }
    assert_eq!(issue.articles.len(), 1 + 9 + 8);
    assert!(issue.warnings.is_empty(), "{:?}", issue.warnings);

    // Every page marker is dropped as one; no text keeps a marker glyph.
    let lines = src.lines();
    let mut markers = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        if l.contains('❚') {
            assert_eq!(
                dropped_reason(&issue, i + 1),
                Some(PAGE_MARKER),
                "line {}: {l:?}",
                i + 1
            );
            markers.push(l.trim());
        }
    }
    for m in ["i ❚", "❚ ii", "1 ❚", "❚ 2", "3 ❚", "❚ 4", "❚ 6"] {
        assert!(markers.contains(&m), "{m} not found among {markers:?}");
    }
    for a in &issue.articles {
        assert!(!a.title.contains('❚'), "{}: {:?}", a.id, a.title);
        for p in &a.paragraphs {
            assert!(!p.text.contains('❚'), "{}: {:?}", p.id, p.text);
        }
    }
    // The running headers printed above the page numbers are dropped too.
    for (no, text) in [(1, "요약"), (158, "이슈포커스"), (349, "산업·기술 동향")] {
        assert_eq!(lines[no - 1].trim(), text);
        assert_eq!(
            dropped_reason(&issue, no),
            Some(RUNNING_HEADER),
            "line {no}"
        );
    }

    // Paragraphs a reader expects.
    let a01 = issue.article("A01").unwrap();
    assert_eq!(
        a01.paragraphs[0].text,
        "일본 미쓰비시UFJ리서치&컨설팅(MURC)이 자국 제조업의 연구개발 과제와 디지털 전환(DX) 추진 방향을 점검"
    );
    assert!(texts(a01).contains(&"▘일본 제조업의 연구개발 과제▗"));
    let a05 = issue.article("A05").unwrap();
    assert!(
        texts(a05).contains(
            &"고체배터리는 산업망 다운스트림의 전자·신에너지차·에너지 분야에서 광범위하게 활용"
        ),
        "{:#?}",
        texts(a05)
    );
    assert!(
        texts(a05)
            .contains(&"(참고 : 36氪研究院, 2023年中国固态锂离子电池产业洞察报告, 2023.11.08.)")
    );
    // The ※ note in C03 is interrupted by the clipping's source/date cells
    // (Techxplore, (11.14)) and still reads on.
    let c03 = issue.article("C03").unwrap();
    let note = c03
        .paragraphs
        .iter()
        .find(|p| p.text.starts_with("※ 기존 방식은"))
        .unwrap_or_else(|| panic!("{:#?}", texts(c03)));
    assert_eq!(
        note.text,
        "※ 기존 방식은 ESS 배터리 전극에 아연을 균일하게 증착시키기 까다롭고, 충·방전 반복 시 아연 표면에 \
         나뭇가지 모양 결정이 형성되며 배터리 내구성이 저하"
    );
    assert!(note.text.contains("증착시키기 까다롭고, 충·방전 반복"));
    // C06's text goes on after its source cells (CNBC, Humane, (11.09)).
    let c06 = issue.article("C06").unwrap();
    assert!(texts(c06).contains(
        &"- 문자 송수신 외에도 음성 대화를 실시간으로 번역할 수 있는 기능을 탑재하였고, AI 서비스 기반의 정보 탐색이 가능"
    ));
    // A ※ note wrapped inside a word joins without a space.
    let a05_note = texts(a05)
        .into_iter()
        .find(|t| t.starts_with("※ 중국 완성차"))
        .unwrap();
    assert!(
        a05_note.contains("10건 수준이었던 고체배터리 관련 특허"),
        "{a05_note}"
    );
}

/// Known limitation (see the report): a full-width line that ends a paragraph
/// without a trailing space is read as a line broken inside a word, so the
/// next paragraph (whose bullet glyph pdftotext lost) or table cell is glued on.
#[test]
#[ignore = "known limitation: paragraph ends at a full-width line are not detected"]
fn sample_paragraph_ending_at_full_width_line() {
    let (_, issue) = parse_file("samples/trendwatch-2023-22.txt");
    let a04 = issue.article("A04").unwrap();
    assert!(texts(a04).contains(
        &"- 배터리의 화학적 특성 또한 충전 속도, 수명, 주행거리 등에 영향을 미치므로, 제조업체가 배터리팩 크기와 \
          화학구성을 통해 다양한 고객 요구를 수용할 경우 원자재 압력 가중 가능"
    ));
    let a03 = issue.article("A03").unwrap();
    assert!(texts(a03).contains(&"산업"), "{:#?}", texts(a03));
}

// ---------------------------------------------------------------------------
// Other shapes
// ---------------------------------------------------------------------------

#[test]
fn markdown_newsletter() {
    let (_, issue) = parse_file("tests/data/markdown-newsletter.md");
    let front = of_kind(&issue, ArticleKind::Front);
    assert_eq!(titles(&front), ["The Weekly Stack — Issue 42"]);
    let articles = of_kind(&issue, ArticleKind::Article);
    assert_eq!(
        titles(&articles),
        [
            "Chip export rules tighten again",
            "A new open-weight model",
            "Solid-state batteries, for real this time?"
        ]
    );
    assert!(issue.dropped.is_empty(), "{:?}", issue.dropped);
    let a01 = issue.article("A01").unwrap();
    assert_eq!(
        texts(a01),
        [
            "The US Commerce Department published updated export controls on advanced semiconductors on \
             Tuesday. The rules close loopholes that let vendors sell slightly slower accelerators to \
             restricted markets.",
            "- Performance-density thresholds replace the old interconnect limit",
            "- 43 more countries now need a licence for data-centre GPUs",
            "- Vendors have 30 days to comply",
            "Analysts expect the change to cost suppliers about 10% of their China revenue.",
        ]
    );
    // A level-3 heading stays inside its article.
    assert!(texts(issue.article("A02").unwrap()).contains(&"### How it was trained"));
}

#[test]
fn numbered_report() {
    let (_, issue) = parse_file("tests/data/numbered-report.txt");
    let articles = of_kind(&issue, ArticleKind::Article);
    assert_eq!(
        titles(&articles),
        [
            "1. Introduction",
            "2. Findings",
            "3. Recommendations",
            "4. Conclusion"
        ]
    );
    let front = of_kind(&issue, ArticleKind::Front);
    assert_eq!(front.len(), 1);
    assert_eq!(
        texts(front[0]),
        ["Regional Supply Chain Review 2023 Prepared by the Office of Industrial Analysis"]
    );
    // Sub-sections stay in their section; list items are their own paragraphs.
    let findings = texts(issue.article("A02").unwrap());
    assert!(findings.contains(&"2.1 Semiconductors") && findings.contains(&"2.2 Batteries"));
    assert_eq!(
        texts(issue.article("A03").unwrap()),
        [
            "The office recommends three measures:",
            "1. Build a shared stockpile of critical minerals.",
            "2. Fund a pilot line for battery cell recycling.",
            "3. Publish a quarterly dashboard of lead times.",
        ]
    );
}

#[test]
fn plain_prose_is_one_article() {
    let (_, issue) = parse_file("tests/data/plain-prose.txt");
    // A wrapped line that starts with a number ("20 boats were …") is not a heading.
    assert_eq!(
        issue.articles.len(),
        1,
        "{:?}",
        titles(&issue.articles.iter().collect::<Vec<_>>())
    );
    let a = &issue.articles[0];
    assert_eq!(a.kind, ArticleKind::Article);
    assert_eq!(a.paragraphs.len(), 4);
    assert!(
        a.paragraphs[2]
            .text
            .contains("more than 20 boats were unloading")
    );
    assert!(issue.dropped.is_empty() && issue.warnings.is_empty());
}

#[test]
fn japanese_chapters() {
    let (_, issue) = parse_file("tests/data/japanese-report.txt");
    let articles = of_kind(&issue, ArticleKind::Article);
    assert_eq!(
        titles(&articles),
        ["第1章　背景", "第2章　現状", "第3章　今後の方向性"]
    );
    assert_eq!(
        texts(of_kind(&issue, ArticleKind::Front)[0]),
        ["製造業におけるデジタル変革の現状と課題"]
    );
    // Lines of Japanese text join without spaces; ・ items are their own paragraphs.
    assert_eq!(
        texts(issue.article("A01").unwrap())[0],
        "近年、製造業を取り巻く環境は大きく変化している。顧客ニーズの多様化、サプライチェーンの複雑化、\
         人手不足の深刻化により、従来の生産方式では競争力を維持することが難しくなっている。"
    );
    assert_eq!(
        texts(issue.article("A02").unwrap())[1..],
        [
            "主な課題としては、次の点が挙げられる。",
            "・データが部署ごとに分散している",
            "・分析を担う人材が不足している",
            "・投資対効果の説明が難しい",
        ]
    );
}

#[test]
fn chinese_numbered_sections() {
    let (_, issue) = parse_file("tests/data/chinese-report.txt");
    let articles = of_kind(&issue, ArticleKind::Article);
    assert_eq!(
        titles(&articles),
        ["一、产业概况", "二、技术进展", "三、市场展望"]
    );
    assert_eq!(
        texts(of_kind(&issue, ArticleKind::Front)[0]),
        ["2023年中国固态电池产业发展报告（摘要）"]
    );
    let tech = texts(issue.article("A02").unwrap());
    assert!(
        tech.contains(&"（一）电解质材料") && tech.contains(&"（二）制造工艺"),
        "{tech:#?}"
    );
    assert_eq!(
        texts(issue.article("A03").unwrap()),
        [
            "预计到2030年，中国固态电池出货量将超过250GWh，市场规模有望突破200亿元。企业应加强产学研合作，推动关键材料和装备的国产化。"
        ]
    );
}

#[test]
fn korean_newsletter_without_summary_table() {
    let (src, issue) = parse_file("tests/data/trendwatch-like-23.txt");
    assert!(of_kind(&issue, ArticleKind::Front).is_empty());
    assert!(of_kind(&issue, ArticleKind::Clipping).is_empty());
    let articles = of_kind(&issue, ArticleKind::Article);
    let expected = [
        (
            "독일 제조업 경쟁력 진단과 과제",
            "獨 IW",
            "11.14",
            "산업·기술 동향",
        ),
        (
            "영국 반도체 전략 이행 현황",
            "英 DSIT",
            "11.9",
            "산업·기술 동향",
        ),
        (
            "인도 전자부품 생산연계 인센티브 확대",
            "印 MeitY",
            "11.2",
            "정책 동향",
        ),
    ];
    assert_eq!(articles.len(), 3, "{:?}", titles(&articles));
    for (a, (title, source, date, section)) in articles.iter().zip(expected) {
        assert_eq!(
            (
                a.title.as_str(),
                a.source.as_deref(),
                a.date.as_deref(),
                a.section.as_deref()
            ),
            (title, Some(source), Some(date), Some(section))
        );
    }
    // Page markers and the running header repeated around them are dropped.
    for (i, l) in src.lines().iter().enumerate() {
        let reason = dropped_reason(&issue, i + 1);
        if l.contains('❚') {
            assert_eq!(reason, Some(PAGE_MARKER), "line {}", i + 1);
        }
        if l.contains("동향워치 2023년 23호") {
            assert_eq!(reason, Some(RUNNING_HEADER), "line {}", i + 1);
        }
    }
    // The first article's last line stands right above the next title: it is
    // the article's text, not a section heading.
    let a01 = texts(issue.article("A01").unwrap());
    assert_eq!(
        a01.last().copied(),
        Some(
            "- ▲재생에너지 확대 가속 ▲인허가 절차 단축 ▲연구개발 세액공제 확대 등을 우선 과제로 제시"
        )
    );
    // The text goes on across the page break.
    let a02 = texts(issue.article("A02").unwrap());
    assert_eq!(a02.len(), 7, "{a02:#?}");
    assert_eq!(
        a02[3],
        "※ 영국 반도체 기업은 약 2만 5천 명을 고용하고 있으며, 설계 분야에 강점"
    );
    for a in &issue.articles {
        for p in &a.paragraphs {
            assert!(
                !p.text.contains('❚') && !p.text.contains("동향워치"),
                "{}: {}",
                p.id,
                p.text
            );
        }
    }
}

#[test]
fn crlf_input() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/crlf-memo.txt");
    let bytes = std::fs::read(&path).unwrap();
    assert!(
        bytes.windows(2).any(|w| w == b"\r\n"),
        "the fixture lost its CRLF line ends"
    );
    let (src, issue) = parse_file("tests/data/crlf-memo.txt");
    assert!(!src.text.contains('\r'));
    let articles = of_kind(&issue, ArticleKind::Article);
    assert_eq!(
        titles(&articles),
        [
            "1. Background",
            "2. Proposal",
            "3. Timeline",
            "4. Questions"
        ]
    );
    assert_eq!(
        texts(issue.article("A02").unwrap()),
        [
            "We propose moving to the Riverside building, which offers",
            "- 20% more desk space at the same rent,",
            "- two large meeting rooms, and",
            "- secure bicycle parking.",
        ]
    );
    for a in &issue.articles {
        assert!(!a.title.contains('\r'));
        for p in &a.paragraphs {
            assert!(!p.text.contains('\r'), "{}", p.id);
        }
    }
}

#[test]
fn form_feed_pages() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/formfeed-report.txt");
    assert!(
        std::fs::read(&path).unwrap().contains(&0x0C),
        "the fixture lost its form feeds"
    );
    let (src, issue) = parse_file("tests/data/formfeed-report.txt");
    let articles = of_kind(&issue, ArticleKind::Article);
    assert_eq!(
        titles(&articles),
        [
            "Summary",
            "Industrial segment",
            "Consumer segment",
            "Outlook"
        ]
    );
    // "Page N" footers are page markers; the header repeated at the top of
    // each later page (after the form feed) is a running header.
    let lines = src.lines();
    for (i, l) in lines.iter().enumerate() {
        if l.trim().starts_with("Page ") {
            assert_eq!(
                dropped_reason(&issue, i + 1),
                Some(PAGE_MARKER),
                "line {}",
                i + 1
            );
        }
        if l.starts_with(' ') && l.contains("ACME Market Monitor") {
            assert_eq!(
                dropped_reason(&issue, i + 1),
                Some(RUNNING_HEADER),
                "line {}",
                i + 1
            );
        }
    }
    // Each article knows its pages (from the form feeds) and how it was found.
    for a in &articles {
        let [first, last] = a.pages[..] else {
            panic!("{}: pages {:?}", a.id, a.pages)
        };
        let on: Vec<u32> = a
            .lines
            .iter()
            .flat_map(|[f, l]| *f..=*l)
            .map(|n| src.pages[n - 1])
            .collect();
        assert_eq!((first, last), (on[0], on[on.len() - 1]), "{}", a.id);
        assert_ne!(a.start, crate::document::StartRule::Unknown);
    }
    assert!(
        articles
            .last()
            .is_some_and(|a| a.pages[0] > articles[0].pages[0])
    );
    assert_eq!(
        texts(issue.article("A01").unwrap()),
        [
            "Revenue grew 6% quarter on quarter, driven by the industrial segment. Margins held steady despite \
          higher freight costs."
        ]
    );
    assert_eq!(
        texts(issue.article("A02").unwrap()),
        [
            "Orders from machine builders rose for the third quarter in a row. The order backlog now covers \
          5.2 months of production, up from 4.1 months a year ago."
        ]
    );
}

#[test]
fn double_spaced_pdftotext_output() {
    let (src, issue) = parse_file("tests/data/double-spaced-briefing.txt");
    assert!(src.lines().iter().skip(1).step_by(2).all(|l| l.is_empty()));
    let articles = of_kind(&issue, ArticleKind::Article);
    assert_eq!(
        titles(&articles),
        [
            "1. Market overview",
            "2. Policy",
            "3. Technology",
            "4. Outlook"
        ]
    );
    assert_eq!(
        texts(issue.article("A01").unwrap()),
        [
            "Global electrolyser shipments reached 1.2 GW in the first half of the year, more than in the \
             whole of 2022. China accounted for roughly 60% of the total, followed by Europe.",
            "Project cancellations also rose, as higher interest rates made long-term offtake contracts \
             harder to finance.",
        ]
    );
    assert_eq!(
        texts(issue.article("A02").unwrap())[1..],
        [
            "- 132 bids from 17 countries",
            "- Average requested premium below EUR 1.00/kg"
        ]
    );
}

/// Inputs that once broke the parser, or could.
#[test]
fn lossless_on_edge_cases() {
    let cases: &[&str] = &[
        // Setext underlines stacked: an underline is never a heading itself.
        "Title\n---\n---\nbody text\n",
        "Title\n===\n===\n===\nbody\n\nMore\n---\n",
        "---\n---\n---\n",
        "A\n---\nB\n---\n",
        // Only artifacts.
        "❚ 2\n\n3 ❚\n",
        // Titles only, titles with sections and nothing else.
        "제목 하나 (OECD, 11.6)\n제목 둘 (OECD, 11.7)\n",
        "섹션\n제목 하나 (OECD, 11.6)\n섹션\n제목 둘 (OECD, 11.7)\n",
        // A clipping table with nothing around it.
        "제목 하나 (OECD, 11.6)\n본문\n제목 둘 (OECD, 11.7)\nAI\n∙ 본문\nTechxplore\n(11.15)\n",
        "\u{c}\u{c}text\u{c}\n\u{c}",
        "\r\r\ntext\r",
        "1.\n2.\n# \n#\n##  x  ##\n",
    ];
    for text in cases {
        let Ok(src) = decode("t", "t", text.as_bytes()) else {
            continue;
        };
        let issue = parse(&src);
        if let Err(e) = check_strict(&src, &issue) {
            panic!("{text:?}: {e}\n{issue:#?}");
        }
    }
}

// ---------------------------------------------------------------------------
// Generated inputs
// ---------------------------------------------------------------------------

const WORDS: &[&str] = &[
    "산업",
    "기술",
    "동향",
    "배터리",
    "반도체",
    "정책",
    "전망",
    "지원",
    "확대",
    "점검",
    "제시",
    "연구개발",
    "AI",
    "OECD",
    "R&D",
    "supply",
    "chain",
    "growth",
    "the",
    "of",
    "2023",
    "55.4%",
    "’23년",
    "(LC3)",
    "CO2",
    "전자·신에너지차",
    "数据",
    "データ",
    "활용",
    "11.6",
    "and",
    "Report",
];

fn words(min: usize, max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(WORDS), min..=max).prop_map(|w| w.join(" "))
}

/// One line's content (without line end).
fn line() -> impl Strategy<Value = String> {
    let bullet = (
        prop::sample::select(&["∙ ", "- ", "※ ", "▲", "* ", "• ", "  - ", "▘", "(참고 : "][..]),
        words(1, 10),
    )
        .prop_map(|(b, w)| format!("{b}{w}"));
    let title = (
        words(1, 6),
        prop::sample::select(
            &[
                "OECD",
                "日 MURC",
                "中 36氪研究院",
                "Wood Mackenzie",
                "加 ISED",
            ][..],
        ),
        prop::sample::select(&["11.6", "10.31", "11月", "2023.11.06"][..]),
        prop::bool::ANY,
    )
        .prop_map(|(t, s, d, b)| format!("{}{t} ({s}, {d})", if b { "∙ " } else { "" }));
    let heading = (
        prop::sample::select(
            &[
                "# ",
                "## ",
                "### ",
                "1. ",
                "2. ",
                "2.1 ",
                "3 ",
                "제1장 ",
                "第二章 ",
                "一、",
                "（二）",
                "IV. ",
            ][..],
        ),
        words(1, 4),
    )
        .prop_map(|(h, w)| format!("{h}{w}"));
    let fixed = prop::sample::select(
        &[
            "❚ 2",
            "3 ❚",
            "i ❚",
            "❚ ii",
            "- 4 -",
            "Page 3",
            "Page 2 of 9",
            "===",
            "---",
            "(11.15)",
            "∙ (AI) 자율경비로봇",
            "∙ (배터리) 텅스텐 코팅",
            "구분 주요 내용",
            "Techxplore",
            "1",
            "12",
            "이슈포커스",
            "산업·기술 동향",
            "유망",
            "클리핑",
            "",
        ][..],
    )
    .prop_map(str::to_string);
    prop_oneof![
        4 => words(1, 14),
        2 => bullet,
        2 => title,
        1 => heading,
        3 => fixed,
        2 => Just(String::new()),
    ]
}

/// A line with optional leading/trailing whitespace and form feed.
fn decorated_line() -> impl Strategy<Value = String> {
    (
        line(),
        prop::sample::select(&["", "", "", " ", "  ", "\u{c}", "\t", "\u{3000}"][..]),
        prop::sample::select(&["", "", " ", "  ", "\t"][..]),
    )
        .prop_map(|(l, lead, trail)| format!("{lead}{l}{trail}"))
}

/// A whole document: lines joined by LF, CRLF, CR or a mix; sometimes every
/// line is followed by a blank line, as pdftotext does.
fn document() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(decorated_line(), 0..60),
        prop::sample::select(&["\n", "\r\n", "\r", "mixed"][..]),
        prop::bool::weighted(0.25),
        prop::bool::ANY,
    )
        .prop_map(|(lines, end, double, final_end)| {
            let mut out = String::new();
            for (i, l) in lines.iter().enumerate() {
                let end = match end {
                    "mixed" => ["\n", "\r\n"][i % 2],
                    e => e,
                };
                out.push_str(l);
                if i + 1 < lines.len() || final_end {
                    out.push_str(end);
                    if double {
                        out.push_str(end);
                    }
                }
            }
            out
        })
}

const SAMPLE: &str = include_str!("../../samples/trendwatch-2023-22.txt");

/// A stretch of the sample issue with some lines removed or repeated, so the
/// titled layout (summary table, sections, clipping table) is exercised.
fn sample_excerpt() -> impl Strategy<Value = String> {
    let n = SAMPLE.lines().count();
    (0..n, 1..n, prop::collection::vec(0u8..10, n)).prop_map(move |(start, len, edits)| {
        let lines: Vec<&str> = SAMPLE.lines().collect();
        let mut out = String::new();
        for (i, l) in lines.iter().enumerate().skip(start).take(len) {
            match edits[i] {
                0 => {}
                1 => {
                    out.push_str(l);
                    out.push('\n');
                    out.push_str(l);
                    out.push('\n');
                }
                _ => {
                    out.push_str(l);
                    out.push('\n');
                }
            }
        }
        out
    })
}

/// What a generated paged issue holds, to check the parse against.
#[derive(Debug, Clone)]
struct PagedIssue {
    text: String,
    /// The section titles as the body prints them, in order.
    titles: Vec<String>,
    /// How many pages carry the running header.
    header_pages: usize,
}

/// A paged issue (form feeds) of another publisher: a cover, a contents
/// page (dot leaders, a numbered list, or none, then numbered body headings),
/// sections whose body text runs over pages that carry a running header and
/// a page number, and references at the end.
fn paged_issue() -> impl Strategy<Value = PagedIssue> {
    (
        prop::collection::vec(
            (words(1, 3), prop::collection::vec(words(3, 12), 2..14)),
            2..7,
        ),
        0u8..3,
        prop::sample::select(&["주간 동향 브리프", "Weekly Monitor", "2025년 제17호"][..]),
        3usize..9,
        prop::bool::ANY,
    )
        .prop_map(|(sections, toc, header, per_page, numbered_pages)| {
            let roman = ["Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ", "Ⅴ", "Ⅵ", "Ⅶ"];
            // Unique titles: a generated word list may repeat.
            let names: Vec<String> = sections
                .iter()
                .enumerate()
                .map(|(k, (t, _))| format!("{t} 과제{k}"))
                .collect();
            let mut body: Vec<String> = Vec::new();
            let mut titles = Vec::new();
            for (k, (_, paras)) in sections.iter().enumerate() {
                let title = match toc {
                    0 => names[k].clone(),
                    _ => format!("{}. {}", roman[k], names[k]),
                };
                titles.push(title.clone());
                body.push(title);
                body.extend(paras.iter().cloned());
            }
            body.push("참고문헌".to_string());
            body.push("김 외, 보고서, 2023.".to_string());
            let mut out = String::from("표지 제목\n발행 기관\n");
            out.push('\u{c}');
            match toc {
                0 => {
                    out.push_str("목 차\n");
                    for (k, n) in names.iter().enumerate() {
                        out.push_str(&format!("{n} ........ {}\n", k + 3));
                    }
                }
                1 => {
                    out.push_str("차 례\n");
                    for (k, n) in names.iter().enumerate() {
                        out.push_str(&format!("{}. {n}\n", k + 1));
                    }
                }
                _ => out.push_str("요약 없음\n"),
            }
            let header_pages = body.chunks(per_page).count();
            for (p, chunk) in body.chunks(per_page).enumerate() {
                out.push('\u{c}');
                out.push_str(header);
                out.push('\n');
                for l in chunk {
                    out.push_str(l);
                    out.push_str("\n\n");
                }
                if numbered_pages {
                    out.push_str(&format!("{}\n", p + 3));
                } else {
                    out.push_str(&format!("- {} -\n", p + 3));
                }
            }
            PagedIssue {
                text: out,
                titles,
                header_pages,
            }
        })
}

/// `src` with a layout as a PDF reader would fill it: lines whose text is
/// one of `titles` set at 16 pt, the rest at 10 pt; and an outline of the
/// titles when asked.
fn with_layout(src: &SourceText, titles: &[String], outline: bool) -> SourceText {
    let mut laid = src.clone();
    laid.layout = src
        .lines()
        .iter()
        .enumerate()
        .map(|(i, l)| {
            (!l.trim().is_empty()).then(|| crate::load::LineLayout {
                page: src.pages[i],
                x: 60.0,
                y: 80.0,
                width: 400.0,
                page_width: 595.0,
                page_height: 842.0,
                font_size: if titles.iter().any(|t| t == l.trim()) {
                    16.0
                } else {
                    10.0
                },
                bold: false,
            })
        })
        .collect();
    if outline {
        laid.outline = titles
            .iter()
            .map(|t| crate::load::OutlineEntry {
                title: t.clone(),
                page: None,
                level: 0,
            })
            .collect();
    }
    laid
}

fn assert_lossless(text: &str) -> Result<(), TestCaseError> {
    let Ok(src) = decode("generated", "generated", text.as_bytes()) else {
        return Ok(());
    };
    let issue = parse(&src);
    if let Err(e) = check_strict(&src, &issue) {
        return Err(TestCaseError::fail(format!("{e}\ninput: {text:?}")));
    }
    Ok(())
}

proptest! {
    // No regression files: this suite writes nothing outside the target dir.
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn generated_text_is_lossless(text in document()) {
        assert_lossless(&text)?;
    }

    #[test]
    fn sample_excerpts_are_lossless(text in sample_excerpt()) {
        assert_lossless(&text)?;
    }

    #[test]
    fn paged_issues_are_lossless_and_their_sections_found(issue in paged_issue()) {
        assert_lossless(&issue.text)?;
        let src = decode("generated", "generated", issue.text.as_bytes()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let parsed = parse(&src);
        let found = titles(&of_kind(&parsed, ArticleKind::Article));
        prop_assert_eq!(&found, &issue.titles, "{}", issue.text);
        // The same issue as a PDF would give it: each line's font (the
        // titles larger), and the outline, or none.
        for with_outline in [false, true] {
            let laid = with_layout(&src, &issue.titles, with_outline);
            let parsed = parse(&laid);
            if let Err(e) = check_strict(&laid, &parsed) {
                return Err(TestCaseError::fail(format!("{e}\ninput: {:?}", issue.text)));
            }
            prop_assert_eq!(&titles(&of_kind(&parsed, ArticleKind::Article)), &issue.titles);
        }
        // A running header on three pages or more never reaches an article.
        for a in parsed.articles.iter().filter(|_| issue.header_pages >= 3) {
            for p in &a.paragraphs {
                prop_assert!(!p.text.contains("주간 동향 브리프") && !p.text.contains("Weekly Monitor"));
            }
        }
    }
}

// ---------------------------------------------------------------------------
// PDF input: the fixtures of tests/data/pdf, the development PDFs when they
// are beside the repository, and generated pages of glyphs.
// ---------------------------------------------------------------------------

mod pdf_input {
    use std::path::{Path, PathBuf};

    use proptest::prelude::*;

    use super::{check_strict, parse, parse_file};
    use crate::load::load;
    use crate::load::pdf::from_pages;
    use crate::load::pdf::lines::{Glyph, PageGlyphs};

    #[test]
    fn pdf_fixtures_are_lossless_and_carry_their_layout() {
        for name in ["korean.pdf", "two-columns.pdf", "encrypted-no-password.pdf"] {
            let (src, issue) = parse_file(&format!("tests/data/pdf/{name}"));
            assert_eq!(src.encoding, "PDF", "{name}");
            let lines = src.lines();
            assert_eq!(src.layout.len(), lines.len(), "{name}");
            assert_eq!(src.pages.len(), lines.len(), "{name}");
            for (line, layout) in lines.iter().zip(&src.layout) {
                assert_eq!(line.trim().is_empty(), layout.is_none(), "{name}: {line:?}");
            }
            assert!(!issue.articles.is_empty(), "{name}");
        }
    }

    /// The development PDFs in `../shared/samples/dev`, beside the
    /// repository (as CI lays it out); `None` when the folder is missing.
    fn development_pdfs() -> Option<Vec<PathBuf>> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/samples/dev");
        let entries = std::fs::read_dir(&dir).ok()?;
        let mut pdfs: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
            .collect();
        pdfs.sort();
        Some(pdfs)
    }

    /// Skipped (and saying so) only outside CI: with `CI` set a missing
    /// folder fails, so CI cannot pass this test without reading the PDFs.
    #[test]
    fn development_pdfs_are_lossless() {
        let Some(pdfs) = development_pdfs() else {
            let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
            assert!(
                !ci,
                "CI is set but ../shared/samples/dev (beside the repository) is missing"
            );
            eprintln!("SKIPPED development_pdfs_are_lossless: no ../shared/samples/dev");
            return;
        };
        assert!(!pdfs.is_empty(), "../shared/samples/dev holds no PDF");
        for path in pdfs {
            let src = load(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert_eq!(src.layout.len(), src.lines().len());
            let issue = parse(&src);
            if let Err(e) = check_strict(&src, &issue) {
                panic!("{}: lossless violated: {e}", path.display());
            }
        }
    }

    /// A word of Hangul, Han or Latin letters.
    fn word() -> impl Strategy<Value = String> {
        prop_oneof![
            proptest::collection::vec(0xAC00u32..0xD7A3, 1..6),
            proptest::collection::vec(0x4E00u32..0x9FA5, 1..6),
            proptest::collection::vec(0x61u32..0x7A, 1..8),
            proptest::collection::vec(0x30u32..0x39, 1..3),
        ]
        .prop_map(|cps| cps.into_iter().filter_map(char::from_u32).collect())
    }

    /// A page of rows of words, one or two columns, headings in a bigger
    /// bold size, rows at random heights (some sharing a baseline).
    fn page() -> impl Strategy<Value = Vec<(f32, f32, f32, bool, Vec<String>)>> {
        proptest::collection::vec(
            (
                0u32..60,
                prop_oneof![Just(50.0f32), Just(320.0f32), 50.0f32..400.0],
                prop_oneof![Just(10.0f32), Just(9.0f32), Just(16.0f32)],
                any::<bool>(),
                proptest::collection::vec(word(), 1..6),
            )
                .prop_map(|(row, x, size, bold, words)| {
                    (row as f32 * 13.0 + 60.0, x, size, bold, words)
                }),
            0..40,
        )
    }

    fn glyphs(rows: &[(f32, f32, f32, bool, Vec<String>)]) -> Vec<Glyph> {
        let mut glyphs = Vec::new();
        for (baseline, x0, size, bold, words) in rows {
            let mut x = *x0;
            for w in words {
                for c in w.chars() {
                    let advance = if c.is_ascii() { size * 0.5 } else { *size };
                    glyphs.push(Glyph {
                        text: c.to_string(),
                        x,
                        baseline: *baseline,
                        width: advance,
                        size: *size,
                        bold: *bold,
                    });
                    x += advance;
                }
                x += size * 0.3;
            }
        }
        glyphs
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 128,
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        #[test]
        fn generated_pdf_pages_are_lossless(pages in proptest::collection::vec(page(), 1..4)) {
            let pages: Vec<PageGlyphs> = pages
                .iter()
                .enumerate()
                .map(|(i, rows)| PageGlyphs {
                    number: i as u32 + 1,
                    width: 595.0,
                    height: 842.0,
                    glyphs: glyphs(rows),
                })
                .collect();
            let Ok(src) = from_pages("generated.pdf", "generated", "generated.pdf", &pages, Vec::new()) else {
                return Ok(());
            };
            let issue = parse(&src);
            if let Err(e) = check_strict(&src, &issue) {
                return Err(TestCaseError::fail(format!("{e}\ntext: {:?}", src.text)));
            }
        }
    }
}
