//! The `gloss` binary: parse arguments, run, and turn errors into one line.

use clap::Parser;

fn main() {
    let cli = gloss::cli::Cli::parse();
    let code = match gloss::cli::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("gloss: error: {e}");
            match e {
                gloss::GlossError::Interrupted => 130,
                gloss::GlossError::Usage(_) => 2,
                _ => 1,
            }
        }
    };
    std::process::exit(code);
}
