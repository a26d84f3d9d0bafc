//! `y` / `Y`: the selected wallet as JSON, or its user_id, to the system clipboard. The app
//! only says what to copy ([`App::clipboard`]); the loop writes the OSC 52 sequence
//! ([`osc52`]) through the terminal backend, which works over SSH and in tmux with
//! `set-clipboard on`. No clipboard daemon, no X11 or Wayland library.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::App;
use crate::json::{Shape, wallet_json};

/// Text to put on the clipboard; `seq` grows with every copy, so the loop sends each once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClipboardCopy {
    pub seq: u64,
    pub text: String,
}

/// What `y` / `Y` copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CopyWhat {
    /// The selected wallet as plain JSON, exact numbers, one attribute per line.
    WalletJson,
    /// The selected wallet's user_id.
    UserId,
}

/// The OSC 52 sequence that asks the terminal to set its clipboard (`c`) to `text`:
/// `ESC ] 52 ; c ; <base64> BEL`.
pub fn osc52(text: &str) -> String {
    format!("\x1b]52;c;{}\x07", STANDARD.encode(text))
}

impl App {
    /// The latest copy asked for, if any (see [`ClipboardCopy::seq`]).
    pub fn clipboard(&self) -> Option<&ClipboardCopy> {
        self.clipboard.as_ref()
    }

    pub(super) fn copy_selected(&mut self, what: CopyWhat) {
        let Some(wallet) = self.selected_wallet() else {
            return self.error("no wallet selected: nothing to copy");
        };
        let id = wallet.user_id.to_text();
        let (text, said) = match what {
            CopyWhat::WalletJson => {
                let json = wallet_json(wallet, Shape::Plain);
                let said = format!("wallet as JSON ({} bytes)", json.len());
                (json, said)
            }
            CopyWhat::UserId => (id.clone(), "user_id".to_string()),
        };
        let seq = self.clipboard.as_ref().map_or(1, |c| c.seq + 1);
        self.clipboard = Some(ClipboardCopy { seq, text });
        // Sent to the terminal: whether it honours OSC 52 is the terminal's to say.
        self.info(format!("copied {said} to the clipboard (OSC 52) · {id}"));
    }
}

#[cfg(test)]
mod tests;
