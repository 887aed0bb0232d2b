//! `backlint` / `cargo-backlint`: parse arguments, run, map to an exit code.

/// mimalloc: the parser allocates a small node per token, and the system allocator
/// spends about a third of the run on them.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    backlint::alloc::configure();
    let code = backlint::cli::run(std::env::args_os().collect());
    std::process::exit(code);
}
