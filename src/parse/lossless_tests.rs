use super::parse;
use super::tests::check_lossless;

#[test]
fn dump() {
    let path = std::env::var("DUMP").unwrap_or_default();
    if path.is_empty() { return; }
    let src = crate::load::load(std::path::Path::new(&path)).unwrap();
    let issue = parse(&src);
    println!("lossless: {:?}", check_lossless(&src, &issue));
    for a in &issue.articles {
        println!("{} {:?} {:?} | {} | {:?} {:?} {:?} lines={:?}", a.id, a.kind, a.section, a.title, a.category, a.source, a.date, a.lines);
        for p in &a.paragraphs { println!("   {} {:?} {}", p.id, p.lines, p.text); }
    }
    for d in &issue.dropped { println!("DROP {} {:?} {}", d.line, d.text, d.reason); }
    for w in &issue.warnings { println!("WARN {w}"); }
}
