//! The `fleetcheck` binary: everything lives in the library.

fn main() -> std::process::ExitCode {
    fleetcheck::cli::run()
}
