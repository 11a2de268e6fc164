//! Fuzz gloss's PDF path for a fixed time: the hostile cases of
//! tests/hostile/gen.rs and the development PDFs, mutated (bytes flipped,
//! spans cut, repeated or spliced between files, hostile tokens inserted,
//! files truncated), each read by `gloss parse --json` as a user would.
//! A crash is an exit other than 0/1, a refusal of more than one line, or a
//! case over 500 MB; cases over 5 s of CPU (gloss and its reader child) are
//! counted apart (wall time is printed too, but on a shared machine it
//! measures the load); crashing inputs are saved for the regression
//! folder (tests/data/hostile/). Run by scripts/fuzz-pdf.
//!
//! `cargo run --example fuzz_pdf -- GLOSS_BIN SECONDS CRASH_DIR [CORPUS_DIR…]`

#[path = "../tests/hostile/gen.rs"]
mod hostile;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// xorshift64*: reproducible from the seed printed at the start.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const TOKENS: &[&[u8]] = &[
    b"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
    b"<<<<<<<<<<<<<<<<",
    b" 1 0 R ",
    b" /Next 7 0 R ",
    b" /First 6 0 R ",
    b" /Kids [2 0 R 2 0 R] ",
    b" /Count 99999999 ",
    b" /Length 999999999 ",
    b" /Filter /FlateDecode ",
    b"endstream",
    b"endobj",
    b"%%EOF",
    b"(((((((((((((",
    b"\\",
    b" /Fm1 Do /Fm1 Do /Fm1 Do ",
    b"-99999999999999999999",
    b"1e308",
];

fn mutate(rng: &mut Rng, input: &[u8], other: &[u8]) -> Vec<u8> {
    let mut b = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let len = b.len().max(1);
        match rng.below(7) {
            0 => {
                for _ in 0..1 + rng.below(16) {
                    let i = rng.below(len);
                    if let Some(x) = b.get_mut(i) {
                        *x ^= 1 << rng.below(8);
                    }
                }
            }
            1 => {
                let at = rng.below(len);
                let end = (at + rng.below(4096)).min(b.len());
                b.drain(at.min(b.len())..end);
            }
            2 => {
                let at = rng.below(len);
                let end = (at + rng.below(2048)).min(b.len());
                let span = b[at.min(b.len())..end].to_vec();
                let times = 1 + rng.below(8);
                for _ in 0..times {
                    let to = rng.below(b.len().max(1)).min(b.len());
                    b.splice(to..to, span.iter().copied());
                }
            }
            3 => {
                let token = TOKENS[rng.below(TOKENS.len())];
                let to = rng.below(len).min(b.len());
                let times = if token.len() > 8 {
                    1
                } else {
                    1 + rng.below(500)
                };
                for _ in 0..times {
                    b.splice(to..to, token.iter().copied());
                }
            }
            4 => b.truncate(rng.below(len)),
            5 if !other.is_empty() => {
                let at = rng.below(other.len());
                let end = (at + rng.below(8192)).min(other.len());
                let to = rng.below(len).min(b.len());
                b.splice(to..to, other[at..end].iter().copied());
            }
            _ => {
                // Overwrite a number with a huge or negative one.
                if let Some(i) = (0..64)
                    .map(|_| rng.below(len))
                    .find(|&i| b.get(i).is_some_and(u8::is_ascii_digit))
                {
                    let n = [b"4294967295".as_slice(), b"-1", b"0", b"99999999999"][rng.below(4)];
                    b.splice(i..i + 1, n.iter().copied());
                }
            }
        }
    }
    b
}

/// Run `gloss parse --json FILE`: exit code (None: a signal), stderr, wall
/// time, CPU time and max RSS in KiB of gloss and its reader child.
// The child is reaped by wait4 (with its resource usage), not Child::wait.
#[allow(clippy::zombie_processes)]
fn run(gloss: &Path, file: &Path) -> (Option<i32>, String, Duration, Duration, i64) {
    let start = Instant::now();
    let child = Command::new(gloss)
        .args(["parse", "--json"])
        .arg(file)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start gloss");
    let pid = child.id() as libc::pid_t;
    let mut stderr = child.stderr.expect("stderr");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut s);
        s
    });
    // A watchdog: past 60 s the case is killed (and counted as a crash).
    // It stops once the child is reaped, so it never signals a reused pid.
    let done = std::sync::Arc::new(std::sync::Mutex::new(false));
    let flag = done.clone();
    let watchdog = std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
            if *flag.lock().unwrap() {
                return;
            }
        }
        let reaped = flag.lock().unwrap();
        if !*reaped {
            // SAFETY: kill on our own unreaped child's pid.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
    });
    let mut status = 0;
    // SAFETY: wait4 with WNOWAIT leaves the child unreaped (its pid stays
    // ours) until the watchdog is told; the second call reaps it.
    let usage = unsafe {
        let mut info: libc::siginfo_t = std::mem::zeroed();
        libc::waitid(
            libc::P_PID,
            pid as libc::id_t,
            &mut info,
            libc::WEXITED | libc::WNOWAIT,
        );
        let mut reaped = done.lock().unwrap();
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::wait4(pid, &mut status, 0, &mut usage);
        *reaped = true;
        usage
    };
    let _ = watchdog.join();
    let took = start.elapsed();
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    let secs = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    let cpu = secs(usage.ru_utime) + secs(usage.ru_stime);
    (
        code,
        reader.join().unwrap_or_default(),
        took,
        cpu,
        usage.ru_maxrss,
    )
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [gloss, seconds, crashes, corpus_dirs @ ..] = args.as_slice() else {
        eprintln!("usage: fuzz_pdf GLOSS_BIN SECONDS CRASH_DIR [CORPUS_DIR…]");
        std::process::exit(2);
    };
    let gloss = PathBuf::from(gloss);
    let limit = Duration::from_secs(seconds.parse().expect("seconds"));
    let crashes = PathBuf::from(crashes);
    std::fs::create_dir_all(&crashes).expect("crash dir");
    let mut corpus: Vec<Vec<u8>> = hostile::cases().into_iter().map(|c| c.bytes).collect();
    for dir in corpus_dirs {
        for e in std::fs::read_dir(dir).expect("corpus dir").flatten() {
            if e.path().extension().is_some_and(|x| x == "pdf") {
                corpus.push(std::fs::read(e.path()).expect("read corpus"));
            }
        }
    }
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64)
        | 1;
    println!(
        "seed {seed}, corpus {} files, {} s",
        corpus.len(),
        limit.as_secs()
    );
    let mut rng = Rng(seed);
    let work = tempfile::tempdir().expect("temp dir");
    let file = work.path().join("case.pdf");
    let start = Instant::now();
    let (mut cases, mut failed_cases, mut crashed) = (0usize, 0usize, 0usize);
    let mut times = Vec::new();
    let mut slow = 0usize;
    let mut max_wall = Duration::ZERO;
    let mut max_rss = 0i64;
    while start.elapsed() < limit {
        let a = rng.below(corpus.len());
        let b = rng.below(corpus.len());
        let bytes = if rng.below(10) == 0 {
            corpus[a].clone()
        } else {
            mutate(&mut rng, &corpus[a], &corpus[b])
        };
        std::fs::write(&file, &bytes).expect("write case");
        let (code, stderr, wall, took, rss) = run(&gloss, &file);
        cases += 1;
        times.push(took);
        max_wall = max_wall.max(wall);
        if took > Duration::from_secs(5) {
            slow += 1;
            println!("SLOW case {cases}: {took:?} CPU, {wall:?} wall");
        }
        max_rss = max_rss.max(rss);
        let one_line = stderr.lines().filter(|l| l.contains("error:")).count() <= 1;
        let crash =
            !matches!(code, Some(0 | 1)) || (code == Some(1) && !one_line) || rss > 500 * 1024;
        if code == Some(1) {
            failed_cases += 1;
        }
        if crash {
            crashed += 1;
            let name = crashes.join(format!("crash-{seed}-{cases}.pdf"));
            std::fs::write(&name, &bytes).expect("save crash");
            println!(
                "CRASH {}: exit {code:?}, {took:?}, {} MB: {}",
                name.display(),
                rss / 1024,
                stderr.lines().last().unwrap_or("")
            );
        }
    }
    times.sort();
    let pct = |p: usize| {
        times
            .get(times.len() * p / 100)
            .copied()
            .unwrap_or_default()
    };
    println!(
        "cases {cases} in {:.0} s: {failed_cases} refused (exit 1), {crashed} crashes, {slow} over 5 s CPU; CPU time p50 {:?}, p99 {:?}, max {:?}; max wall {max_wall:?}; max RSS {} MB",
        start.elapsed().as_secs_f64(),
        pct(50),
        pct(99),
        times.last().copied().unwrap_or_default(),
        max_rss / 1024
    );
}
