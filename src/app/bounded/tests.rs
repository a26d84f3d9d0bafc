//! State tests of tables bigger than the list (`--max-wallets`).

use std::time::Instant;

use crossterm::event::KeyCode;

use super::*;
use crate::aggregate::Aggregate;
use crate::app::{AppConfig, ScanOutcome};
use crate::fixtures::{TABLE, answer, ch, describe, described_table, key, scan_page, wallet};
use crate::msg::{Response, ScanPage};
use crate::table::TableStatus;

/// An app bounded at `bound` wallets that described a table of `items` items.
fn bounded(bound: u64, items: i64, t0: Instant) -> (App, Vec<Request>) {
    let config = AppConfig { max_wallets: Some(bound), ..AppConfig::new(TABLE, "test") };
    let mut app = App::new(config, t0);
    let sent = describe(&mut app, t0, Ok(Some(described_table(TableStatus::Active, items, 2000))));
    (app, sent)
}

fn scope_of(sent: &[Request]) -> Option<&ScanScope> {
    sent.iter().find_map(|r| match r {
        Request::Scan { scope, .. } => Some(scope),
        _ => None,
    })
}

/// A page of `n` wallets of scan `id` whose figures count them, plus `more` wallets of
/// balance 1 not kept.
fn page(id: u64, first: usize, n: usize, more: u64) -> ScanPage {
    let wallets: Vec<_> = (first..first + n).map(|i| wallet(&format!("u{i:05}"), "2")).collect();
    let mut figures = Aggregate::default();
    for w in &wallets {
        figures.add(None, &w.user_id, w.balance);
    }
    for i in 0..more {
        let id = crate::wallet::UserId::new(&format!("x{first}-{i}"));
        figures.add(None, &id, Some(crate::fixtures::balance("1")));
    }
    let mut page = scan_page(id, 0, wallets, false, Some(1.0));
    page.scanned += more;
    page.figures = Some(Box::new(figures));
    page
}

/// `/` and `text`, not yet entered.
fn typed_filter(app: &mut App, t0: Instant, text: &str) {
    app.step(t0, ch('/'));
    for c in text.chars() {
        app.step(t0, ch(c));
    }
}

#[test]
fn a_table_within_the_bound_is_scanned_at_once_with_figures() {
    let t0 = Instant::now();
    let (app, sent) = bounded(100, 50, t0);
    let scope = scope_of(&sent).expect("a scan");
    assert_eq!(scope.keep, Some(100));
    assert_eq!(scope.figures.as_deref(), Some("currency"));
    assert!(matches!(app.modal, Modal::None));
}

#[test]
fn a_bigger_table_asks_first_and_each_answer_scans_accordingly() {
    let t0 = Instant::now();
    let (mut app, sent) = bounded(10, 50_000_000, t0);
    assert!(scope_of(&sent).is_none(), "no scan before the answer: {sent:?}");
    let Modal::Bound(prompt) = &app.modal else { panic!("the question: {:?}", app.modal) };
    let lines = prompt.lines().join("\n");
    assert!(
        lines.contains(
            "about 50,000,000 wallets: the list shows the first 10 read; whole-table figures \
             are computed while scanning"
        ),
        "{lines}"
    );
    assert!(lines.contains("a full scan costs about"), "{lines}");
    // Aggregates only: nothing kept.
    let sent = app.step(t0, ch('a'));
    assert_eq!(scope_of(&sent).expect("a scan").keep, Some(0));
    // Continue (asked again only in a new session; here by hand).
    let (mut app, _) = bounded(10, 50_000_000, t0);
    let sent = app.step(t0, key(KeyCode::Enter));
    assert_eq!(scope_of(&sent).expect("a scan").keep, Some(10));
    // Stop: no scan; r asks again.
    let (mut app, _) = bounded(10, 50_000_000, t0);
    assert!(app.step(t0, ch('s')).is_empty());
    assert!(matches!(app.modal, Modal::None));
    app.step(t0, ch('r'));
    assert!(matches!(app.modal, Modal::Bound(_)), "asked again");
}

#[test]
fn past_the_bound_pages_feed_only_the_figures_and_the_footer_says_so() {
    let t0 = Instant::now();
    let (mut app, _) = bounded(10, 10, t0);
    let id = app.session.scan.as_ref().expect("scan").id;
    app.step(t0, answer(Response::ScanPage(page(id, 0, 8, 0))));
    assert!(!app.list_is_partial());
    // The worker keeps to the bound; a page past it is cut by the app too.
    app.step(t0, answer(Response::ScanPage(page(id, 8, 5, 30))));
    assert_eq!(app.session.list.loaded(), 10);
    let figures = &app.session.scan.as_ref().expect("scan").figures;
    assert_eq!(figures.wallets(), 43);
    assert_eq!(figures.group(None).expect("no currency").total.to_string(), "56");
    assert!(app.list_is_partial());
    let view = crate::ui::figures_text(&app);
    assert!(view.contains("43 wallets"), "{view}");
    assert!(view.contains("the list holds 10 of them"), "{view}");
}

#[test]
fn a_filter_past_the_bound_goes_to_dynamodb_and_clearing_it_scans_again() {
    let t0 = Instant::now();
    let (mut app, _) = bounded(10, 10, t0);
    let id = app.session.scan.as_ref().expect("scan").id;
    app.step(t0, answer(Response::ScanPage(page(id, 0, 10, 5))));
    typed_filter(&mut app, t0, ">=1.5");
    let sent = app.step(t0, key(KeyCode::Enter));
    let scope = scope_of(&sent).expect("a new scan");
    let filter = Filter::parse(">=1.5").expect("filter");
    assert_eq!(scope.filter.as_ref(), Some(&filter));
    assert_eq!(scope.keep, Some(10));
    assert_eq!(app.server_filter(), Some(&filter));
    assert_eq!(app.session.list.loaded(), 0, "the list refills with matches");
    // Esc clears it: a scan without the filter.
    let sent = app.step(t0, key(KeyCode::Esc));
    assert_eq!(scope_of(&sent).expect("a new scan").filter, None);
    assert_eq!(app.server_filter(), None);
}

#[test]
fn a_complete_filtered_scan_says_its_figures_cover_the_matches_not_the_whole_table() {
    let t0 = Instant::now();
    let (mut app, _) = bounded(10, 10, t0);
    let id = app.session.scan.as_ref().expect("scan").id;
    app.step(t0, answer(Response::ScanPage(page(id, 0, 10, 5))));
    typed_filter(&mut app, t0, ">=1.5");
    app.step(t0, key(KeyCode::Enter));
    let scan = app.session.scan.as_ref().expect("the filtered scan");
    let (id, segments) = (scan.id, scan.segments);
    for segment in 0..segments {
        let mut last = page(id, segment as usize * 4, 4, 0);
        (last.segment, last.next) = (segment, None);
        app.step(t0, answer(Response::ScanPage(last)));
    }
    assert_eq!(app.session.scan.as_ref().map(|s| s.outcome.clone()), Some(ScanOutcome::Complete));
    let view = crate::ui::figures_text(&app);
    assert!(view.contains("complete: exact over every matching wallet"), "{view}");
    assert!(!view.contains("whole table"), "{view}");
}

#[test]
fn after_choosing_not_to_scan_a_filter_scans_on_the_server_and_clearing_it_empties_the_list() {
    let t0 = Instant::now();
    let (mut app, _) = bounded(10, 50_000, t0);
    app.step(t0, ch('s'));
    typed_filter(&mut app, t0, "^u");
    let sent = app.step(t0, key(KeyCode::Enter));
    let scope = scope_of(&sent).expect("a filtered scan");
    assert_eq!(scope.filter, Some(Filter::IdPrefix("u".into())));
    let id = app.session.scan.as_ref().expect("scan").id;
    app.step(t0, answer(Response::ScanPage(page(id, 0, 3, 0))));
    assert_eq!(app.session.list.loaded(), 3);
    assert!(app.step(t0, key(KeyCode::Esc)).is_empty(), "no scan: the user chose not to");
    assert_eq!(app.session.list.loaded(), 0, "the matches go with their filter");
    assert!(app.session.scan.is_none());
}

#[test]
fn a_filter_within_the_bound_stays_local() {
    let t0 = Instant::now();
    let (mut app, _) = bounded(10, 5, t0);
    let id = app.session.scan.as_ref().expect("scan").id;
    app.step(t0, answer(Response::ScanPage(page(id, 0, 5, 0))));
    typed_filter(&mut app, t0, ">1");
    assert!(app.step(t0, key(KeyCode::Enter)).is_empty());
    assert_eq!(app.server_filter(), None);
}

#[test]
fn the_figures_view_opens_with_its_key_and_scrolls() {
    let t0 = Instant::now();
    let (mut app, _) = bounded(10, 5, t0);
    app.step(t0, ch('A'));
    assert!(matches!(app.modal, Modal::Figures(0)));
    app.step(t0, ch('j'));
    assert!(matches!(app.modal, Modal::Figures(1)));
    app.step(t0, ch('q'));
    assert!(matches!(app.modal, Modal::None));
}
