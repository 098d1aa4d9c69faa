//! Standard output as Unix tools write it: `functory lint --format json | head -1` closes the
//! pipe early, and a closed pipe ends the program quietly (exit status 141, as a shell reports
//! a program SIGPIPE ended) instead of the panic `println!` raises.

use std::io::Write;

/// Writes `text` to standard output; a closed pipe exits the program.
pub fn write(text: std::fmt::Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    if let Err(error) = out.write_fmt(text)
        && error.kind() == std::io::ErrorKind::BrokenPipe
    {
        std::process::exit(141);
    }
}

/// Like `println!`, through [`write`].
macro_rules! outln {
    () => { $crate::output::write(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::output::write(format_args!("{}\n", format_args!($($arg)*))) };
}

/// Like `print!`, through [`write`].
macro_rules! out {
    ($($arg:tt)*) => { $crate::output::write(format_args!($($arg)*)) };
}
