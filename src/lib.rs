//! gloss: turn a foreign-language newsletter issue into an English bilingual
//! digest and an executive brief through any OpenAI-compatible endpoint.
//!
//! The pipeline, one module per stage, plain data in between:
//! [`load`] → [`parse`] → [`chunk`] → translate → summarize → brief → render.

pub mod atomic;
pub mod brief;
pub mod cache;
pub mod chunk;
pub mod citations;
pub mod cli;
pub mod config;
pub mod cross_brief;
pub mod doctor;
pub mod document;
pub mod error;
pub mod glossary;
pub mod hanja;
pub mod inputs;
pub mod llm;
pub mod load;
pub mod memory;
pub mod outcome;
pub mod parse;
pub mod postedit;
pub mod progress;
pub mod prompts;
pub mod qa;
pub mod redact;
pub mod render;
pub mod run;
pub mod script;
pub mod sections;
pub mod stage;
pub mod structure;
pub mod summarize;
pub mod terms;
pub mod tokens;
pub mod translate;

pub use error::{GlossError, Result};
