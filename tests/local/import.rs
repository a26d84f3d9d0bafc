//! `wallet-tui import` against a real DynamoDB Local: export → import round trip equals a
//! raw scan; a bad row writes nothing (or, with --skip-bad, goes to the rejects file); an
//! outside change between the diff and the write is a conflict; an interrupted import
//! re-run finishes with no write applied twice; writes keep to the budget.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use wallet_tui::export;
use wallet_tui::import::run::{self, Args, Outcome};
use wallet_tui::journal::Journal;
use wallet_tui::msg::{Request, ScanSpec};
use wallet_tui::table::BillingMode;
use wallet_tui::worker::WorkerOptions;
use wallet_tui::worker::import::{Importer, Progress, WriteOptions};

use crate::support::{self, AppClient, Item};

const LIMIT: Duration = Duration::from_secs(30);

struct Fixture {
    server: wallet_tui::local::LocalServer,
    app: AppClient,
    raw: Client,
    dir: PathBuf,
    journal: PathBuf,
}

impl Fixture {
    async fn start() -> Fixture {
        let server = support::dynamodb_local().await;
        let app = AppClient::new(server.endpoint()).await;
        let raw = support::sdk_client(&server.endpoint());
        let dir = std::env::temp_dir().join(format!("wallet-import-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("a temp dir");
        let journal = dir.join("journal.jsonl");
        Fixture { server, app, raw, dir, journal }
    }

    async fn table(&self, prefix: &str) -> String {
        let table = support::unique_table(prefix);
        support::create_wallet_table(&self.raw, &table, &BillingMode::OnDemand).await;
        table
    }

    fn importer(&self, table: &str) -> Importer {
        let journal = Journal::open(&self.journal).expect("the journal");
        Importer::new(
            self.app.client.clone(),
            table,
            Some(journal),
            self.app.endpoint_label.clone(),
        )
    }

    fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.join(name);
        std::fs::write(&path, text).expect("write the file");
        path
    }

    async fn import(&self, table: &str, args: Args) -> (Result<Outcome, String>, String) {
        let mut out = Vec::new();
        let result = run::run(&self.importer(table), &args, &mut out, None).await;
        (result, String::from_utf8(out).expect("UTF-8"))
    }

    async fn finish(self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        self.server.stop().await;
    }
}

fn args(file: &Path) -> Args {
    Args {
        file: file.to_path_buf(),
        dry_run: false,
        overwrite: false,
        skip_bad: false,
        max_write_percent: 50.0,
        max_write_wcu: None,
        concurrency: 8,
        destination: None,
    }
}

fn s(text: &str) -> AttributeValue {
    AttributeValue::S(text.into())
}

fn n(text: &str) -> AttributeValue {
    AttributeValue::N(text.into())
}

/// Items by user_id, sets sorted (DynamoDB does not keep their order).
fn by_id(items: Vec<Item>) -> HashMap<String, Item> {
    fn norm(v: AttributeValue) -> AttributeValue {
        match v {
            AttributeValue::Ss(mut x) => {
                x.sort();
                AttributeValue::Ss(x)
            }
            AttributeValue::Ns(mut x) => {
                x.sort();
                AttributeValue::Ns(x)
            }
            AttributeValue::L(x) => AttributeValue::L(x.into_iter().map(norm).collect()),
            AttributeValue::M(x) => {
                AttributeValue::M(x.into_iter().map(|(k, v)| (k, norm(v))).collect())
            }
            other => other,
        }
    }
    items
        .into_iter()
        .map(|item| {
            let item: Item = item.into_iter().map(|(k, v)| (k, norm(v))).collect();
            (item["user_id"].as_s().expect("an id").clone(), item)
        })
        .collect()
}

fn tricky_items() -> Vec<Item> {
    let mut rich = Item::from([
        ("user_id".to_string(), s("rich")),
        ("balance".to_string(), n("-0.5")),
        ("currency".to_string(), s("EUR")),
        ("count".to_string(), n("12345678901234567890123456789012345678")),
        ("flag".to_string(), AttributeValue::Bool(true)),
        ("none".to_string(), AttributeValue::Null(true)),
        ("tags".to_string(), AttributeValue::Ss(vec!["b".into(), "a".into()])),
        ("nums".to_string(), AttributeValue::Ns(vec!["1.5".into(), "-2".into()])),
        ("blob".to_string(), AttributeValue::B(Blob::new(vec![0u8, 255, 10]))),
        ("list".to_string(), AttributeValue::L(vec![n("0.1"), s("x, \"y\"\n")])),
    ]);
    rich.insert(
        "map".into(),
        AttributeValue::M(HashMap::from([("k".to_string(), n("7")), ("s".to_string(), s("ü"))])),
    );
    vec![
        support::wallet_item("big", "12345678901234567890123456789012345678"),
        support::wallet_item("neg", "-0.5"),
        support::wallet_item("largest", "9.9999999999999999999999999999999999999E+125"),
        Item::from([("user_id".to_string(), s("legacy")), ("balance".to_string(), s("100"))]),
        Item::from([("user_id".to_string(), s("nobalance")), ("note".to_string(), s(""))]),
        Item::from([
            ("user_id".to_string(), s("nullbal")),
            ("balance".to_string(), AttributeValue::Null(true)),
        ]),
        Item::from([
            ("user_id".to_string(), s("mapbal")),
            (
                "balance".to_string(),
                AttributeValue::M(HashMap::from([("EUR".to_string(), n("1.5"))])),
            ),
            ("currency".to_string(), s("multi")),
        ]),
        rich,
    ]
}

/// Every wallet of `table` as the app's scan gives them (what export writes).
async fn scanned_wallets(f: &Fixture, table: &str) -> Vec<wallet_tui::wallet::Wallet> {
    let mut worker = f.app.spawn_worker(WorkerOptions::default());
    let spec =
        ScanSpec { segments: 1, page_limit: Some(100), consistent: true, max_rcu_per_sec: None };
    support::send(&worker, Request::scan(1, table.to_string(), spec));
    let pages = support::collect_scan(&mut worker, 1, 1, LIMIT).await;
    worker.shutdown();
    pages.into_iter().flat_map(|(_, page)| page.wallets).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_then_import_into_a_new_table_equals_a_raw_scan() {
    let f = Fixture::start().await;
    let source = f.table("import_src_").await;
    support::put_items(&f.raw, &source, &tricky_items()).await;
    let wallets = scanned_wallets(&f, &source).await;
    assert_eq!(wallets.len(), 8);
    let path = f.dir.join("wallets.jsonl");
    export::write(&path, export::Format::JsonLines, &wallets).expect("exported");

    let copy = f.table("import_copy_").await;
    let (result, out) = f.import(&copy, args(&path)).await;
    let Ok(Outcome::Written(report)) = result else { panic!("{result:?}\n{out}") };
    assert_eq!((report.written, report.conflicts.len(), report.failed.len()), (8, 0, 0), "{out}");
    let want = by_id(support::scan_items(&f.raw, &source).await);
    assert_eq!(by_id(support::scan_items(&f.raw, &copy).await), want);

    // The same file again: everything identical, nothing written.
    let (result, out) = f.import(&copy, args(&path)).await;
    assert!(out.contains("0 new, 0 different, 8 identical"), "{out}");
    let Ok(Outcome::Written(report)) = result else { panic!("{result:?}") };
    assert_eq!(report.written, 0);

    // CSV, every wallet: balances of every type exact (a number as text, another type as
    // typed JSON); the other cells come back as the text export wrote (a CSV has no types).
    let csv = f.dir.join("wallets.csv");
    export::write(&csv, export::Format::Csv, &wallets).expect("exported");
    let from_csv = f.table("import_csv_").await;
    let (result, out) = f.import(&from_csv, args(&csv)).await;
    assert!(matches!(result, Ok(Outcome::Written(_))), "{result:?} {out}");
    let got = by_id(support::scan_items(&f.raw, &from_csv).await);
    assert_eq!(got.len(), 8, "{out}");
    for (id, item) in &got {
        assert_eq!(item.get("balance"), want[id].get("balance"), "{id}'s balance");
    }
    assert_eq!(got["legacy"]["balance"], s("100"), "an S balance stays S");
    assert_eq!(got["nullbal"]["balance"], AttributeValue::Null(true));
    assert_eq!(got["mapbal"]["currency"], s("multi"));
    assert_eq!(got["rich"]["currency"], s("EUR"));
    assert_eq!(got["rich"]["count"], s("12345678901234567890123456789012345678"), "as text");
    assert_eq!(got["rich"]["flag"], s("true"), "as text");
    assert!(!got["nobalance"].contains_key("note"), "an empty cell is no attribute");

    // The same CSV over the source with --overwrite: compared as export wrote it, every
    // wallet identical, nothing written, no attribute retyped.
    let (result, out) = f.import(&source, Args { overwrite: true, ..args(&csv) }).await;
    assert!(out.contains("0 new, 0 different, 8 identical"), "{out}");
    let Ok(Outcome::Written(report)) = result else { panic!("{result:?} {out}") };
    assert_eq!(report.written, 0, "{out}");
    assert_eq!(by_id(support::scan_items(&f.raw, &source).await), want, "nothing retyped");

    // A CSV giving another text where the table holds a number: refused, nothing written.
    let header = "user_id,balance,count\n";
    let retype = f.file("retype.csv", &format!("{header}rich,-0.5,many\nneg,7,\n"));
    let (result, out) = f.import(&source, Args { overwrite: true, ..args(&retype) }).await;
    let err = result.expect_err("refused");
    assert!(err.contains("1 row would change an attribute's type: nothing written"), "{err}");
    assert!(out.contains("line 2: count: the table holds N "), "{out}");
    assert_eq!(by_id(support::scan_items(&f.raw, &source).await), want, "nothing written");
    f.finish().await;
}

const FIVE: &str = r#"{"user_id":"a","balance":"1.10"}
{"user_id":"b","balance":2}
{"user_id":"c","balance":"12a"}
{"user_id":"d","balance":12345678901234567890123456789012345678}
{"user_id":"e","balance":"-0.5"}
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_bad_row_in_the_middle_writes_nothing_and_names_the_line() {
    let f = Fixture::start().await;
    let table = f.table("import_bad_").await;
    let path = f.file("five.jsonl", FIVE);
    let (result, out) = f.import(&table, args(&path)).await;
    let err = result.expect_err("refused");
    assert!(err.contains("1 bad row") && err.contains("nothing written"), "{err}");
    assert!(out.contains("line 3: balance: \"12a\" is not a number"), "{out}");
    assert!(support::scan_items(&f.raw, &table).await.is_empty(), "nothing written");

    // --skip-bad: the four good ones, the bad one in an owner-only rejects file.
    let (result, out) = f.import(&table, Args { skip_bad: true, ..args(&path) }).await;
    let Ok(Outcome::Written(report)) = result else { panic!("{result:?} {out}") };
    assert_eq!(report.written, 4, "{out}");
    let rejects = f.dir.join("five.rejects.jsonl");
    assert!(out.contains(&rejects.display().to_string()), "{out}");
    assert_eq!(
        std::fs::read_to_string(&rejects).expect("rejects"),
        "{\"user_id\":\"c\",\"balance\":\"12a\"}\n"
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&rejects).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let items = by_id(support::scan_items(&f.raw, &table).await);
    assert_eq!(items.len(), 4);
    assert_eq!(items["a"]["balance"], n("1.1"));
    assert_eq!(items["d"]["balance"], n("12345678901234567890123456789012345678"));
    assert!(!items.contains_key("c"));
    f.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outside_change_between_diff_and_write_is_a_conflict() {
    let f = Fixture::start().await;
    let table = f.table("import_conflict_").await;
    support::put_wallets(&f.raw, &table, [("u1", "5"), ("u2", "6"), ("u5", "7"), ("same", "1")])
        .await;
    let path = f.file(
        "w.jsonl",
        "{\"user_id\":\"u1\",\"balance\":10}\n{\"user_id\":\"u2\",\"balance\":11,\"currency\":\"EUR\"}\n\
         {\"user_id\":\"u3\",\"balance\":12}\n{\"user_id\":\"u4\",\"balance\":13}\n\
         {\"user_id\":\"same\",\"balance\":\"1.0\"}\n{\"user_id\":\"u5\",\"balance\":14}\n",
    );
    let importer = f.importer(&table);
    let parsed = wallet_tui::import::read(&path).expect("read");
    let plan = importer.diff(parsed.rows).await.expect("diff");
    assert_eq!((plan.new.len(), plan.different.len(), plan.identical), (2, 3, 1));
    let summary = run::summary(&plan, true).join("\n");
    assert!(summary.contains("u1: balance 5 → 10"), "{summary}");

    // Meanwhile another writer changes u1, creates u4, and gives u2 the currency the file
    // gives it (a different one).
    support::raw_add(&f.raw, &table, "u1", "1").await;
    f.raw
        .update_item()
        .table_name(&table)
        .key("user_id", s("u2"))
        .update_expression("SET currency = :c")
        .expression_attribute_values(":c", s("USD"))
        .send()
        .await
        .expect("raw SET currency");
    support::put_wallets(&f.raw, &table, [("u4", "99")]).await;

    let options = WriteOptions { overwrite: true, wcu_per_sec: None, concurrency: 4 };
    let report = importer.write(&plan, &options, &|_| {}).await;
    assert_eq!(report.written, 2, "{report:?}");
    assert_eq!(
        report.conflicts,
        vec![
            ("u1".to_string(), "changed meanwhile: balance now 6".to_string()),
            ("u2".to_string(), "changed meanwhile: currency now USD".to_string()),
            ("u4".to_string(), "created meanwhile".to_string()),
        ]
    );
    let stored = |id: &'static str| support::stored_balance(&f.raw, &table, id);
    assert_eq!(stored("u1").await.as_deref(), Some("6"), "not overwritten");
    assert_eq!(stored("u4").await.as_deref(), Some("99"), "not overwritten");
    assert_eq!(stored("u2").await.as_deref(), Some("6"), "its new currency kept");
    assert_eq!(stored("u3").await.as_deref(), Some("12"));
    assert_eq!(stored("u5").await.as_deref(), Some("14"));
    // The journal's applied lines: the two writes that went through.
    let lines = support::journal_lines(&f.journal);
    let mut applied: Vec<_> = lines
        .iter()
        .map(|(op, id, old, new)| (op.as_str(), id.as_str(), old.clone(), new.clone()))
        .collect();
    applied.sort();
    assert_eq!(
        applied,
        vec![
            ("import", "u3", None, Some("12".to_string())),
            ("import", "u5", Some("7".to_string()), Some("14".to_string())),
        ]
    );
    f.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_import_rerun_finishes_with_no_duplicate_write() {
    let f = Fixture::start().await;
    let table = f.table("import_resume_").await;
    // Writes go 100 to a transaction, 2 transactions at a time: stopped after 600 of 3000.
    let text: String = (0..3000)
        .map(|i| format!("{{\"user_id\":\"w{i:04}\",\"balance\":\"{i}.25\"}}\n"))
        .collect();
    let path = f.file("many.jsonl", &text);
    let importer = f.importer(&table);
    let parsed = wallet_tui::import::read(&path).expect("read");
    let plan = importer.diff(parsed.rows).await.expect("diff");
    let done = Arc::new(AtomicU64::new(0));
    let counter = done.clone();
    let task = tokio::spawn(async move {
        let options = WriteOptions { overwrite: false, wcu_per_sec: None, concurrency: 2 };
        let progress = move |p: Progress| counter.store(p.done, Ordering::Relaxed);
        importer.write(&plan, &options, &progress).await
    });
    let deadline = Instant::now() + LIMIT;
    while done.load(Ordering::Relaxed) < 600 {
        assert!(Instant::now() < deadline, "no progress");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    task.abort();
    let _ = task.await;
    let before = support::scan_items(&f.raw, &table).await.len();
    assert!((600..3000).contains(&before), "interrupted part-way: {before}");

    let (result, out) = f.import(&table, args(&path)).await;
    let Ok(Outcome::Written(report)) = result else { panic!("{result:?} {out}") };
    assert!(report.conflicts.is_empty() && report.failed.is_empty(), "{out}");
    let items = by_id(support::scan_items(&f.raw, &table).await);
    assert_eq!(items.len(), 3000);
    assert_eq!(items["w2123"]["balance"], n("2123.25"));
    // Each wallet applied exactly once, by whichever run.
    let mut per_id: HashMap<String, usize> = HashMap::new();
    for (op, id, _, _) in support::journal_lines(&f.journal) {
        assert_eq!(op, "import");
        *per_id.entry(id).or_default() += 1;
    }
    assert_eq!(per_id.len(), 3000);
    assert!(per_id.values().all(|&c| c == 1), "a wallet written twice: {per_id:?}");
    f.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_keep_to_the_write_budget_and_a_dry_run_writes_nothing() {
    let f = Fixture::start().await;
    let table = f.table("import_paced_").await;
    let text: String =
        (0..20).map(|i| format!("{{\"user_id\":\"p{i}\",\"balance\":{i}}}\n")).collect();
    let path = f.file("paced.jsonl", &text);
    let (result, out) = f.import(&table, Args { dry_run: true, ..args(&path) }).await;
    assert!(matches!(result, Ok(Outcome::DryRun(_))), "{out}");
    assert!(out.contains("20 new, 0 different, 0 identical"), "{out}");
    assert!(support::scan_items(&f.raw, &table).await.is_empty(), "a dry run writes nothing");
    // Asked to confirm (a terminal), a no writes nothing.
    let mut out = Vec::new();
    let no = |question: &str| {
        assert_eq!(question, "write 20 wallet(s)? [y/N] ");
        false
    };
    let result = run::run(&f.importer(&table), &args(&path), &mut out, Some(&no)).await;
    assert_eq!(result.err().as_deref(), Some("nothing written"));
    assert!(support::scan_items(&f.raw, &table).await.is_empty(), "a no writes nothing");

    // 20 one-item transactions of 2 WCU at 20 WCU/s: about 2 s.
    let started = Instant::now();
    let (result, out) = f.import(&table, Args { max_write_wcu: Some(20.0), ..args(&path) }).await;
    let elapsed = started.elapsed();
    let Ok(Outcome::Written(report)) = result else { panic!("{result:?} {out}") };
    assert_eq!(report.written, 20);
    assert_eq!(report.wcu, 40.0, "DynamoDB Local reports 2 WCU per one-item transaction");
    assert!(elapsed >= Duration::from_millis(1800), "unpaced: {elapsed:?}");
    f.finish().await;
}

/// `wallet-tui import` as a user runs it: exit status 1 and `line N: reason` for a bad
/// file (nothing written), then 0 and the summary for a good one, journaled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_imports_and_refuses_a_bad_file() {
    let f = Fixture::start().await;
    let table = f.table("import_bin_").await;
    let config = f.file("config.toml", "theme = \"mono\"\n");
    let run = |file: &Path, extra: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_wallet-tui"))
            .args(["--endpoint-url", &f.server.endpoint(), "--region", "us-east-1"])
            .arg("--log-file")
            .arg(f.dir.join("log"))
            .arg("--journal")
            .arg(&f.journal)
            .arg("import")
            .arg(file)
            .args(["--table", &table])
            .args(extra)
            .env("AWS_ACCESS_KEY_ID", wallet_tui::worker::LOCAL_ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", "local")
            .env("AWS_CONFIG_FILE", f.dir.join("no-config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", f.dir.join("no-credentials"))
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("WALLET_TUI_CONFIG", &config)
            .output()
            .expect("run wallet-tui")
    };
    let bad = f.file("bad.jsonl", FIVE);
    let output = run(&bad, &[]);
    let (stdout, stderr) =
        (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stdout.contains("line 3: balance: \"12a\" is not a number"), "{stdout}");
    assert!(stderr.contains("nothing written"), "{stderr}");
    assert!(support::scan_items(&f.raw, &table).await.is_empty());

    let good = f.file("good.jsonl", "{\"user_id\":\"a\",\"balance\":\"0.10\"}\n");
    let output = run(&good, &[]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("1 new, 0 different, 0 identical"), "{stdout}");
    assert!(stdout.contains("1 written, 0 conflicts"), "{stdout}");
    assert_eq!(support::stored_balance(&f.raw, &table, "a").await.as_deref(), Some("0.1"));
    let journaled = support::journal_lines(&f.journal);
    assert_eq!(journaled, vec![("import".into(), "a".into(), None, Some("0.1".into()))]);
    f.finish().await;
}

/// The guard holds for import as for the TUI: refused under `--read-only` and on a protected
/// profile without `--allow-writes` (nothing written), a dry run allowed in both (it only
/// reads), and every run says where it writes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_s_import_is_refused_read_only_and_on_a_protected_profile() {
    let f = Fixture::start().await;
    let table = f.table("import_guard_").await;
    let config = f.file("config.toml", "protect = [\"dev\"]\n");
    let aws_config = f.file("aws-config", "[profile dev]\nregion = us-east-1\n");
    let keys = format!(
        "aws_access_key_id = {}\naws_secret_access_key = local\n",
        wallet_tui::worker::LOCAL_ACCESS_KEY
    );
    let credentials = f.file("aws-credentials", &format!("[default]\n{keys}[dev]\n{keys}"));
    let good = f.file("good.jsonl", "{\"user_id\":\"a\",\"balance\":\"1\"}\n");
    let run = |extra: &[&str], after: &[&str]| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_wallet-tui"))
            .env_clear()
            .env("HOME", &f.dir)
            .args(["--endpoint-url", &f.server.endpoint(), "--region", "us-east-1"])
            .args(extra)
            .arg("--log-file")
            .arg(f.dir.join("log"))
            .arg("--journal")
            .arg(&f.journal)
            .arg("import")
            .arg(&good)
            .args(["--table", &table])
            .args(after)
            .env("AWS_CONFIG_FILE", &aws_config)
            .env("AWS_SHARED_CREDENTIALS_FILE", &credentials)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("WALLET_TUI_CONFIG", &config)
            .output()
            .expect("run wallet-tui");
        let stdout = String::from_utf8_lossy(&output.stdout).to_string();
        let stderr = String::from_utf8_lossy(&output.stderr).to_string();
        (output.status.code(), stdout, stderr)
    };

    let (code, stdout, stderr) = run(&["--read-only"], &[]);
    assert_eq!(code, Some(1), "{stdout}\n{stderr}");
    assert!(stderr.contains("--read-only: import writes wallets"), "{stderr}");
    assert!(support::scan_items(&f.raw, &table).await.is_empty(), "nothing written");
    let (code, stdout, stderr) = run(&["--read-only"], &["--dry-run"]);
    assert_eq!(code, Some(0), "a dry run only reads: {stdout}\n{stderr}");
    assert!(stdout.contains(&format!("into table {table} · ")), "{stdout}");
    assert!(stdout.contains("READ-ONLY"), "{stdout}");
    assert!(stdout.contains("1 new, 0 different, 0 identical"), "{stdout}");

    let (code, stdout, stderr) = run(&["--profile", "dev"], &[]);
    assert_eq!(code, Some(1), "{stdout}\n{stderr}");
    assert!(stderr.contains("profile dev is protected"), "{stderr}");
    assert!(support::scan_items(&f.raw, &table).await.is_empty(), "nothing written");
    let (code, stdout, stderr) = run(&["--profile", "dev"], &["--dry-run"]);
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("profile dev · READ-ONLY · protected profile dev"), "{stdout}");
    assert!(support::scan_items(&f.raw, &table).await.is_empty(), "a dry run writes nothing");

    let (code, stdout, stderr) = run(&["--profile", "dev", "--allow-writes"], &[]);
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    let endpoint = f.server.endpoint();
    let into = format!(
        "into table {table} · {endpoint} us-east-1 · profile dev · WRITES ALLOWED · protected profile dev"
    );
    assert!(stdout.lines().next() == Some(into.as_str()), "said first: {stdout}");
    assert_eq!(support::stored_balance(&f.raw, &table, "a").await.as_deref(), Some("1"));
    f.finish().await;
}

/// `--overwrite` sets the file's attributes only: those the file does not carry stay (an
/// update, not a put), and a wallet the file matches on every attribute it carries is
/// identical.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_overwrite_keeps_the_attributes_the_file_does_not_carry() {
    let f = Fixture::start().await;
    let table = f.table("import_keep_").await;
    let stored = |id: &str, balance: &str| {
        Item::from([
            ("user_id".to_string(), s(id)),
            ("balance".to_string(), n(balance)),
            ("note".to_string(), s("keep me")),
            ("tag".to_string(), n("3")),
        ])
    };
    support::put_items(&f.raw, &table, &[stored("k1", "5"), stored("k2", "7")]).await;
    let path = f.file(
        "keep.jsonl",
        "{\"user_id\":\"k1\",\"balance\":\"10\",\"currency\":\"EUR\"}\n{\"user_id\":\"k2\",\"balance\":7}\n",
    );
    let (result, out) = f.import(&table, Args { overwrite: true, ..args(&path) }).await;
    let Ok(Outcome::Written(report)) = result else { panic!("{result:?}\n{out}") };
    assert!(out.contains("0 new, 1 different, 1 identical"), "{out}");
    assert_eq!(report.written, 1, "{out}");
    let items = by_id(support::scan_items(&f.raw, &table).await);
    let mut want = stored("k1", "10");
    want.insert("currency".into(), s("EUR"));
    assert_eq!(items["k1"], want, "note and tag kept, balance and currency set");
    assert_eq!(items["k2"], stored("k2", "7"), "untouched");
    f.finish().await;
}
