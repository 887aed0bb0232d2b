//! `cargo-backlint`: the same program, run by cargo as `cargo backlint` (cargo passes
//! `backlint` as the first argument; `cli::run` drops it).

fn main() {
    backlint::alloc::configure();
    let code = backlint::cli::run(std::env::args_os().collect());
    std::process::exit(code);
}
