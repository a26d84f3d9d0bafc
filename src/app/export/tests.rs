//! The export form: the file name shown is the file name written, whatever format is chosen.

use std::time::Instant;

use crossterm::event::KeyCode;

use super::FILE;
use crate::app::*;
use crate::export::Format;
use crate::fixtures::{TABLE, ch, describe, key, new_app, scan_page, table_info, wallet};

fn app() -> App {
    let t0 = Instant::now();
    let mut app = new_app("test", true, t0);
    app.config.scan_spec.segments = 1;
    describe(&mut app, t0, Ok(Some(table_info(TableStatus::Active, BillingMode::OnDemand))));
    let page = scan_page(1, 0, vec![wallet("u1", "1")], true, None);
    app.step(t0, crate::fixtures::answer(Response::ScanPage(page)));
    app
}

fn file_name(app: &App) -> String {
    match &app.modal {
        Modal::Export(form) => form.value(FILE).to_string(),
        other => panic!("no export form: {other:?}"),
    }
}

#[test]
fn switching_the_format_changes_the_shown_extension() {
    let mut app = app();
    app.step(app.now, ch('E'));
    let csv = file_name(&app);
    assert!(csv.starts_with(&format!("{TABLE}-")) && csv.ends_with(".csv"), "{csv}");
    app.step(app.now, key(KeyCode::Right));
    let jsonl = file_name(&app);
    assert_eq!(jsonl, format!("{}.jsonl", csv.trim_end_matches(".csv")));
    app.step(app.now, key(KeyCode::Left));
    assert_eq!(file_name(&app), csv, "and back");
}

#[test]
fn the_written_name_is_the_shown_one() {
    let mut app = app();
    app.step(app.now, ch('E'));
    app.step(app.now, key(KeyCode::Right)); // JSON Lines
    app.step(app.now, key(KeyCode::Tab));
    for _ in 0..80 {
        app.step(app.now, key(KeyCode::Backspace));
    }
    for c in "wallets".chars() {
        app.step(app.now, ch(c));
    }
    let sent = app.step(app.now, key(KeyCode::Enter));
    let [Request::Export { path, format, .. }] = sent.as_slice() else { panic!("{sent:?}") };
    assert_eq!(*format, Format::JsonLines);
    assert_eq!(file_name(&app), "wallets.jsonl", "the form shows what is written");
    assert!(path.ends_with("wallets.jsonl"), "{}", path.display());
    // A name with an extension of the user's own keeps it, shown and written.
    let mut app = self::app();
    app.step(app.now, ch('E'));
    app.step(app.now, key(KeyCode::Tab));
    for _ in 0..80 {
        app.step(app.now, key(KeyCode::Backspace));
    }
    for c in "dump.txt".chars() {
        app.step(app.now, ch(c));
    }
    app.step(app.now, key(KeyCode::BackTab));
    app.step(app.now, key(KeyCode::Right));
    assert_eq!(file_name(&app), "dump.txt");
}

#[test]
fn with_marks_only_the_marked_wallets_are_exported_and_the_form_says_how_many() {
    let t0 = Instant::now();
    let mut app = new_app("test", true, t0);
    app.config.scan_spec.segments = 1;
    describe(&mut app, t0, Ok(Some(table_info(TableStatus::Active, BillingMode::OnDemand))));
    let wallets = vec![wallet("a", "1"), wallet("b", "2"), wallet("c", "3")];
    app.step(t0, crate::fixtures::answer(Response::ScanPage(scan_page(1, 0, wallets, true, None))));
    app.step(t0, ch(' ')); // a
    app.step(t0, ch('j')); // skips b
    app.step(t0, ch(' ')); // c
    app.step(t0, ch('E'));
    let Modal::Export(form) = &app.modal else { panic!("no export form") };
    let intro = form.intro.clone().unwrap_or_default();
    assert!(intro.starts_with("The 2 marked wallets"), "{intro}");
    let sent = app.step(t0, key(KeyCode::Enter));
    let [Request::Export { wallets, .. }] = sent.as_slice() else { panic!("{sent:?}") };
    let ids: Vec<String> = wallets.iter().map(|w| w.user_id.to_text()).collect();
    assert_eq!(ids, ["a", "c"]);
}
