//! `gloss plan`: what a run will send, counted before anything is sent.

use super::*;

/// What a plan counts, as the run it estimates would take it.
pub(super) struct PlanShape {
    pub budget: Option<usize>,
    pub articles: Option<Vec<String>>,
    pub cache_dir: Option<PathBuf>,
    pub batch: bool,
}

pub(super) fn plan(
    file: &std::path::Path,
    endpoint: &EndpointArgs,
    shape: &PlanShape,
    json: bool,
) -> Result<i32> {
    let plan = make_plan(file, endpoint, shape)?;
    if json {
        stdout_line(&serde_json::to_string_pretty(&plan).unwrap_or_default());
        return Ok(0);
    }
    print_plan(&plan, shape.batch);
    Ok(0)
}

/// The dry run of one issue.
pub(super) fn make_plan(
    file: &std::path::Path,
    endpoint: &EndpointArgs,
    shape: &PlanShape,
) -> Result<crate::run::plan::Plan> {
    let mut o = overrides(endpoint);
    o.chunk_tokens = shape.budget;
    o.cache_dir = shape.cache_dir.clone();
    if shape.batch {
        o.batch.mode = crate::llm::batch::BatchMode::Submit;
    }
    let opts = RunOptions {
        input: file.to_path_buf(),
        out_dir: None,
        formats: vec![],
        articles: shape.articles.clone(),
        overrides: o,
        cache_mode: Mode::Normal,
        prompts_dir: None,
        target_language: "English".into(),
        progress: false,
        stages: Stages {
            brief: true,
            digest: true,
        },
        glossary: None,
        termbase: true,
        repair: true,
        shared_client: None,
        batch_events: Default::default(),
        memory_dir: std::env::var_os("GLOSS_MEMORY_DIR").map(std::path::PathBuf::from),
    };
    let p = run::prepare(&opts)?;
    // The prompt's own tokens, measured on an empty chunk.
    let (request, _) = run::translator(&p, false, Default::default()).request("", &[])?;
    let counter = crate::tokens::TokenCounter::for_model(&p.profile.model);
    let overhead: u64 = request
        .messages
        .iter()
        .map(|m| counter.count(&m.content) as u64 + 4)
        .sum();
    // Counted as the run decides: a profile or workspace without a termbase
    // sends no term request.
    let terms = if p.profile.termbase {
        run::plan::terms(&p, |text| counter.count(text))?
    } else {
        run::plan::StagePlan {
            stage: "termbase".into(),
            ..Default::default()
        }
    };
    let mut memory = crate::memory::Coverage::default();
    let articles = run::selected_chunks(&p).inspect(|(_, c)| p.memory.cover(&mut memory, c));
    let sections = run::section_chunks(&p);
    let mut plan = crate::run::plan::plan(
        &p.issue.name,
        &p.profile,
        articles,
        overhead,
        terms,
        &sections,
    );
    plan.structure_requests = u64::from(crate::structure::wanted(&p.issue, p.profile.structure));
    plan.memory = memory;
    Ok(plan)
}

/// A plan as the table `gloss plan` prints.
pub(super) fn print_plan(plan: &crate::run::plan::Plan, batch: bool) {
    stdout_line(&format!(
        "{} · profile {} · model {} · {} ({}) · budget {} tokens/chunk",
        plan.input,
        plan.profile,
        plan.model,
        plan.encoding,
        if plan.exact_counts {
            "exact"
        } else {
            "estimate for a non-OpenAI model, 20% margin"
        },
        plan.chunk_budget
    ));
    let names = (!plan.section_chunks.is_empty()).then_some((
        "names",
        &plan.section_chunks,
        "section names",
    ));
    let rows = plan
        .articles
        .iter()
        .map(|a| (a.id.as_str(), &a.chunks, a.title.as_str()))
        .chain(names);
    for (id, chunks, title) in rows {
        let sizes: Vec<String> = chunks.iter().map(|c| c.tokens.to_string()).collect();
        stdout_line(&format!(
            "  {:<4} {:>2} chunks [{}]  {}",
            id,
            chunks.len(),
            sizes.join(", "),
            fit(title, 40).trim_end()
        ));
    }
    stdout_line(&format!(
        "{:<10} {:>8} {:>12} {:>12}",
        "stage", "requests", "input tok", "output tok"
    ));
    for s in &plan.stages {
        stdout_line(&format!(
            "{:<10} {:>8} {:>12} {:>12}",
            s.stage, s.requests, s.input_tokens, s.output_tokens
        ));
    }
    if plan.structure_requests > 0 {
        stdout_line(&format!(
            "{:<10} {:>8}   (the contents check is low: the model is asked where the articles start)",
            "structure", plan.structure_requests
        ));
    }
    print_cost_line(plan, batch);
    if plan.memory.segments > 0 {
        stdout_line(&format!(
            "memory: {} segments from the translation memory ({} chunks need no request); the figures above count every chunk",
            plan.memory.segments, plan.memory.whole_chunks
        ));
    }
    print_graph(plan);
}

/// The plan's total line, with the estimated cost.
pub(super) fn print_cost_line(plan: &crate::run::plan::Plan, batch: bool) {
    stdout_line(&format!(
        "{:<10} {:>8} {:>12} {:>12}   estimated cost: {}",
        "total",
        plan.stages.iter().map(|s| s.requests).sum::<u64>(),
        plan.input_tokens,
        plan.output_tokens,
        match plan.estimated_cost_usd {
            Some(c) if batch => format!("${c:.4} at batch prices"),
            Some(c) => format!("${c:.4}"),
            None => format!("unknown (no price for {} in the config)", plan.model),
        }
    ));
}

/// The graph one scheduler runs: per stage its nodes, their input tokens and
/// what each waits for.
pub(super) fn print_graph(plan: &crate::run::plan::Plan) {
    stdout_line("graph: a node starts as soon as what it needs is done");
    for g in &plan.graph {
        stdout_line(&format!(
            "  {:<10} {:>4} nodes {:>9} input tok  each needs {}",
            g.stage, g.nodes, g.input_tokens, g.needs
        ));
    }
}
