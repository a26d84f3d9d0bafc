//! Builders shared by the unit tests: the wallet table's description, wallets, scan pages,
//! key presses, and an app that has described its table. Each test passes what is
//! particular to it (status, billing, item counts, the endpoint label, balances) and
//! overrides any other field with struct update syntax.

use std::time::Instant;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};

use crate::app::{App, AppConfig};
use crate::balance::Balance;
use crate::error::ApiError;
use crate::msg::{Msg, Reply, Request, Response, ScanId, ScanPage};
use crate::table::{AttributeDef, BillingMode, KeyElement, TableInfo, TableStatus};
use crate::wallet::{AttrValue, Extras, UserId, Wallet};

/// The table the tests' apps look after.
pub(crate) const TABLE: &str = "user_wallet";

/// A key pressed without modifiers.
pub(crate) fn key_event(code: KeyCode) -> Event {
    Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// The message of a key pressed without modifiers.
pub(crate) fn key(code: KeyCode) -> Msg {
    Msg::Term(key_event(code))
}

/// The message of a character typed without modifiers.
pub(crate) fn ch(c: char) -> Msg {
    key(KeyCode::Char(c))
}

/// [`TABLE`] with the wallet schema (`user_id` S HASH, no index), `status` and `billing`,
/// and nothing that a description may leave out: no item count, size, creation time, ARN
/// or count of today's decreases.
pub(crate) fn table_info(status: TableStatus, billing: BillingMode) -> TableInfo {
    TableInfo {
        name: TABLE.into(),
        status,
        key_schema: vec![KeyElement { name: "user_id".into(), key_type: "HASH".into() }],
        attributes: vec![AttributeDef { name: "user_id".into(), attr_type: "S".into() }],
        billing,
        item_count: None,
        size_bytes: None,
        created: None,
        arn: None,
        indexes: vec![],
        decreases_today: None,
        stream: None,
    }
}

/// [`TABLE`] provisioned at 1 RCU / 1 WCU, as a complete description shows it: about `items`
/// items of `bytes` in all, created 2026-11-26T15:00:00Z, its ARN, no decrease made today.
pub(crate) fn described_table(status: TableStatus, items: i64, bytes: i64) -> TableInfo {
    TableInfo {
        item_count: Some(items),
        size_bytes: Some(bytes),
        created: Some("2026-11-26T15:00:00Z".into()),
        arn: Some(format!("arn:aws:dynamodb:us-east-1:123456789012:table/{TABLE}")),
        decreases_today: Some(0),
        stream: None,
        ..table_info(status, BillingMode::Provisioned { read: 1, write: 1 })
    }
}

/// `text` as a balance; panics if it is not one.
pub(crate) fn balance(text: &str) -> Balance {
    Balance::parse(text).unwrap_or_else(|e| panic!("{text:?} is not a balance: {e}"))
}

/// The wallet of `id` with the balance `balance_text` (a text, or `None` for no balance)
/// and no other attribute; panics if the text is not a balance.
pub(crate) fn wallet<'a>(id: &str, balance_text: impl Into<Option<&'a str>>) -> Wallet {
    Wallet {
        user_id: UserId::new(id),
        balance: balance_text.into().map(balance),
        extra: Extras::default(),
    }
}

/// A page of scan `id` from `segment` with `wallets` (all of them scanned, none skipped),
/// its last if `last` (else the segment goes on after its last wallet), costing
/// `consumed_rcu` as reported.
pub(crate) fn scan_page(
    id: ScanId,
    segment: u32,
    wallets: Vec<Wallet>,
    last: bool,
    consumed_rcu: Option<f64>,
) -> ScanPage {
    let scanned = wallets.len() as u64;
    let next = (!last).then(|| match wallets.last() {
        Some(w) => vec![("user_id".to_string(), AttrValue::S(w.user_id.to_text().into()))],
        None => Vec::new(),
    });
    ScanPage { id, segment, wallets, scanned, skipped: 0, consumed_rcu, next, figures: None }
}

/// The worker's answer to DescribeTable of [`TABLE`].
pub(crate) fn described(result: Result<Option<TableInfo>, ApiError>) -> Msg {
    answer(Response::Described { table: TABLE.into(), result })
}

/// Has a connected `app` describe its table at `t0`: its first tick must ask for exactly
/// that, after settling the writes left open (none here), and `result` is the answer.
/// Returns the requests the answer made.
pub(crate) fn describe(
    app: &mut App,
    t0: Instant,
    result: Result<Option<TableInfo>, ApiError>,
) -> Vec<Request> {
    let first = app.step(t0, Msg::Tick);
    assert_eq!(first, first_requests(), "the first tick");
    app.step(t0, nothing_to_resolve());
    app.step(t0, described(result))
}

/// What a connected app asks first for [`TABLE`].
pub(crate) fn first_requests() -> Vec<Request> {
    vec![
        Request::ResolveWrites { table: TABLE.into() },
        Request::DescribeTable { table: TABLE.into() },
    ]
}

/// The worker's answer that no write is left open on [`TABLE`].
pub(crate) fn nothing_to_resolve() -> Msg {
    answer(Response::WritesResolved { table: TABLE.into(), result: Ok(Vec::new()) })
}

/// A connected app for [`TABLE`] at `endpoint` that has described its table at `t0` and
/// found `state`.
pub(crate) fn described_app(endpoint: &str, state: Option<TableInfo>, t0: Instant) -> App {
    let mut app = new_app(endpoint, true, t0);
    describe(&mut app, t0, Ok(state));
    app
}

/// An app for [`TABLE`] at `endpoint` with the binary's defaults, `ready` or waiting for an
/// embedded DynamoDB Local, at `t0`.
pub(crate) fn new_app(endpoint: &str, ready: bool, t0: Instant) -> App {
    App::new(AppConfig { ready, ..AppConfig::new(TABLE, endpoint) }, t0)
}

/// A worker answer for the app's first session.
pub(crate) fn answer(response: Response) -> Msg {
    reply(1, response)
}

/// A worker answer for session `session`.
pub(crate) fn reply(session: u64, response: Response) -> Msg {
    Msg::Worker(Reply { session, response })
}

/// A plan of one new wallet and one different one (balance 1 → 2), one bad row skipped.
pub(crate) fn prepared() -> crate::worker::import::Prepared {
    let attrs = |id: &str, b: &str| -> crate::import::Attrs {
        [
            ("user_id".to_string(), AttrValue::S(id.into())),
            ("balance".to_string(), AttrValue::N(b.into())),
        ]
        .into()
    };
    let row = |line: u64, id: &str, b: &str| crate::import::Row {
        line,
        user_id: id.into(),
        item: attrs(id, b),
        text: String::new(),
    };
    let bad = crate::import::BadRow {
        line: 4,
        reason: "balance: not a number".into(),
        text: "x,y".into(),
    };
    crate::worker::import::Prepared {
        path: std::path::PathBuf::from("/tmp/wallets.csv"),
        parsed: crate::import::Parsed {
            format: crate::import::Format::Csv,
            rows: vec![],
            bad: vec![bad],
            header: None,
        },
        plan: crate::worker::import::Plan {
            new: vec![row(2, "n1", "5")],
            different: vec![(row(3, "d1", "2"), attrs("d1", "1"))],
            identical: 7,
            consumed_rcu: 1.0,
        },
    }
}

/// A deterministic generator for the randomized model tests: the demo's SplitMix64, so a
/// failing case replays exactly from its seed.
pub(crate) struct Rng(crate::demo::SmallRng);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Rng(crate::demo::SmallRng::new(seed))
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        self.0.below(n as u64) as usize
    }
}

/// An app (one scan segment) whose first scan, id 1, loaded `wallets` in one page.
pub(crate) fn loaded(wallets: Vec<Wallet>, t0: Instant) -> App {
    let mut config = AppConfig::new(TABLE, "test");
    config.scan_spec.segments = 1;
    let mut app = App::new(config, t0);
    describe(&mut app, t0, Ok(Some(table_info(TableStatus::Active, BillingMode::OnDemand))));
    app.step(t0, answer(Response::ScanPage(scan_page(1, 0, wallets, true, None))));
    app
}

/// A stream change of wallet `id` from balance `old` to `new` (`None`: absent).
pub(crate) fn change(
    kind: crate::stream::ChangeKind,
    id: &str,
    old: Option<&str>,
    new: Option<&str>,
) -> crate::stream::Change {
    crate::stream::Change {
        kind,
        user_id: UserId::new(id),
        old: old.map(|b| wallet(id, b)),
        new: new.map(|b| wallet(id, b)),
        sequence: "1".into(),
        unknown: false,
    }
}
