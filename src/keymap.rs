//! Key bindings: the default keymap ships in `assets/keymap.toml`; the help
//! overlay is generated from the keymap in force.

use std::collections::{BTreeMap, HashMap};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;

/// The default bindings, compiled in.
pub const DEFAULT_KEYMAP: &str = include_str!("../assets/keymap.toml");

/// What a user can ask for with a key outside of forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Leave the program (stops an embedded DynamoDB Local).
    Quit,
    /// Show or hide the help overlay.
    Help,
    /// Describe the table again now and start a new scan.
    Refresh,
    /// Stop the running scan (keeps what it loaded).
    Cancel,
    /// Open the create-table form (only when the table is missing).
    CreateTable,
    /// Open the delete-table confirmation (asks for the typed table name).
    DeleteTable,
    /// Change provisioned throughput or billing mode (UpdateTable).
    ChangeThroughput,
    /// Select the next wallet / scroll the detail down.
    Down,
    /// Select the previous wallet / scroll the detail up.
    Up,
    /// One screen down.
    PageDown,
    /// One screen up.
    PageUp,
    /// First wallet.
    Top,
    /// Last wallet.
    Bottom,
    /// Move the focus between the list and the detail pane.
    FocusNext,
    /// Cycle the list order: user_id ↑/↓, balance ↑/↓, scan order.
    Sort,
    /// Open the filter box (user_id substring or `>100`, `<=0`, `=12.50`).
    Filter,
    /// Cycle the detail view: attributes, plain JSON, DynamoDB JSON.
    ToggleJson,
    /// Open the get form: GetItem by user_id.
    GetWallet,
    /// Open the new-wallet form (never overwrites an existing wallet).
    NewWallet,
    /// Set the selected wallet's balance (only if unchanged since seen).
    EditBalance,
    /// Deposit an amount into the selected wallet.
    Deposit,
    /// Withdraw an amount from the selected wallet.
    Withdraw,
    /// Delete the selected wallet (only if unchanged since seen).
    DeleteWallet,
    /// Take back this session's last balance edit (only if nobody changed it since).
    Undo,
    /// Move an amount from the selected wallet to another, in one transaction.
    Transfer,
    /// Write the wallets in view to a CSV or JSON Lines file.
    Export,
    /// Choose another table (ListTables).
    PickTable,
    /// DynamoDB Local only: add demo wallets (creating the table if missing).
    SeedDemo,
    /// The activity feed: the last changes other writers (and this app) made, newest first.
    Feed,
    /// Enable a NEW_AND_OLD_IMAGES stream on the table (asks for the typed table name).
    EnableStream,
    /// Copy the selected wallet as JSON to the system clipboard (OSC 52).
    CopyWallet,
    /// Copy the selected wallet's user_id to the system clipboard (OSC 52).
    CopyUserId,
    /// Query the table or one of its secondary indexes; the results replace the list.
    Query,
    /// The index view: every GSI and LSI in full; from there create or delete a GSI.
    Indexes,
    /// Open the create-index form (a GSI, UpdateTable).
    CreateIndex,
    /// The whole-table figures computed while scanning, with the scan's progress.
    Figures,
    /// Mark or unmark the selected wallet (then select the next one).
    Mark,
    /// Mark every wallet in view (after the filter).
    MarkAll,
    /// Unmark every wallet.
    ClearMarks,
    /// Import wallets from a file (asks for it; shows the diff before writing).
    Import,
}

/// Every action, in help order.
pub const ACTIONS: [Action; 40] = [
    Action::Quit,
    Action::Help,
    Action::Refresh,
    Action::Cancel,
    Action::CreateTable,
    Action::DeleteTable,
    Action::ChangeThroughput,
    Action::Down,
    Action::Up,
    Action::PageDown,
    Action::PageUp,
    Action::Top,
    Action::Bottom,
    Action::FocusNext,
    Action::Sort,
    Action::Filter,
    Action::ToggleJson,
    Action::GetWallet,
    Action::Query,
    Action::NewWallet,
    Action::EditBalance,
    Action::Deposit,
    Action::Withdraw,
    Action::DeleteWallet,
    Action::Transfer,
    Action::Undo,
    Action::Export,
    Action::PickTable,
    Action::SeedDemo,
    Action::Feed,
    Action::EnableStream,
    Action::CopyWallet,
    Action::CopyUserId,
    Action::Indexes,
    Action::CreateIndex,
    Action::Figures,
    Action::Mark,
    Action::MarkAll,
    Action::ClearMarks,
    Action::Import,
];

impl Action {
    /// The action's name in keymap files (`delete_wallet`).
    pub fn name(self) -> String {
        let debug = format!("{self:?}");
        let mut name = String::with_capacity(debug.len() + 4);
        for (i, c) in debug.chars().enumerate() {
            if c.is_ascii_uppercase() && i > 0 {
                name.push('_');
            }
            name.push(c.to_ascii_lowercase());
        }
        name
    }

    /// The one-line description shown in the help overlay.
    pub fn describe(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Help => "show / hide this help",
            Action::Refresh => "describe the table and rescan it now",
            Action::Cancel => "stop the batch; else clear the filter, or stop the scan",
            Action::CreateTable => "create the wallet table",
            Action::DeleteTable => "delete the table (asks for its name)",
            Action::ChangeThroughput => "change throughput / billing mode",
            Action::Down => "next wallet / scroll down",
            Action::Up => "previous wallet / scroll up",
            Action::PageDown => "one page down",
            Action::PageUp => "one page up",
            Action::Top => "first wallet",
            Action::Bottom => "last wallet",
            Action::FocusNext => "switch focus: list / detail",
            Action::Sort => "sort: user_id ↑↓, balance ↑↓, scan order",
            Action::Filter => "filter: user_id text, ^prefix, or >100 <=0 =12.50",
            Action::ToggleJson => "detail: attributes / JSON / DynamoDB JSON",
            Action::GetWallet => "get a wallet by user_id",
            Action::NewWallet => "new wallet (never overwrites)",
            Action::EditBalance => "set the selected wallet's balance",
            Action::Deposit => "deposit into the selected wallet",
            Action::Withdraw => "withdraw from the selected wallet",
            Action::DeleteWallet => "delete the selected wallet",
            Action::Undo => "undo this session's last balance edit",
            Action::Transfer => "transfer from the selected wallet to another",
            Action::Export => "export the wallets in view (CSV / JSON Lines)",
            Action::PickTable => "choose another table",
            Action::SeedDemo => "DynamoDB Local: add 1000 demo wallets",
            Action::Feed => "activity feed: live changes, Enter jumps to the wallet",
            Action::EnableStream => "enable the table's stream (live view; asks for its name)",
            Action::CopyWallet => "copy the selected wallet as JSON (OSC 52 clipboard)",
            Action::CopyUserId => "copy the selected wallet's user_id (OSC 52 clipboard)",
            Action::Query => "query the table or an index (r: back to the full scan)",
            Action::Indexes => "indexes: every GSI / LSI in full; n creates, d deletes a GSI",
            Action::CreateIndex => "create a global secondary index (UpdateTable)",
            Action::Figures => "whole-table figures (count, total, top 100, histogram)",
            Action::Mark => "mark / unmark the selected wallet; x, E act on marks",
            Action::MarkAll => "mark every wallet in view",
            Action::ClearMarks => "unmark every wallet",
            Action::Import => "import wallets from a file (diff shown first)",
        }
    }
}

/// A parsed key: code plus modifiers, as crossterm reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

impl Key {
    /// Normalises a terminal key event so `D` matches with or without SHIFT reported.
    pub fn from_event(ev: &KeyEvent) -> Self {
        let mut modifiers = ev.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT);
        if !matches!(ev.code, KeyCode::Char(_)) {
            modifiers |= ev.modifiers & KeyModifiers::SHIFT;
        }
        Key { code: ev.code, modifiers }
    }

    /// Parses `"q"`, `"D"`, `"ctrl-c"`, `"esc"`, `"f5"`, `"shift-tab"`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut modifiers = KeyModifiers::NONE;
        let mut rest = text;
        loop {
            let lower = rest.to_ascii_lowercase();
            let (flag, len) = if lower.starts_with("ctrl-") {
                (KeyModifiers::CONTROL, 5)
            } else if lower.starts_with("alt-") {
                (KeyModifiers::ALT, 4)
            } else if lower.starts_with("shift-") && rest.chars().count() > 6 {
                (KeyModifiers::SHIFT, 6)
            } else {
                break;
            };
            modifiers |= flag;
            rest = &rest[len..];
        }
        let code = parse_code(rest).ok_or_else(|| format!("unknown key {text:?}"))?;
        Ok(Key { code, modifiers })
    }

    /// The spelling used in the help overlay.
    pub fn label(&self) -> String {
        let mut out = String::new();
        for (flag, name) in [
            (KeyModifiers::CONTROL, "Ctrl-"),
            (KeyModifiers::ALT, "Alt-"),
            (KeyModifiers::SHIFT, "Shift-"),
        ] {
            if self.modifiers.contains(flag) {
                out.push_str(name);
            }
        }
        match self.code {
            KeyCode::Char(' ') => out.push_str("Space"),
            KeyCode::Char(c) => out.push(c),
            KeyCode::F(n) => out.push_str(&format!("F{n}")),
            KeyCode::PageDown => out.push_str("PgDn"),
            KeyCode::PageUp => out.push_str("PgUp"),
            other => out.push_str(&format!("{other:?}")),
        }
        out
    }
}

fn parse_code(name: &str) -> Option<KeyCode> {
    let mut chars = name.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        return Some(KeyCode::Char(c));
    }
    let lower = name.to_ascii_lowercase();
    let code = match lower.as_str() {
        "esc" => KeyCode::Esc,
        "enter" => KeyCode::Enter,
        "tab" => KeyCode::Tab,
        "backtab" => KeyCode::BackTab,
        "space" => KeyCode::Char(' '),
        "backspace" => KeyCode::Backspace,
        "delete" => KeyCode::Delete,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "pageup" => KeyCode::PageUp,
        "pagedown" => KeyCode::PageDown,
        f if f.starts_with('f') => KeyCode::F(f[1..].parse().ok()?),
        _ => return None,
    };
    Some(code)
}

/// Keys bound to actions, in a stable order for the help overlay.
#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: BTreeMap<Action, Vec<Key>>,
}

impl Keymap {
    /// Parses a keymap file (same format as `assets/keymap.toml`).
    pub fn parse(text: &str) -> Result<Self, String> {
        let raw: BTreeMap<Action, Vec<String>> =
            toml::from_str(text).map_err(|e| format!("keymap: {e}"))?;
        Keymap { bindings: BTreeMap::new() }.with_overrides(&raw)
    }

    /// This keymap with the keys of the actions in `overrides` replaced; a key bound to two
    /// actions is an error.
    pub fn with_overrides(
        &self,
        overrides: &BTreeMap<Action, Vec<String>>,
    ) -> Result<Self, String> {
        let mut bindings = self.bindings.clone();
        for (action, keys) in overrides {
            let keys = keys.iter().map(|k| Key::parse(k)).collect::<Result<Vec<_>, _>>()?;
            bindings.insert(*action, keys);
        }
        let mut owner: HashMap<Key, Action> = HashMap::new();
        for (action, keys) in &bindings {
            for key in keys {
                if let Some(other) = owner.insert(*key, *action).filter(|other| other != action) {
                    return Err(format!(
                        "key {} is bound to both {} and {}",
                        key.label(),
                        other.name(),
                        action.name()
                    ));
                }
            }
        }
        Ok(Keymap { bindings })
    }

    /// The keymap shipped with the program.
    pub fn default_keymap() -> Self {
        // The asset is checked by a unit test, so failing here means a broken build.
        Self::parse(DEFAULT_KEYMAP).unwrap_or_else(|e| panic!("assets/keymap.toml: {e}"))
    }

    /// The action a key event triggers, if any.
    pub fn action_for(&self, ev: &KeyEvent) -> Option<Action> {
        let key = Key::from_event(ev);
        self.bindings.iter().find(|(_, keys)| keys.contains(&key)).map(|(action, _)| *action)
    }

    /// The first key bound to an action, for hints like "press c to create it".
    pub fn first_key(&self, action: Action) -> String {
        self.bindings
            .get(&action)
            .and_then(|keys| keys.first())
            .map_or_else(|| "(unbound)".to_string(), Key::label)
    }

    /// (keys, description) rows for the help overlay, in [`ACTIONS`] order.
    pub fn help_rows(&self) -> Vec<(String, &'static str)> {
        ACTIONS
            .iter()
            .filter_map(|action| {
                let keys = self.bindings.get(action)?;
                let labels: Vec<String> = keys.iter().map(Key::label).collect();
                Some((labels.join(" / "), action.describe()))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;
