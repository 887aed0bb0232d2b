//! `backlint` / `cargo-backlint`: parse arguments, run, map to an exit code.

fn main() {
    backlint::alloc::configure();
    let code = backlint::cli::run(std::env::args_os().collect());
    std::process::exit(code);
}
