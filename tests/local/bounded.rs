//! Tables bigger than the list (`--max-wallets`), against a real DynamoDB Local: a
//! 50,000-wallet table is seeded once, then the app bounded at 10,000 wallets scans it
//! (one segment; four segments stopped and resumed half-way), filters it on the server, and
//! `wallet-tui stats --json` runs on it. Every whole-table figure is compared with one
//! computed by boto3 alone (`boto3_figures.py`): python3 with boto3 must be installed (the
//! test fails, never skips, without them; `.ci/run` installs boto3).

use std::process::Command;
use std::str::FromStr;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use bigdecimal::BigDecimal;
use crossterm::event::KeyCode;
use serde_json::Value;
use wallet_tui::aggregate::{Aggregate, Bucket, Figures};
use wallet_tui::app::{App, AppConfig, Modal, ScanOutcome};
use wallet_tui::balance::Balance;
use wallet_tui::msg::ScanSpec;
use wallet_tui::table::BillingMode;
use wallet_tui::worker::WorkerOptions;

use crate::support::driver::Driver;
use crate::support::{self, AppClient, Item};

const WALLETS: usize = 50_000;
const BOUND: u64 = 10_000;
/// How long one whole scan of the table may take.
const SCAN_LIMIT: Duration = Duration::from_secs(120);
const SCRIPT: &str = include_str!("boto3_figures.py");

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// The seeded wallets: UUID user_ids; balances of cents, ties, negatives, 38-digit and tiny
/// ones, a few missing or not numbers; currency USD / EUR / JPY or none.
fn items() -> Vec<Item> {
    let mut rng = Rng(0x5eed);
    (0..WALLETS)
        .map(|i| {
            let user_id = uuid::Builder::from_random_bytes(
                (u128::from(rng.next()) << 64 | u128::from(rng.next())).to_be_bytes(),
            )
            .into_uuid()
            .hyphenated()
            .to_string();
            let mut item =
                Item::from([("user_id".to_string(), AttributeValue::S(user_id.clone()))]);
            let balance = match rng.below(100) {
                0 => None,
                1 => Some(AttributeValue::S("n/a".into())),
                2 => Some(AttributeValue::N(format!("{}", rng.below(3)))),
                3 => Some(AttributeValue::N(format!("-{}.{:02}", rng.below(5000), rng.below(100)))),
                4 if i % 7 == 0 => Some(AttributeValue::N(format!(
                    "{}{:019}",
                    rng.below(9_000_000_000_000_000_000) + 1_000_000_000_000_000_000,
                    rng.below(10_000_000_000_000_000_000)
                ))),
                5 => Some(AttributeValue::N(format!("0.{:030}1", rng.below(1000)))),
                _ => Some(AttributeValue::N(format!(
                    "{}.{:02}",
                    rng.below(1_000_000),
                    rng.below(100)
                ))),
            };
            if let Some(balance) = balance {
                item.insert("balance".into(), balance);
            }
            let currency = ["USD", "EUR", "JPY", ""][rng.below(4) as usize];
            if !currency.is_empty() {
                item.insert("currency".into(), AttributeValue::S(currency.into()));
            }
            item
        })
        .collect()
}

/// boto3's figures of the table (with a filter: `filter` = expression, names, values).
fn boto3_figures(endpoint: &str, table: &str, filter: Option<[&str; 3]>) -> Value {
    let mut cmd = Command::new("python3");
    cmd.args(["-c", SCRIPT, endpoint, table, "currency"]);
    cmd.args(filter.iter().flatten());
    let output = cmd.output().unwrap_or_else(|e| {
        panic!("python3 is needed for this test (with boto3: pip install boto3): {e}")
    });
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "boto3_figures.py failed (is boto3 installed? pip install boto3): {stderr}"
    );
    serde_json::from_slice(&output.stdout).expect("boto3_figures.py prints JSON")
}

fn decimal(text: &str) -> BigDecimal {
    BigDecimal::from_str(text).unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

fn balance(text: &str) -> Balance {
    Balance::parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

/// One currency's expected figures in boto3's output.
fn expected_group<'v>(expected: &'v Value, currency: Option<&str>) -> &'v Value {
    let groups = expected["currencies"].as_array().expect("currencies");
    groups
        .iter()
        .find(|g| g["currency"].as_str() == currency)
        .unwrap_or_else(|| panic!("boto3 has no group {currency:?}"))
}

/// (balance, user_id) pairs of boto3's output.
fn pairs(value: &Value) -> Vec<(Balance, String)> {
    let list = value.as_array().expect("a list of pairs");
    list.iter()
        .map(|p| (balance(p[0].as_str().expect("text")), p[1].as_str().expect("id").to_string()))
        .collect()
}

/// Every figure of `figures` equals boto3's for `currency`.
fn check_group(what: &str, currency: Option<&str>, figures: &Figures, expected: &Value) {
    let e = expected_group(expected, currency);
    let what = format!("{what}, currency {currency:?}");
    assert_eq!(figures.count, e["count"].as_u64().expect("count"), "{what}: count");
    let without = e["without_balance"].as_u64().expect("without");
    assert_eq!(figures.without_balance, without, "{what}: without a balance");
    let total = decimal(e["total"].as_str().expect("total"));
    assert_eq!(figures.total.total(), total, "{what}: exact total");
    assert_eq!(figures.min, e["min"].as_str().map(balance), "{what}: min");
    assert_eq!(figures.max, e["max"].as_str().map(balance), "{what}: max");
    let ours = |list: Vec<wallet_tui::aggregate::Ranked>| -> Vec<(Balance, String)> {
        list.into_iter().map(|r| (r.balance, r.user_id.to_text())).collect()
    };
    assert_eq!(ours(figures.largest()), pairs(&e["largest"]), "{what}: top 100");
    assert_eq!(ours(figures.smallest()), pairs(&e["smallest"]), "{what}: bottom 100");
    let histogram: Vec<(i64, i64, u64)> = figures
        .histogram()
        .map(|(bucket, n)| match bucket {
            Bucket::Negative(d) => (-1, i64::from(d), n),
            Bucket::Zero => (0, 0, n),
            Bucket::Positive(d) => (1, i64::from(d), n),
        })
        .collect();
    let expected: Vec<(i64, i64, u64)> = e["histogram"]
        .as_array()
        .expect("a histogram")
        .iter()
        .map(|b| {
            (
                b[0].as_i64().expect("sign"),
                b[1].as_i64().expect("decade"),
                b[2].as_u64().expect("n"),
            )
        })
        .collect();
    let mut sorted = histogram.clone();
    sorted.sort();
    assert_eq!(sorted, expected, "{what}: histogram");
    assert!(histogram.len() > 1, "{what}: the histogram spans several decades");
}

/// The app's whole-table figures equal boto3's, every currency.
fn check_figures(what: &str, figures: &Aggregate, expected: &Value) {
    assert_eq!(figures.wallets(), expected["wallets"].as_u64().expect("wallets"), "{what}");
    assert_eq!(figures.not_wallets, 0, "{what}");
    let groups = expected["currencies"].as_array().expect("currencies");
    assert_eq!(figures.groups().len(), groups.len(), "{what}: currencies");
    for (currency, group) in figures.groups() {
        check_group(what, currency, group, expected);
    }
}

/// An app bounded at [`BOUND`] wallets on `table`, scanning with `segments` segments.
fn bounded_app(table: &str, label: &str, segments: u32) -> App {
    let spec =
        ScanSpec { segments, page_limit: Some(1000), consistent: false, max_rcu_per_sec: None };
    let config =
        AppConfig { scan_spec: spec, max_wallets: Some(BOUND), ..AppConfig::new(table, label) };
    App::new(config, Instant::now())
}

/// Describes the table; DynamoDB Local counts its items, so the app asks before scanning:
/// continue.
async fn start_past_the_question(d: &mut Driver<'_>) {
    d.tick_until(SCAN_LIMIT, "the question before scanning", |app| {
        matches!(app.modal(), Modal::Bound(_))
    })
    .await;
    let Modal::Bound(prompt) = d.app.modal() else { unreachable!() };
    let text = prompt.lines().join("\n");
    assert!(text.contains("about 50,000 wallets: the list shows the first 10,000 read"), "{text}");
    assert!(text.contains("a full scan costs about"), "{text}");
    assert!(d.app.scan().is_none(), "no scan before the answer");
    d.key('c');
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_table_bigger_than_the_list_gives_boto3_s_whole_table_figures() {
    // Fails here, with the reason, when python3 or boto3 is missing.
    let probe = Command::new("python3").args(["-c", "import boto3"]).output();
    let probe = probe.unwrap_or_else(|e| panic!("python3 is needed for this test: {e}"));
    assert!(
        probe.status.success(),
        "boto3 is needed for this test (pip install boto3): {}",
        String::from_utf8_lossy(&probe.stderr)
    );
    let started = Instant::now();
    let server = support::dynamodb_local().await;
    let endpoint = server.endpoint();
    let app_client = AppClient::new(endpoint.clone()).await;
    let mut worker = app_client.spawn_worker(WorkerOptions::default());
    let client = app_client.client.clone();
    let label = app_client.endpoint_label.clone();
    let table = support::unique_table("bounded_");
    support::create_wallet_table(&client, &table, &BillingMode::OnDemand).await;
    support::put_items(&client, &table, &items()).await;
    eprintln!("[{table}] {WALLETS} wallets seeded in {:?}", started.elapsed());
    let expected = boto3_figures(&endpoint, &table, None);
    assert_eq!(expected["wallets"], WALLETS);
    eprintln!("[{table}] boto3's figures at {:?}", started.elapsed());

    // One segment, to the end: the list holds the bound, the figures the whole table.
    let mut d = Driver::new(&mut worker, bounded_app(&table, &label, 1));
    start_past_the_question(&mut d).await;
    d.run_scan_to_end(SCAN_LIMIT).await;
    let scan = d.app.scan().cloned().expect("a scan");
    assert_eq!(scan.outcome, ScanOutcome::Complete);
    assert_eq!(d.app.list().loaded() as u64, BOUND, "the list holds the bound");
    assert_eq!(scan.scanned, WALLETS as u64);
    assert!(d.app.list_is_partial());
    check_figures("one segment", &scan.figures, &expected);
    let view = wallet_tui::ui::figures_text(&d.app);
    assert!(view.contains("complete: exact over the whole table"), "{view}");
    assert!(view.contains("the list holds 10,000 of them"), "{view}");
    eprintln!("[{table}] one segment checked at {:?}", started.elapsed());

    // A filter typed now goes to DynamoDB: the list fills with matching wallets only, as
    // boto3's Scan with the same FilterExpression finds them.
    for (typed, expression, names, values) in [
        (
            ">=990000",
            "attribute_type(#b, :n) AND #b >= :v",
            r##"{"#b": "balance"}"##,
            r#"{":v": {"N": "990000"}, ":n": {"S": "N"}}"#,
        ),
        ("^ab", "begins_with(#u, :v)", r##"{"#u": "user_id"}"##, r#"{":v": {"S": "ab"}}"#),
    ] {
        d.key('/');
        d.paste(typed);
        let sent = d.press(KeyCode::Enter);
        assert_eq!(sent.len(), 1, "a new scan for {typed}: {sent:?}");
        d.run_scan_to_end(SCAN_LIMIT).await;
        let boto3 = boto3_figures(&endpoint, &table, Some([expression, names, values]));
        let mut ids: Vec<String> =
            d.app.list().window(0, d.app.list().len()).map(|w| w.user_id.to_text()).collect();
        ids.sort();
        let expected_ids: Vec<String> = boto3["ids"]
            .as_array()
            .expect("ids")
            .iter()
            .map(|v| v.as_str().expect("id").to_string())
            .collect();
        assert!(!expected_ids.is_empty() && expected_ids.len() < BOUND as usize, "{typed}");
        assert_eq!(ids, expected_ids, "server-side filter {typed}");
        assert_eq!(d.app.list().loaded(), expected_ids.len(), "only matches are kept");
        let scan = d.app.scan().cloned().expect("a scan");
        assert_eq!(scan.scanned, WALLETS as u64, "every item is read (and paid for)");
        check_figures(&format!("filter {typed}"), &scan.figures, &boto3);
        d.press(KeyCode::Esc);
        d.run_scan_to_end(SCAN_LIMIT).await;
    }
    eprintln!("[{table}] server-side filters checked at {:?}", started.elapsed());
    drop(d);

    // Four segments, stopped half-way and resumed: the same figures, nothing counted twice.
    let mut d = Driver::new(&mut worker, bounded_app(&table, &label, 4));
    start_past_the_question(&mut d).await;
    let deadline = Instant::now() + SCAN_LIMIT;
    while d.app.scan().is_none_or(|s| s.scanned < WALLETS as u64 / 2) {
        d.step(deadline, "half of the table").await;
    }
    d.press(KeyCode::Esc);
    let stopped = d.app.scan().cloned().expect("a scan");
    assert_eq!(stopped.outcome, ScanOutcome::Cancelled);
    assert!(stopped.segments_done() < 4, "stopped before the end");
    // Pages of the stopped scan still on their way are dropped by the app.
    tokio::time::sleep(Duration::from_millis(500)).await;
    d.key('r');
    d.run_scan_to_end(SCAN_LIMIT).await;
    let scan = d.app.scan().cloned().expect("a scan");
    assert_eq!(scan.outcome, ScanOutcome::Complete);
    assert_eq!(scan.scanned, WALLETS as u64, "every item read once");
    assert_eq!(d.app.list().loaded() as u64, BOUND);
    check_figures("four segments, stopped and resumed", &scan.figures, &expected);
    eprintln!("[{table}] four segments checked at {:?}", started.elapsed());
    drop(d);

    // `wallet-tui stats --json`: the same figures, exact numbers as text.
    let dir = std::env::temp_dir().join(format!("wallet-tui-{table}"));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(dir.join("config.toml"), "").expect("an empty config");
    let output = Command::new(env!("CARGO_BIN_EXE_wallet-tui"))
        .args(["--endpoint-url", &endpoint, "--region", "us-east-1"])
        .arg("--log-file")
        .arg(dir.join("log"))
        .args(["stats", "--json", "--table", &table])
        .env("AWS_ACCESS_KEY_ID", wallet_tui::worker::LOCAL_ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", "local")
        .env("AWS_CONFIG_FILE", dir.join("no-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.join("no-credentials"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("WALLET_TUI_CONFIG", dir.join("config.toml"))
        .output()
        .expect("run wallet-tui stats");
    let (stdout, stderr) =
        (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(stderr.contains(&format!("read {WALLETS} items")), "progress on stderr: {stderr}");
    let json: Value = serde_json::from_str(&stdout).expect("stats --json prints JSON");
    assert_eq!(json["wallets"], WALLETS.to_string());
    assert_eq!(json["table"], table.as_str());
    let groups = json["currencies"].as_array().expect("currencies");
    assert_eq!(groups.len(), expected["currencies"].as_array().expect("c").len());
    for group in groups {
        let currency = group["currency"].as_str();
        let e = expected_group(&expected, currency);
        let text = |v: &Value| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string());
        assert_eq!(text(&group["count"]), text(&e["count"]), "{currency:?} count");
        let total = decimal(group["total"].as_str().expect("total as text"));
        assert_eq!(total, decimal(e["total"].as_str().expect("total")), "{currency:?} total");
        for bound in ["min", "max"] {
            let ours = group[bound].as_str().map(balance);
            assert_eq!(ours, e[bound].as_str().map(balance), "{currency:?} {bound}");
        }
        let ranked = |v: &Value| -> Vec<(Balance, String)> {
            v.as_array()
                .expect("ranked")
                .iter()
                .map(|r| {
                    let b = balance(r["balance"].as_str().expect("balance as text"));
                    (b, r["user_id"].as_str().expect("user_id").to_string())
                })
                .collect()
        };
        assert_eq!(ranked(&group["largest"]), pairs(&e["largest"]), "{currency:?} largest");
        assert_eq!(ranked(&group["smallest"]), pairs(&e["smallest"]), "{currency:?} smallest");
    }
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!("[{table}] stats --json checked at {:?}", started.elapsed());

    support::delete_table(&client, &table).await;
    worker.shutdown();
    server.stop().await;
}
