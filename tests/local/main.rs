//! The integration tests, as one test binary (`cargo test --test local`): the worker, the app
//! and the binary against real DynamoDB Local and dynalite servers, which the tests start
//! themselves (see [`support`]). One binary links the AWS SDK once, instead of once per topic.
//!
//! One module per topic:
//!
//! - [`worker`]: the worker's requests and answers, the app's SDK configuration path
//! - [`scan`]: the paged, parallel, cancellable scan; the app keeps its current scan's pages
//! - [`paced_scan`]: a scan paced to a read budget
//! - [`page`]: Scan and Query pages the app reads from the answer's body equal the SDK's items
//! - [`query`]: Query on the table and a GSI equals the SDK's own; paced; cancelled and stale pages
//! - [`bounded`]: a table bigger than the list (`--max-wallets`): whole-table figures,
//!   server-side filters and `stats --json`, compared with boto3's
//! - [`writes`]: conditional writes, conflicts, lost answers, read-only, the journal
//! - [`edit`]: the wallet forms typed into, bad input refused, journal and undo
//! - [`transfers`]: TransactWriteItems transfers, exact and applied once
//! - [`odd_items`]: balances that are not numbers and currencies, through the wallet forms
//! - [`usage`]: the capacity panel's numbers equal what the endpoint reported
//! - [`seed`]: the demo-data loader
//! - [`export`]: export to CSV and JSON Lines, read back, equals the table
//! - [`import`]: import from a file: validated, diffed, conditional, resumable, paced
//! - [`marks`]: marked wallets deleted (conflicts reported, never forced) and exported; the
//!   TUI's import
//! - [`odd_display`]: non-numeric balances and control / bidi characters shown visibly and
//!   exported with one exact balance column
//! - [`indexes`]: a GSI created and deleted from the app, watched CREATING (Backfilling) →
//!   ACTIVE and DELETING → gone on DynamoDB Local with `-delayTransientStatuses`; read-only
//!   refuses
//! - [`tables`]: the table picker: list, schema marks, switching
//! - [`targets`]: the title names the endpoint however chosen; protected profiles are guarded
//! - [`non_wallet`]: tables keyed otherwise (`id` N, `user_id` B, `user_id` + `ts`): named,
//!   never listed, never written
//! - [`status_watch`]: CREATING / DELETING against dynalite, as the screen shows them
//! - [`stream`]: other writers seen live through the table's DynamoDB Stream
//! - [`faults`]: endpoint down, cut mid-scan and resume, timeouts, lost write answers
//! - [`idempotent`]: writes that cannot apply twice or vanish (tokens, the write-ahead journal)
//! - [`servers`]: DynamoDB Local and dynalite start, answer and stop
//! - [`logs`]: no credentials in a trace-level log of the binary
//! - [`e2e_pty`]: the binary in a real pseudo-terminal: a session (and its files' modes),
//!   SIGTERM / SIGINT / SIGQUIT / SIGKILL, a terminal set-up refused half-way
//! - [`attach`]: `--local` attaches only to DynamoDB, and knows its own servers (pidfile)
//! - [`verified_install`]: a tampered DynamoDB Local install is refused, nothing started
//!
//! Run one topic, or one test, by name filter:
//!
//! ```sh
//! cargo test --test local writes::
//! cargo test --test local scan::cancelled_scan_stops_sending_pages -- --nocapture
//! ```
//!
//! All topics share one process: no test may change process-wide state (environment
//! variables, the current directory, a panic hook, a global tracing subscriber, signal
//! handlers). The binary under test is run as a child process with its own environment
//! (see [`logs`], [`e2e_pty`]).

mod support;

mod attach;
mod bounded;
mod e2e_pty;
mod edit;
mod export;
mod faults;
mod idempotent;
mod import;
mod indexes;
mod logs;
mod marks;
mod non_wallet;
mod odd_display;
mod odd_items;
mod paced_scan;
mod page;
mod query;
mod scan;
mod seed;
mod servers;
mod status_watch;
mod stream;
mod tables;
mod targets;
mod transfers;
mod usage;
mod verified_install;
mod worker;
mod writes;
