fn main() -> std::process::ExitCode {
    shian::cli::run()
}
