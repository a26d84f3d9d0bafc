//! Entry point: arguments, logging, terminal setup and restore, the worker,
//! the DynamoDB Local supervisor, and the event loop that ties them to `App`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use color_eyre::eyre::{Result, WrapErr, bail, eyre};
use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture, Event,
    EventStream,
};
use futures::StreamExt;
use ratatui::DefaultTerminal;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use tracing_subscriber::filter::{EnvFilter, LevelFilter, Targets};
use tracing_subscriber::prelude::*;
use wallet_tui::app::{App, AppConfig};
use wallet_tui::cli::{Cli, Command};
use wallet_tui::config::Config;
use wallet_tui::import;
use wallet_tui::journal::{self, Journal};
use wallet_tui::local::{self, DynamoDbLocalOptions, Storage};
use wallet_tui::msg::{LocalEvent, Msg};
use wallet_tui::private;
use wallet_tui::target::{Account, Guard, Protect, WriteMode};
use wallet_tui::theme::Theme;
use wallet_tui::ui;
use wallet_tui::worker::{self, IdentitySource, WorkerHandle, WorkerOptions, seed};
use wallet_tui::worker::{configured_endpoint, endpoint_label};

/// How often the loop wakes up without input (drives polling and timers).
const TICK: Duration = Duration::from_millis(250);
/// Most worker responses handled between two frames.
const MAX_BATCH: usize = 64;
/// The account lookup's limit per step (credentials, STS): short, so an emulator without
/// STS is said to be one quickly.
const IDENTITY_TIMEOUT_SECS: u64 = 4;
/// Heap cap for DynamoDB Local: its JVM heap grows to GBs on big scans otherwise.
const LOCAL_MAX_HEAP_MB: u32 = 1024;

fn main() -> Result<()> {
    let (cli, settings) = Cli::parse_with_config().unwrap_or_else(|e| {
        // A usage error, like clap's own: one line and exit status 2.
        eprintln!("wallet-tui: {e}");
        std::process::exit(2)
    });
    color_eyre::install()?;
    let (_log_guard, log_notice) = init_logging(cli.log_file.clone())?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(run(cli, settings, log_notice))
}

async fn run(cli: Cli, settings: Config, log_notice: Option<String>) -> Result<()> {
    if cli.local {
        // Never wait on the EC2 metadata service for a local endpoint.
        // SAFETY: set before any other thread reads the environment.
        unsafe { std::env::set_var("AWS_EC2_METADATA_DISABLED", "true") };
    }
    let connect = cli.connect();
    let config = worker::load_sdk_config(&connect).await;
    if config.region().is_none() {
        bail!(
            "no AWS region: pass --region, set AWS_REGION, or set one in your profile (or use --local)"
        );
    }
    let label = endpoint_label(&connect, &config);
    let target = worker::target(&connect, &config, std::env::var("AWS_PROFILE").ok());
    let guard = Guard {
        read_only: cli.read_only,
        allow_writes: cli.allow_writes,
        protect: Protect::new(settings.protect.clone()),
        profile: target.profile.clone(),
        aws: target.is_aws(),
    };
    let identity = IdentitySource {
        config: config.clone(),
        // Asked where DynamoDB calls go unless that is AWS: see IdentitySource::endpoint.
        endpoint: target.endpoint.clone().filter(|_| !target.is_aws()),
        timeout: Duration::from_secs(cli.call_timeout.min(IDENTITY_TIMEOUT_SECS)),
    };
    let plain_http = configured_endpoint(&connect, &config)
        .filter(|_| !cli.local)
        .and_then(|url| worker::plain_http_warning(&url));
    let region = config.region().map(|r| r.to_string()).unwrap_or_default();
    let namespace = if cli.local {
        format!(
            "DynamoDB Local keeps tables per access key and region: this is access key {}, \
             region {region}",
            worker::LOCAL_ACCESS_KEY
        )
    } else {
        match &cli.profile {
            Some(profile) => format!("tables of profile {profile} in region {region}"),
            None => format!("tables of these credentials in region {region}"),
        }
    };
    let client = aws_sdk_dynamodb::Client::new(&config);
    let streams =
        worker::streams_client(&config, configured_endpoint(&connect, &config).as_deref());
    if let Some(Command::Seed { users, concurrency }) = cli.command {
        if cli.read_only {
            bail!("--read-only: seed writes wallets, so it does not run read-only");
        }
        if let Some(why) = command_mode(&guard, &identity).await.worker_refusal() {
            bail!("seed writes wallets: {why}");
        }
        return run_seed(&cli, &client, users, concurrency as usize).await;
    }
    if let Some(Command::Stats { json }) = cli.command {
        return run_stats(&cli, &client, json).await;
    }
    let (journal, journal_notice) = open_journal(&cli)?;
    if let Some(Command::Import { dry_run, .. }) = &cli.command {
        // A dry run only reads: it runs read-only and on protected targets too.
        if cli.read_only && !dry_run {
            bail!("--read-only: import writes wallets, so it does not run read-only");
        }
        let mode = command_mode(&guard, &identity).await;
        if let Some(why) = mode.worker_refusal().filter(|_| !dry_run) {
            bail!("import writes wallets: {why}");
        }
        journal_notice.iter().for_each(|n| eprintln!("{n}"));
        let destination = target.destination(&cli.table, &mode);
        return run_import(&cli, client, journal, label, destination).await;
    }
    let warnings: Vec<String> =
        [plain_http, log_notice, journal_notice].into_iter().flatten().collect();
    for warning in &warnings {
        tracing::warn!("{warning}");
    }
    let write_mode = guard.mode(&Account::Pending);
    let options = WorkerOptions {
        read_only: cli.read_only,
        allow_writes: cli.allow_writes,
        protect: guard.protect.clone(),
        profile: guard.profile.clone(),
        aws: guard.aws,
        identity: Some(identity),
        journal,
        endpoint: label.clone(),
        write_time_attribute: settings.write_time_attribute.clone(),
        streams: Some(streams),
        ..WorkerOptions::default()
    };
    let worker = worker::spawn(client, options);
    // https://no-color.org: any non-empty NO_COLOR asks for no colour.
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let config = AppConfig {
        ready: !cli.local,
        read_only: cli.read_only,
        write_mode,
        target: Some(target),
        identify: true,
        keymap: settings.keymap().map_err(|e| eyre!(e))?,
        theme: settings.theme.unwrap_or(if no_color { Theme::Mono } else { Theme::Color }),
        scan_spec: cli.scan_spec(),
        scan_budget: cli.scan_budget(),
        allow_negative: cli.allow_negative,
        currency_attribute: cli.currency_attribute(),
        namespace,
        local: cli.local,
        local_port: cli.local.then_some(cli.local_port),
        // Two sends of a write whose outcome is unclear, and a little more.
        write_wait: Duration::from_secs(cli.call_timeout) * 2 + Duration::from_secs(2),
        warnings,
        watch_stream: true,
        max_wallets: Some(cli.max_wallets()),
        ..AppConfig::new(cli.table.clone(), label)
    };
    let app = App::new(config, Instant::now());

    let (local_tx, local_rx) = mpsc::unbounded_channel();
    let shutdown = CancellationToken::new();
    let supervisor = if cli.local {
        let options = local_options(&cli)?;
        Some(tokio::spawn(local::supervise_local(options, local_tx, shutdown.clone())))
    } else {
        None
    };

    let mut terminal = init_terminal()?;
    let result = event_loop(&mut terminal, app, worker, local_rx).await;
    restore_terminal();
    shutdown.cancel();
    if let Some(supervisor) = supervisor {
        let _ = tokio::time::timeout(Duration::from_secs(10), supervisor).await;
    }
    result
}

/// The journal of writes: `--journal` or the user's data dir; with the notice if it was
/// readable by other users and has been made private.
fn open_journal(cli: &Cli) -> Result<(Option<Journal>, Option<String>)> {
    let Some(path) = cli.journal.clone().or_else(journal::default_path) else {
        return Ok((None, None));
    };
    // Journal::open tightens it too, silently but for the log: say it here for the screen.
    let notice = private::tighten_or_warn(&path, "journal");
    let journal =
        Journal::open(&path).wrap_err_with(|| format!("opening journal {}", path.display()))?;
    Ok((Some(journal), notice))
}

fn local_options(cli: &Cli) -> Result<DynamoDbLocalOptions> {
    let storage = if cli.local_in_memory {
        Storage::InMemory
    } else {
        let dir = cli.local_data_dir.clone().or_else(local::default_data_dir);
        let Some(dir) = dir else {
            bail!("no data dir for DynamoDB Local: pass --local-data-dir or --local-in-memory");
        };
        Storage::Dir(dir)
    };
    Ok(DynamoDbLocalOptions {
        port: cli.local_port,
        storage,
        max_heap_mb: LOCAL_MAX_HEAP_MB,
        delay_transient_statuses: false,
    })
}

/// The write mode of a command run without the TUI (`seed`, `import`): the account is looked
/// up first when the config protects accounts.
async fn command_mode(guard: &Guard, identity: &IdentitySource) -> WriteMode {
    let account = match guard.needs_account() {
        true => worker::identify(identity).await.account,
        false => Account::Pending,
    };
    guard.mode(&account)
}

/// `wallet-tui seed`: writes demo wallets, with DynamoDB Local started (and
/// stopped again) if `--local` and nothing answers on its port; something that answers but is
/// not DynamoDB is refused.
async fn run_seed(
    cli: &Cli,
    client: &aws_sdk_dynamodb::Client,
    users: u64,
    concurrency: usize,
) -> Result<()> {
    let server = command_server(cli).await?;
    let progress = |p: seed::SeedProgress| {
        const BAR: u64 = 30;
        let filled = (p.written * BAR).checked_div(p.total).unwrap_or(BAR).min(BAR) as usize;
        let bar = format!("{}{}", "█".repeat(filled), "░".repeat(BAR as usize - filled));
        eprint!("\rseeding {} {bar} {} / {} wallets", cli.table, p.written, p.total);
    };
    let report = seed::seed(client, &cli.table, users, concurrency, &progress).await;
    eprintln!();
    if let Some(server) = server {
        server.stop().await;
    }
    let report = report?;
    let secs = report.elapsed.as_secs_f64();
    eprintln!(
        "wrote {} wallets in {secs:.1} s ({:.0}/s), {} BatchWriteItem calls, {} items retried",
        report.written,
        report.written as f64 / secs.max(f64::EPSILON),
        report.batches,
        report.retried_items
    );
    Ok(())
}

/// With `--local`, the DynamoDB Local a command (seed, import, stats) talks to, its notes
/// said on stderr; `Some` if this run started it (the command stops it at its end).
async fn command_server(cli: &Cli) -> Result<Option<local::LocalServer>> {
    if !cli.local {
        return Ok(None);
    }
    let progress = |line: String| eprintln!("{line}");
    let provided = local::provide_dynamodb_local(&local_options(cli)?, &progress).await?;
    provided.notes.iter().for_each(|note| eprintln!("{note}"));
    Ok(provided.server)
}

/// `wallet-tui stats`: the whole-table figures (see [`worker::figures::table_figures`]),
/// progress on stderr, the result on stdout (JSON with `--json`, exact numbers as text).
async fn run_stats(cli: &Cli, client: &aws_sdk_dynamodb::Client, json: bool) -> Result<()> {
    let server = command_server(cli).await?;
    let progress = |p: &worker::figures::FiguresProgress| {
        let of = match p.expected.filter(|n| *n > 0) {
            Some(n) => format!(" of about {n} ({:.1} %)", p.scanned as f64 / n as f64 * 100.0),
            None => String::new(),
        };
        eprint!(
            "\rstats {}: {} items read{of} · {:.1} RCU · {}/{} segments done   ",
            cli.table, p.scanned, p.rcu, p.segments_done, p.segments
        );
    };
    let attribute = cli.currency_attribute();
    let result = worker::figures::table_figures(
        client,
        &cli.table,
        cli.scan_spec(),
        cli.scan_budget(),
        &attribute,
        progress,
    )
    .await;
    eprintln!();
    if let Some(server) = server {
        server.stop().await;
    }
    let (figures, progress) = result.map_err(|why| eyre!("stats {}: {why}", cli.table))?;
    eprintln!(
        "read {} items in {:.1} s, {:.1} RCU",
        progress.scanned,
        progress.elapsed.as_secs_f64(),
        progress.rcu
    );
    if json {
        let mut value = figures.to_json();
        value["table"] = cli.table.clone().into();
        value["currency_attribute"] = attribute.into();
        value["items_read"] = progress.scanned.to_string().into();
        value["consumed_rcu"] = format!("{:.1}", progress.rcu).into();
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        println!("table {} · by {attribute}", cli.table);
        figures.report(wallet_tui::aggregate::TOP_N).iter().for_each(|line| println!("{line}"));
    }
    Ok(())
}

/// `wallet-tui import FILE`: see [`wallet_tui::import::run`]. Exits 1 if the file has bad
/// rows (nothing written) or some wallets were conflicts or failed.
async fn run_import(
    cli: &Cli,
    client: aws_sdk_dynamodb::Client,
    journal: Option<Journal>,
    label: String,
    destination: String,
) -> Result<()> {
    let Some(Command::Import {
        file,
        dry_run,
        overwrite,
        skip_bad,
        max_write_percent,
        max_write_wcu,
        concurrency,
    }) = cli.command.clone()
    else {
        bail!("not an import");
    };
    let args = import::run::Args {
        file,
        dry_run,
        overwrite,
        skip_bad,
        max_write_percent,
        max_write_wcu,
        concurrency: concurrency as usize,
        destination: Some(destination),
    };
    let server = command_server(cli).await?;
    let importer = worker::import::Importer::new(client, &cli.table, journal, label);
    let mut out = std::io::stdout();
    // On a terminal the diff's summary is a confirmation; a script's import just runs.
    let ask = |question: &str| {
        eprint!("{question}");
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer).is_ok()
            && matches!(answer.trim(), "y" | "Y" | "yes")
    };
    let interactive = std::io::IsTerminal::is_terminal(&std::io::stdin());
    let ask: Option<import::run::Ask> = interactive.then_some(&ask);
    let result = import::run::run(&importer, &args, &mut out, ask).await;
    if let Some(server) = server {
        server.stop().await;
    }
    match result {
        Ok(import::run::Outcome::Written(report))
            if !report.conflicts.is_empty() || !report.failed.is_empty() =>
        {
            std::process::exit(1)
        }
        Ok(_) => Ok(()),
        Err(why) => {
            eprintln!("wallet-tui: {why}");
            std::process::exit(1)
        }
    }
}

/// The loop: every input becomes a message for `App`; its requests go to the
/// worker; the screen is redrawn at once after the user's input, otherwise at most once a
/// frame ([`ui::frames`]). Nothing here awaits the network.
async fn event_loop(
    terminal: &mut DefaultTerminal,
    mut app: App,
    mut worker: WorkerHandle,
    mut local_events: mpsc::UnboundedReceiver<LocalEvent>,
) -> Result<()> {
    let mut terminal_events = EventStream::new();
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    // SIGINT and SIGQUIT too: in raw mode Ctrl-C and Ctrl-\\ are keys, so these come from
    // `kill` or a supervisor, and are asked to stop cleanly like SIGTERM.
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sigint = signal(SignalKind::interrupt())?;
    let mut sigquit = signal(SignalKind::quit())?;
    let mut sighup = signal(SignalKind::hangup())?;
    // The last clipboard copy sent to the terminal (see `App::clipboard`).
    let mut copied = 0;
    // Not only the size: against a ready endpoint this first update already asks for the
    // table (and the account), and those requests must be sent, not dropped.
    let first = app.update(Instant::now(), Msg::Resized(ui::viewport(terminal.get_frame().area())));
    for job in first {
        if worker.requests.send(job).is_err() {
            bail!("the worker stopped unexpectedly");
        }
    }
    terminal.draw(|frame| ui::render(&app, frame))?;
    let mut frames = ui::frames::Frames::new();
    frames.drawn(Instant::now());
    loop {
        let due = frames.due();
        let frame_due =
            tokio::time::sleep_until(due.map_or_else(tokio::time::Instant::now, Into::into));
        let msg = tokio::select! {
            event = terminal_events.next() => match event {
                Some(Ok(Event::Resize(width, height))) => {
                    Msg::Resized(ui::viewport(ratatui::layout::Rect::new(0, 0, width, height)))
                }
                Some(Ok(event)) => Msg::Term(event),
                Some(Err(err)) => return Err(err).wrap_err("reading terminal events"),
                None => break,
            },
            Some(response) = worker.responses.recv() => Msg::Worker(response),
            Ok(()) = worker.stats.changed() => {
                Msg::CallStats(*worker.stats.borrow_and_update())
            }
            Some(event) = local_events.recv() => Msg::Local(event),
            _ = tick.tick() => Msg::Tick,
            _ = sigterm.recv() => Msg::Shutdown,
            _ = sigint.recv() => Msg::Shutdown,
            _ = sigquit.recv() => Msg::Shutdown,
            _ = sighup.recv() => break,
            // The pending frame: nothing to tell the app, only to draw.
            () = frame_due, if due.is_some() => {
                terminal.draw(|frame| ui::render(&app, frame))?;
                frames.drawn(Instant::now());
                continue;
            }
        };
        let input = matches!(msg, Msg::Term(_) | Msg::Resized(_));
        let mut requests = app.update(Instant::now(), msg);
        // Pages arrive in bursts: take what is already here before drawing,
        // so a fast scan costs one frame per burst rather than one per page.
        for _ in 0..MAX_BATCH {
            let Ok(response) = worker.responses.try_recv() else { break };
            requests.extend(app.update(Instant::now(), Msg::Worker(response)));
        }
        for job in requests {
            if worker.requests.send(job).is_err() {
                bail!("the worker stopped unexpectedly");
            }
        }
        if app.should_quit() {
            break;
        }
        copied = send_clipboard(terminal, &app, copied)?;
        if frames.changed(Instant::now(), input) {
            terminal.draw(|frame| ui::render(&app, frame))?;
            frames.drawn(Instant::now());
        }
    }
    worker.shutdown();
    Ok(())
}

/// Writes the app's latest clipboard copy, if not sent yet, as an OSC 52 sequence through the
/// terminal backend (between frames, so it never lands inside one); returns its number.
fn send_clipboard(terminal: &mut DefaultTerminal, app: &App, sent: u64) -> Result<u64> {
    use std::io::Write;
    let Some(copy) = app.clipboard().filter(|c| c.seq != sent) else { return Ok(sent) };
    let backend = terminal.backend_mut();
    backend.write_all(wallet_tui::app::osc52(&copy.text).as_bytes())?;
    backend.flush()?;
    Ok(copy.seq)
}

/// Raw mode, alternate screen, mouse capture and bracketed paste, each undone by
/// [`restore_terminal`] on every exit path, a panic of the main thread included. A step that
/// fails half-way (raw mode on, then a write refused) restores what was done before the error
/// is returned and printed.
///
/// A panic on any other thread (a worker job, a scan segment, a blocking export task) is a
/// bug in that job only: it is logged with its backtrace, the job's request is answered
/// with an error (see `worker`), and the screen stays as it is. Printing the report or
/// restoring the terminal there would leave the app drawing in a cooked terminal.
fn init_terminal() -> Result<DefaultTerminal> {
    let set_up = ratatui::try_init().and_then(|terminal| {
        crossterm::execute!(std::io::stdout(), EnableMouseCapture, EnableBracketedPaste)?;
        Ok(terminal)
    });
    // ratatui's hook: restore the terminal, then the report hook installed before it.
    let restore_and_report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().name() == Some("main") {
            let _ =
                crossterm::execute!(std::io::stdout(), DisableMouseCapture, DisableBracketedPaste);
            restore_and_report(info);
        } else {
            let backtrace = std::backtrace::Backtrace::force_capture();
            tracing::error!(%info, %backtrace, "a background task panicked");
        }
    }));
    set_up.inspect_err(|_| restore_terminal()).wrap_err("setting up the terminal")
}

fn restore_terminal() {
    let _ = crossterm::execute!(std::io::stdout(), DisableMouseCapture, DisableBracketedPaste);
    ratatui::restore();
}

/// Logs go to a file, never to the terminal the UI draws on. The file is owner-only (it names
/// tables and user ids); the notice says if an existing one was readable by others.
fn init_logging(
    path: Option<PathBuf>,
) -> Result<(tracing_appender::non_blocking::WorkerGuard, Option<String>)> {
    let path = match path {
        Some(path) => path,
        None => {
            default_log_path().ok_or_else(|| eyre!("no state dir for the log: pass --log-file"))?
        }
    };
    private::create_parent(&path)
        .wrap_err_with(|| format!("creating the directory of {}", path.display()))?;
    let file = private::open_options()
        .create(true)
        .append(true)
        .open(&path)
        .wrap_err_with(|| format!("opening log file {}", path.display()))?;
    let notice = private::tighten_or_warn(&path, "log");
    let (writer, guard) = tracing_appender::non_blocking(file);
    let filter =
        EnvFilter::try_from_env("WALLET_TUI_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(writer)
        .with_ansi(false)
        .with_filter(filter)
        .with_filter(sdk_cap());
    tracing_subscriber::registry().with(layer).init();
    Ok((guard, notice))
}

/// The SDK and its HTTP stack log at most at DEBUG, whatever `WALLET_TUI_LOG` asks: at TRACE
/// they dump resolved identities and signing parameters (access key ids, session-token
/// settings) and whole requests. Credentials never reach the log file.
fn sdk_cap() -> Targets {
    const SDK: [&str; 11] = [
        "aws_config",
        "aws_credential_types",
        "aws_runtime",
        "aws_sdk_dynamodb",
        "aws_sdk_sts",
        "aws_sigv4",
        "aws_smithy",
        "aws_types",
        "h2",
        "hyper",
        "rustls",
    ];
    SDK.iter().fold(Targets::new().with_default(LevelFilter::TRACE), |targets, crate_name| {
        targets.with_target(*crate_name, LevelFilter::DEBUG)
    })
}

fn default_log_path() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "wallet-tui")?;
    let dir = dirs.state_dir().unwrap_or_else(|| dirs.data_local_dir());
    Some(dir.join("wallet-tui.log"))
}
