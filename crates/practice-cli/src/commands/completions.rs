//! `practice completions SHELL`.

use crate::args::Cli;
use crate::exit::Failure;

pub fn print(shell: clap_complete::Shell) -> Result<(), Failure> {
    use clap::CommandFactory;
    // Generated into memory first: clap_complete panics when its writer fails.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "practice", &mut script);
    crate::output::print(&String::from_utf8_lossy(&script))
}
