//! A model's brief made readable and kept to what the issue says: its
//! template copies, repeats and titles-as-headlines replaced or left out,
//! and lines that contradict the parse (an article under another section,
//! a title under another id) not shown. Each step is one pass over the
//! answer (sets, not nested scans), so a hostile answer of 200,000 lines
//! costs what reading it costs.

use std::collections::{HashMap, HashSet};

use super::markdown::{list_item, marks, normalized, section_items, without_lines};
use super::{BriefArticle, BriefInput, first_sentence};
use crate::citations::{cited_ids, without_citations};
use crate::qa::echo::placeholders;
use crate::summarize::repeats_title;

/// Leave out a "What to watch" section that only repeats the headlines (a
/// small model's habit: the 1.5B copied its nine headlines word for word):
/// at least two items, and most of them one of the headlines. Whether it did.
pub fn drop_repeated_watch(markdown: &str) -> (String, bool) {
    let (Some((headlines, _, _)), Some((watch, start, end))) = (
        section_items(markdown, "Headlines"),
        section_items(markdown, "What to watch"),
    ) else {
        return (markdown.to_string(), false);
    };
    let headlines: HashSet<&String> = headlines.iter().map(|(_, t)| t).collect();
    let repeated = watch.iter().filter(|(_, w)| headlines.contains(w)).count();
    if watch.len() < 2 || repeated * 2 <= watch.len() {
        return (markdown.to_string(), false);
    }
    (without_lines(markdown, &marks(markdown, start..end)), true)
}

/// Leave out bullet items that are a placeholder of `template` with its
/// angle brackets dropped ("- **Development to Watch** [C02]" for the
/// template's `<development to watch>`): the model copied the template's
/// words, not content. How many were left out.
pub fn drop_placeholder_items(markdown: &str, template: &str) -> (String, usize) {
    let words: HashSet<String> = placeholders(template)
        .iter()
        .map(|p| p.trim_matches(['<', '>']).trim().to_lowercase())
        .collect();
    let copies: Vec<usize> = markdown
        .lines()
        .enumerate()
        .filter_map(|(i, line)| Some((i, list_item(line)?)))
        .filter(|(_, item)| words.contains(normalized(item).trim_end_matches([',', '.', ';', ' '])))
        .map(|(i, _)| i)
        .collect();
    if copies.is_empty() {
        return (markdown.to_string(), 0);
    }
    let n = copies.len();
    (without_lines(markdown, &marks(markdown, copies)), n)
}

/// Leave out headlines that repeat an earlier headline or a "By section"
/// line (the 1.5B wrote one headline twice and copied its section lines
/// under the headlines). The first of each stays, and a section of nothing
/// but copies is kept whole. How many were left out.
pub fn drop_repeated_headlines(markdown: &str) -> (String, usize) {
    let Some((headlines, _, _)) = section_items(markdown, "Headlines") else {
        return (markdown.to_string(), 0);
    };
    // A section line's text, its "**name** — " label aside: the 1.5B also
    // put one section's text under another's name.
    let body = |t: &str| t.split_once(" — ").map_or(t, |(_, b)| b).trim().to_string();
    let sections: HashSet<String> = section_items(markdown, "By section")
        .map(|(items, _, _)| items.iter().map(|(_, t)| body(t)).collect())
        .unwrap_or_default();
    // Only a headline shaped like a section line ("name — text") or citing
    // nothing is taken for a copy of one: a section of one article may well
    // say what its headline says.
    let lines: Vec<&str> = markdown.lines().collect();
    let copy_shaped = |i: usize, t: &str| t.contains(" — ") || cited_ids(lines[i]).is_empty();
    let mut seen: HashSet<&str> = HashSet::new();
    let mut repeats = Vec::new();
    for (i, text) in &headlines {
        let copies_section = copy_shaped(*i, text) && sections.contains(&body(text));
        if !seen.insert(text.as_str()) || copies_section {
            repeats.push(*i);
        }
    }
    if repeats.is_empty() || repeats.len() == headlines.len() {
        return (markdown.to_string(), 0);
    }
    let n = repeats.len();
    (without_lines(markdown, &marks(markdown, repeats)), n)
}

/// What [`replace_titles`] did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Replaced {
    /// The text.
    pub text: String,
    /// The headline lines now written from a summary, as written.
    pub from_summaries: Vec<String>,
    /// `A04`, or `C02→A05` where the title was cited to another article.
    pub replaced: Vec<String>,
    /// Headlines that were a title of an article without a summary.
    pub dropped: Vec<String>,
}

/// The article whose title (with its source and date) `text` only repeats:
/// the one `cited` names when several share the title.
fn titled<'a>(
    text: &str,
    cited: &[String],
    articles: &'a [BriefArticle],
) -> Option<&'a BriefArticle> {
    let mut named = articles.iter().filter(|a| {
        let extra: Vec<&str> = [a.source.as_deref(), a.date.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        repeats_title(text, &a.title, &extra)
    });
    let first = named.next()?;
    let all: Vec<&BriefArticle> = std::iter::once(first).chain(named).collect();
    all.iter()
        .find(|a| cited.contains(&a.id))
        .or(all.first())
        .copied()
}

/// A headline that only repeats an article's translated title (whatever it
/// cites: the 1.5B wrote A05's title under `[C02]`) says nothing the
/// contents page does not: it is replaced by the first sentence of that
/// article's summary, cited to it, or left out when it has none.
pub fn replace_titles(
    markdown: &str,
    articles: &[BriefArticle],
    summaries: &[BriefInput],
) -> Replaced {
    let mut out = Replaced::default();
    let Some((headlines, _, _)) = section_items(markdown, "Headlines") else {
        out.text = markdown.to_string();
        return out;
    };
    let summary: HashMap<&str, &str> = summaries
        .iter()
        .map(|s| (s.id.as_str(), s.text.as_str()))
        .collect();
    let mut lines: Vec<String> = markdown.lines().map(str::to_string).collect();
    let mut drop = Vec::new();
    for (i, _) in headlines {
        let item = list_item(&lines[i]).unwrap_or_default().to_string();
        let cited = cited_ids(&item);
        let text = without_citations(&item).replace("**", "");
        let Some(article) = titled(&text, &cited, articles) else {
            continue;
        };
        let sentence = summary
            .get(article.id.as_str())
            .map(|t| first_sentence(t))
            .filter(|s| !s.is_empty());
        let Some(sentence) = sentence else {
            out.dropped.push(article.id.clone());
            drop.push(i);
            continue;
        };
        lines[i] = format!("- {sentence} [{}]", article.id);
        out.from_summaries.push(lines[i].clone());
        out.replaced
            .push(match cited.contains(&article.id) || cited.is_empty() {
                true => article.id.clone(),
                false => format!("{}→{}", cited.join("+"), article.id),
            });
    }
    let mut text = lines.join("\n");
    if markdown.ends_with('\n') {
        text.push('\n');
    }
    out.text = if drop.is_empty() {
        text
    } else {
        without_lines(&text, &marks(&text, drop))
    };
    out
}

/// Leave out headline and "What to watch" items that contradict the parse:
/// one labelled with a section (`**Policy trends** — …`) that cites an
/// article of another section, and one that is an article's title under
/// another article's id. Returns the text and the items left out.
pub fn drop_contradictions(markdown: &str, articles: &[BriefArticle]) -> (String, Vec<String>) {
    let section_of: HashMap<&str, Option<String>> = articles
        .iter()
        .map(|a| (a.id.as_str(), a.section.as_deref().map(str::to_lowercase)))
        .collect();
    let sections: HashSet<String> = articles
        .iter()
        .filter_map(|a| Some(a.section.as_deref()?.to_lowercase()))
        .collect();
    let lines: Vec<&str> = markdown.lines().collect();
    let mut drop = Vec::new();
    let mut told = Vec::new();
    for heading in ["Headlines", "What to watch"] {
        let Some((items, _, _)) = section_items(markdown, heading) else {
            continue;
        };
        for (i, text) in items {
            let cited = cited_ids(lines[i]);
            let label = text
                .split_once(" — ")
                .or_else(|| text.split_once(": "))
                .map(|(l, _)| l.trim().to_string())
                .filter(|l| sections.contains(l));
            let elsewhere = |label: &str| {
                cited.iter().any(|id| {
                    section_of
                        .get(id.as_str())
                        .is_some_and(|s| s.as_deref() != Some(label))
                })
            };
            let misplaced = label.as_deref().is_some_and(elsewhere);
            let mistitled = !cited.is_empty()
                && titled(&text, &cited, articles).is_some_and(|a| !cited.contains(&a.id));
            if misplaced || mistitled {
                drop.push(i);
                told.push(lines[i].trim().to_string());
            }
        }
    }
    if drop.is_empty() {
        return (markdown.to_string(), told);
    }
    (without_lines(markdown, &marks(markdown, drop)), told)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn article(id: &str, section: &str, title: &str) -> BriefArticle {
        BriefArticle {
            id: id.into(),
            title: title.into(),
            section: Some(section.into()),
            source: None,
            date: None,
        }
    }

    fn summary(id: &str, text: &str) -> BriefInput {
        BriefInput {
            id: id.into(),
            title: String::new(),
            section: None,
            text: text.into(),
        }
    }

    #[test]
    fn a_what_to_watch_that_repeats_the_headlines_is_left_out() {
        let brief = "## Headlines\n- Canada funds clusters [A06]\n- **US secures minerals** [A07]\n- Chips need talent [A08]\n\n## What to watch\n- Canada funds clusters [A06]\n- US secures minerals [A07][A02]\n- Whether cells reach volume production [A04]\n\n## Articles\n- x\n";
        let (out, dropped) = drop_repeated_watch(brief);
        assert!(dropped);
        assert!(!out.contains("What to watch"), "{out}");
        assert!(out.contains("## Headlines") && out.contains("## Articles\n- x"));
        // Its own items, or one repeat in three, are kept.
        let own = brief.replace(
            "- Canada funds clusters [A06]\n- US secures minerals [A07][A02]\n- Whether",
            "- Battery prices [A04]\n- Supply chains [A05]\n- Whether",
        );
        assert_eq!(drop_repeated_watch(&own), (own.clone(), false));
        let one = brief.replace(
            "- US secures minerals [A07][A02]\n",
            "- Supply chains [A05]\n",
        );
        assert!(!drop_repeated_watch(&one).1);
        assert!(!drop_repeated_watch("## Headlines\n- a [A01]\n").1);
    }

    #[test]
    fn headlines_repeating_a_headline_or_a_section_line_are_left_out() {
        // The 1.5B's brief of A01 and A03, shortened.
        let brief = "## Headlines\n- **Japanese R&D DX** [A01]\n- **Global AI outlook** [A03]\n- **Focus on the issue** — Manufacturing faces change.\n- **Global AI outlook** [A03]\n- **Focus on the issue** — AI grows.\n\n## By section\n- **Focus on the issue** — Manufacturing faces change.\n- **Industry trends** — AI grows.\n";
        let (out, dropped) = drop_repeated_headlines(brief);
        assert_eq!(dropped, 3);
        assert_eq!(
            out,
            "## Headlines\n- **Japanese R&D DX** [A01]\n- **Global AI outlook** [A03]\n\n## By section\n- **Focus on the issue** — Manufacturing faces change.\n- **Industry trends** — AI grows.\n"
        );
        // Distinct headlines stay; headlines that are nothing but copies too.
        let own = "## Headlines\n- One [A01]\n- Two [A03]\n\n## By section\n- Three\n";
        assert_eq!(drop_repeated_headlines(own), (own.to_string(), 0));
        let copies = "## Headlines\n- Three\n\n## By section\n- Three\n";
        assert_eq!(drop_repeated_headlines(copies).1, 0);
        // A section of one article may say what its cited headline says;
        // items may be written `*` or `1.`.
        let single = "## Headlines\n* Canada funds clusters [A06]\n1. Robots patrol homes [C01]\n1. Robots patrol homes [C01]\n\n## By section\n- **Policy** — Canada funds clusters [A06]\n";
        let (out, dropped) = drop_repeated_headlines(single);
        assert_eq!(dropped, 1);
        assert!(out.contains("* Canada funds clusters [A06]"), "{out}");
    }

    #[test]
    fn title_only_headlines_give_way_to_their_summaries() {
        let mut a04 = article(
            "A04",
            "Industry",
            "Electric vehicle and battery industry outlook",
        );
        a04.source = Some("Wood Mackenzie".into());
        a04.date = Some("10.31".into());
        let articles = [
            article("A01", "Focus", "Japanese manufacturing R&D DX"),
            a04,
            article(
                "A05",
                "Industry",
                "China's solid lithium-ion battery industry trend",
            ),
            article("C02", "Clippings", "Hydrogen fuel cell protection coating"),
        ];
        let summaries = [
            summary(
                "A01",
                "Japanese makers digitise R&D slowly. Only 20% use AI.",
            ),
            summary(
                "A04",
                "Wood Mackenzie expects EV sales to reach 40 million by 2030.",
            ),
            summary("A05", "China leads solid-state battery patents."),
        ];
        // The 1.5B's headlines: titles translated, one under another's id.
        let brief = "## Headlines\n- **Japanese Manufacturing R&D DX** [A01]\n- Electric vehicle and battery industry outlook (Wood Mackenzie, 10.31) [A04]\n- **China's Solid Lithium-ion Battery Industry Trend.** [C02]\n- Hydrogen fuel cell protection coating [C02]\n- Batteries and coatings advance [C02]\n\n## What to watch\n- Japanese manufacturing R&D DX [A01]\n";
        let r = replace_titles(brief, &articles, &summaries);
        assert_eq!(
            r.text,
            "## Headlines\n- Japanese makers digitise R&D slowly. [A01]\n- Wood Mackenzie expects EV sales to reach 40 million by 2030. [A04]\n- China leads solid-state battery patents. [A05]\n- Batteries and coatings advance [C02]\n\n## What to watch\n- Japanese manufacturing R&D DX [A01]\n"
        );
        assert_eq!(r.replaced, ["A01", "A04", "C02→A05"]);
        // C02 has no summary: its title is not shown as a headline.
        assert_eq!(r.dropped, ["C02"]);
        assert_eq!(r.from_summaries.len(), 3);
        assert_eq!(
            r.from_summaries[1],
            "- Wood Mackenzie expects EV sales to reach 40 million by 2030. [A04]"
        );
        // Headlines that say what happened are left as written.
        let own = "## Headlines\n- Japan's R&D DX lags as only 20% use AI [A01]\n";
        assert_eq!(replace_titles(own, &articles, &summaries).text, own);
    }

    #[test]
    fn lines_that_contradict_the_parse_are_left_out() {
        let articles = [
            article("A01", "Focus on the issue", "Japanese R&D DX"),
            article("A02", "Industry trends", "Global AI outlook"),
            article("A06", "Policy trends", "Canada funds clusters"),
        ];
        let brief = "## Headlines\n- **Policy trends** — Canada gives CAD 427 million [A06]\n- **Focus on the issue** — AI spending grows [A02]\n- Industry trends: AI grows [A02]\n- Canada funds clusters [A02]\n\n## What to watch\n- **Policy trends**: more AI money [A01]\n- Whether clusters deliver [A06]\n";
        let (out, told) = drop_contradictions(brief, &articles);
        assert_eq!(
            out,
            "## Headlines\n- **Policy trends** — Canada gives CAD 427 million [A06]\n- Industry trends: AI grows [A02]\n\n## What to watch\n- Whether clusters deliver [A06]\n"
        );
        assert_eq!(
            told,
            [
                "- **Focus on the issue** — AI spending grows [A02]",
                "- Canada funds clusters [A02]",
                "- **Policy trends**: more AI money [A01]"
            ]
        );
    }

    #[test]
    fn items_that_copy_a_placeholder_are_left_out() {
        let template = "## Headlines\n- <takeaway 1> [<id>]\n## What to watch\n- <development to watch> [<id>]\n";
        let brief = "## Headlines\n- Batteries advance [C02]\n- **Development to Watch** [C02], [C05]\n- Takeaway 1.\n\n## What to watch\n- Development to watch: solid batteries [C02]\n";
        let (out, dropped) = drop_placeholder_items(brief, template);
        assert_eq!(dropped, 2);
        assert_eq!(
            out,
            "## Headlines\n- Batteries advance [C02]\n\n## What to watch\n- Development to watch: solid batteries [C02]\n"
        );
        let own = "## Headlines\n- Batteries advance [C02]\n";
        assert_eq!(drop_placeholder_items(own, template), (own.to_string(), 0));
    }
}
