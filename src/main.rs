fn main() {
    let src = gloss::load::load(std::path::Path::new(&std::env::args().nth(1).unwrap())).unwrap();
    let issue = gloss::parse::parse(&src);
    for a in &issue.articles {
        println!("{} {:?} {:?} | {} | {:?} {:?} {:?} paras={}", a.id, a.kind, a.section, a.title, a.category, a.source, a.date, a.paragraphs.len());
    }
    for d in &issue.dropped { println!("DROP {} {:?} {}", d.line, d.text, d.reason); }
    for w in &issue.warnings { println!("WARN {w}"); }
    if std::env::args().nth(2).is_some() { for a in &issue.articles { for p in &a.paragraphs { println!("{} {}", p.id, p.text); } } }
}
