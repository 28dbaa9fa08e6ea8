//! The job runs shared by EM and VBR: a start begins a run on the clock, a stop ends the
//! running ones, and a run's state, result and progress follow from the clock.

use crate::state::{JobRun, State, random_uuid};

/// Starts a run of a job (shared by EM and VBR). Returns the run.
pub(crate) fn start_run(st: &State, job: usize, now: u64) -> JobRun {
    let run = JobRun {
        id: random_uuid().to_string(),
        job,
        started_ms: now,
        stopped_ms: None,
    };
    let mut runs = st.runs.lock();
    if runs.len() >= 10_000 {
        runs.remove(0);
    }
    runs.push(run.clone());
    run
}

/// Stops the running runs of a job. Returns the last one touched.
pub(crate) fn stop_runs(st: &State, job: usize, now: u64) -> Option<JobRun> {
    let duration = st.inventory.jobs.get(job)?.duration_secs * 1000;
    let mut runs = st.runs.lock();
    let mut last = None;
    for run in runs.iter_mut().filter(|r| r.job == job) {
        if run.stopped_ms.is_none() && now < run.started_ms.saturating_add(duration) {
            run.stopped_ms = Some(now);
            last = Some(run.clone());
        }
    }
    last
}

/// State, result and progress of a run at `now`: (`Starting`/`Working`/`Stopped`, result, %).
pub(crate) fn run_status(st: &State, run: &JobRun, now: u64) -> (&'static str, String, u32) {
    let job = &st.inventory.jobs[run.job.min(st.inventory.jobs.len().saturating_sub(1))];
    let duration = job.duration_secs.max(1) * 1000;
    if let Some(stopped) = run.stopped_ms
        && now >= stopped
    {
        return ("Stopped", "Failed".to_string(), 100);
    }
    let elapsed = now.saturating_sub(run.started_ms);
    if elapsed >= duration {
        ("Stopped", job.result.clone(), 100)
    } else if elapsed < 5_000 {
        ("Starting", "None".to_string(), 0)
    } else {
        let pct = u32::try_from(elapsed * 100 / duration)
            .unwrap_or(99)
            .min(99);
        ("Working", "None".to_string(), pct)
    }
}
