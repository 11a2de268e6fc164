//! The `gloss` binary: parse arguments, run, and turn errors into one line.

use gloss::cli::exit;

fn main() {
    use gloss::load::pdf::child;
    // The same binary reads PDFs in a child process of itself (docs/pdf-reader.md).
    if std::env::args_os()
        .nth(1)
        .is_some_and(|a| a == child::CHILD_ARG)
    {
        std::process::exit(child::child_main());
    }
    if let Ok(exe) = std::env::current_exe() {
        child::isolate_with(exe);
    }
    let cli = gloss::cli::Cli::from_env_and_args();
    let code = match gloss::cli::run(cli) {
        Ok(code) => code,
        Err(e) => {
            gloss::progress::error(&e.to_string());
            match e {
                gloss::GlossError::Interrupted => exit::INTERRUPTED,
                gloss::GlossError::Usage(_) => exit::USAGE,
                _ => exit::ERROR,
            }
        }
    };
    std::process::exit(code);
}
