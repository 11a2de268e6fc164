//! The `gloss` binary: parse arguments, run, and turn errors into one line.

use gloss::cli::exit;

fn main() {
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
