//! `cargo-backlint`: the same program, run by cargo as `cargo backlint` (cargo passes
//! `backlint` as the first argument; `cli::run` drops it).

/// mimalloc: the parser allocates a small node per token, and the system allocator
/// spends about a third of the run on them.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    backlint::alloc::configure();
    let code = backlint::cli::run(std::env::args_os().collect());
    std::process::exit(code);
}
