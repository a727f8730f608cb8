//! Colour for the human output: a few named styles, written as ANSI codes into the text.
//!
//! The codes are always written; whether they reach the screen is decided where the text is
//! printed, by `anstream::println!`, which strips them unless stdout is a terminal and
//! `NO_COLOR` is unset (it also honours `CLICOLOR` and `CLICOLOR_FORCE`). So output to a pipe
//! or a file is byte-for-byte the plain text, and colour needs no flag.

use anstyle::{AnsiColor, Style};

const GOOD: Style = AnsiColor::Green.on_default();
const BAD: Style = AnsiColor::Red.on_default();
const NOTE: Style = AnsiColor::Yellow.on_default();
const STRONG: Style = Style::new().bold();

fn paint(style: Style, text: &str) -> String {
    if text.is_empty() {
        return String::new();
    }
    format!("{style}{text}{style:#}")
}

/// A pass.
pub fn good(text: &str) -> String {
    paint(GOOD, text)
}

/// A failure.
pub fn bad(text: &str) -> String {
    paint(BAD, text)
}

/// Neither: not started, skipped, timed out.
pub fn note(text: &str) -> String {
    paint(NOTE, text)
}

/// What to read first.
pub fn strong(text: &str) -> String {
    paint(STRONG, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stripping_the_codes_gives_the_plain_text_back() {
        let styled = format!("{} and {}", good("✓ passed"), strong("Next"));
        assert_ne!(styled, "✓ passed and Next");
        let mut plain = anstream::StripStream::new(Vec::new());
        std::io::Write::write_all(&mut plain, styled.as_bytes()).unwrap();
        assert_eq!(plain.into_inner(), "✓ passed and Next".as_bytes());
    }
}
