//! How the screen is coloured: chosen by the config file or `NO_COLOR`, used by `ui`.

/// How the screen is coloured.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    /// Colours for status, errors, focus and hints.
    #[default]
    Color,
    /// No colour at all (also chosen by `NO_COLOR`): emphasis by bold, underline and
    /// reverse video only, for monochrome terminals and people who prefer it.
    Mono,
}
