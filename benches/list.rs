//! In-memory benchmarks of the list at 10k, 100k and 1M wallets: one full
//! frame rendered at 200×50, a sort by balance, and a balance filter.
//! Run: `cargo bench --bench list`

use std::hint::black_box;
use std::time::Instant;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use wallet_tui::app::{App, AppConfig};
use wallet_tui::balance::Balance;
use wallet_tui::list::{Filter, SortKey};
use wallet_tui::msg::{Msg, Reply, Response, ScanPage};
use wallet_tui::table::{AttributeDef, BillingMode, KeyElement, TableInfo, TableStatus};
use wallet_tui::ui;
use wallet_tui::wallet::{AttrValue, Extras, UserId, Wallet};

const SIZES: [usize; 3] = [10_000, 100_000, 1_000_000];

/// splitmix64: deterministic data without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

fn wallets(n: usize) -> Vec<Wallet> {
    let mut rng = Rng(42);
    let currencies = ["EUR", "USD", "GBP", "JPY"];
    (0..n)
        .map(|_| {
            let id = uuid::Builder::from_random_bytes(
                ((u128::from(rng.next()) << 64) | u128::from(rng.next())).to_be_bytes(),
            )
            .into_uuid();
            let cents = rng.next() % 1_000_000;
            let balance = format!("{}.{:02}", cents / 100, cents % 100);
            let currency = AttrValue::S(currencies[(rng.next() % 4) as usize].into());
            let updated = AttrValue::S("2026-11-26T12:00:00Z".into());
            Wallet {
                user_id: UserId::new(&id.hyphenated().to_string()),
                balance: Balance::parse(&balance).ok(),
                extra: Extras::new([("currency", &currency), ("updated_at", &updated)]),
            }
        })
        .collect()
}

fn loaded_app(n: usize) -> App {
    let now = Instant::now();
    let mut config = AppConfig::new("user_wallet", "bench");
    config.scan_spec.segments = 1;
    let mut app = App::new(config, now);
    app.update(now, Msg::Tick);
    let info = TableInfo {
        name: "user_wallet".into(),
        status: TableStatus::Active,
        key_schema: vec![KeyElement { name: "user_id".into(), key_type: "HASH".into() }],
        attributes: vec![AttributeDef { name: "user_id".into(), attr_type: "S".into() }],
        billing: BillingMode::OnDemand,
        item_count: Some(n as i64),
        size_bytes: Some(n as i64 * 100),
        created: None,
        arn: None,
        indexes: vec![],
        decreases_today: None,
        stream: None,
    };
    let described = Response::Described { table: "user_wallet".into(), result: Ok(Some(info)) };
    app.update(now, Msg::Worker(Reply { session: 1, response: described }));
    // No write left open on the table: the scan may start.
    let resolved = Response::WritesResolved { table: "user_wallet".into(), result: Ok(vec![]) };
    app.update(now, Msg::Worker(Reply { session: 1, response: resolved }));
    let page = ScanPage {
        id: 1,
        segment: 0,
        scanned: n as u64,
        wallets: wallets(n),
        skipped: 0,
        consumed_rcu: None,
        next: None,
        figures: None,
    };
    app.update(now, Msg::Worker(Reply { session: 1, response: Response::ScanPage(page) }));
    app.update(now, Msg::Resized(ui::viewport(Rect::new(0, 0, 200, 50))));
    app
}

/// `app` with the wallet at view position `at` selected, paging down to it.
fn select(app: &mut App, at: usize) {
    assert!(app.list().len() > at, "the wallets were loaded");
    let page_down = Msg::Term(Event::Key(KeyEvent::new(KeyCode::PageDown, KeyModifiers::NONE)));
    while app.selected() + usize::from(app.viewport().list_rows) <= at {
        app.update(app.now(), page_down.clone());
    }
}

fn render(c: &mut Criterion) {
    let mut group = c.benchmark_group("render_200x50");
    for n in SIZES {
        let mut app = loaded_app(n);
        select(&mut app, n / 2);
        let mut terminal = Terminal::new(TestBackend::new(200, 50)).expect("terminal");
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| {
                terminal.draw(|frame| ui::render(black_box(&app), frame)).expect("draw");
            })
        });
    }
    group.finish();
}

fn sort(c: &mut Criterion) {
    let mut group = c.benchmark_group("sort_by_balance");
    group.sample_size(10);
    for n in SIZES {
        let mut list = loaded_app(n).list().clone();
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| {
                list.set_sort(SortKey::BalanceAsc);
                list.set_sort(SortKey::Loaded);
            })
        });
    }
    group.finish();
}

fn filter(c: &mut Criterion) {
    let mut group = c.benchmark_group("filter");
    group.sample_size(10);
    for n in SIZES {
        let mut list = loaded_app(n).list().clone();
        let by_balance = Filter::parse(">5000").expect("filter");
        let by_id = Filter::parse("ab1").expect("filter");
        group.bench_with_input(BenchmarkId::new("balance_gt", n), &n, |b, _| {
            b.iter(|| list.set_filter(by_balance.clone()))
        });
        group.bench_with_input(BenchmarkId::new("user_id_contains", n), &n, |b, _| {
            b.iter(|| list.set_filter(by_id.clone()))
        });
    }
    group.finish();
}

criterion_group!(benches, render, sort, filter);
criterion_main!(benches);
