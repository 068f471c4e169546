//! Progress feedback: an indicatif bar per stage on a terminal, plain
//! "stage: done" lines otherwise, nothing with `--quiet`.
//!
//! Library stages take a `&Progress` and report through it; they never print
//! on their own.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Quiet,
    Plain,
    Bars,
}

/// Where progress goes. Cheap to pass by reference everywhere.
#[derive(Debug)]
pub struct Progress {
    mode: Mode,
}

impl Progress {
    /// Bars on a terminal, plain lines on a pipe or file, nothing when quiet.
    pub fn new(quiet: bool) -> Progress {
        let mode = if quiet {
            Mode::Quiet
        } else if std::io::stderr().is_terminal() {
            Mode::Bars
        } else {
            Mode::Plain
        };
        Progress { mode }
    }

    /// No output at all (library callers, tests).
    pub fn hidden() -> Progress {
        Progress { mode: Mode::Quiet }
    }

    /// Starts a stage with an optional known total of work units.
    pub fn stage(&self, name: &str, total: Option<u64>) -> Stage {
        let bar = match self.mode {
            Mode::Bars => {
                let bar = match total {
                    Some(t) => ProgressBar::new(t).with_style(
                        ProgressStyle::with_template(
                            "{prefix:>12} [{bar:30}] {human_pos}/{human_len} ({per_sec}, {eta})",
                        )
                        .expect("static template is valid")
                        .progress_chars("=> "),
                    ),
                    None => ProgressBar::new_spinner().with_style(
                        ProgressStyle::with_template("{prefix:>12} {spinner} {human_pos}")
                            .expect("static template is valid"),
                    ),
                };
                bar.set_draw_target(ProgressDrawTarget::stderr_with_hz(4));
                bar.set_prefix(name.to_owned());
                bar.enable_steady_tick(Duration::from_millis(250));
                Some(bar)
            }
            _ => None,
        };
        Stage {
            name: name.to_owned(),
            mode: self.mode,
            bar,
            started: Instant::now(),
        }
    }
}

/// One running stage; finishing it (or dropping it) ends its bar.
pub struct Stage {
    name: String,
    mode: Mode,
    bar: Option<ProgressBar>,
    started: Instant,
}

impl Stage {
    pub fn inc(&self, n: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(n);
        }
    }

    /// Ends the stage and returns its wall time in seconds.
    pub fn finish(self, summary: &str) -> f64 {
        let secs = self.started.elapsed().as_secs_f64();
        match (&self.bar, self.mode) {
            (Some(bar), _) => {
                bar.finish_and_clear();
                eprintln!("{:>12} {summary} ({secs:.2} s)", self.name);
            }
            (None, Mode::Plain) => eprintln!("{}: {summary} ({secs:.2} s)", self.name),
            _ => {}
        }
        secs
    }
}
