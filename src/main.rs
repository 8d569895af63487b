fn main() -> std::process::ExitCode {
    mppeep_lint::cli::main()
}
