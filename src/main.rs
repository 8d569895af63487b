#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    mppeep_lint::cli::main()
}
