//! The `rota` command. All the work is in the library; this file only maps
//! the outcome to an exit code: 0 ok, 1 rule violations or unmet targets,
//! 2 bad input or internal error, 3 a conflict with the store.

mod cli;

fn main() {
    let code = match cli::run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            cli::exit_code(&e)
        }
    };
    std::process::exit(code);
}
