//! One fixture for the tests that drive the app's worker through the fault-injecting proxy:
//! DynamoDB Local, one fresh wallet table filled with the wallets given, a raw client straight
//! to the server, and a worker built as the app builds it, talking to the proxy.

use aws_sdk_dynamodb::Client;
use wallet_tui::local::LocalServer;
use wallet_tui::table::BillingMode;
use wallet_tui::worker::{Timeouts, WorkerHandle, WorkerOptions};

use super::AppClient;
use super::proxy::Proxy;

pub struct ProxiedTable {
    pub server: LocalServer,
    /// Straight to the server: what is really stored.
    pub raw: Client,
    pub proxy: Proxy,
    pub worker: WorkerHandle,
    pub table: String,
    /// How the app labels the endpoint (the proxy's).
    pub endpoint_label: String,
}

impl ProxiedTable {
    /// Starts everything; the table (named `prefix` + a UUID) holds `wallets`, given as
    /// (user_id, balance) pairs. `options.endpoint` is set to the app's label.
    pub async fn start<I, S>(
        prefix: &str,
        wallets: I,
        timeouts: Timeouts,
        options: WorkerOptions,
    ) -> ProxiedTable
    where
        I: IntoIterator<Item = (S, S)>,
        S: AsRef<str>,
    {
        let server = super::dynamodb_local().await;
        let raw = super::sdk_client(&server.endpoint());
        let proxy = Proxy::start(&server.endpoint()).await;
        let client = AppClient::with_timeouts(proxy.endpoint(), timeouts).await;
        let endpoint_label = client.endpoint_label.clone();
        let worker =
            client.spawn_worker(WorkerOptions { endpoint: endpoint_label.clone(), ..options });
        let table = super::unique_table(prefix);
        super::create_wallet_table(&raw, &table, &BillingMode::OnDemand).await;
        super::put_wallets(&raw, &table, wallets).await;
        let mut worker = worker;
        super::open_session(&mut worker, &table).await;
        ProxiedTable { server, raw, proxy, worker, table, endpoint_label }
    }

    /// A stored balance's exact text (see [`super::stored_balance`]).
    pub async fn stored_balance(&self, user_id: &str) -> Option<String> {
        super::stored_balance(&self.raw, &self.table, user_id).await
    }

    /// Deletes the table and stops everything; a failure here fails the test.
    pub async fn finish(self) {
        super::delete_table(&self.raw, &self.table).await;
        self.worker.shutdown();
        drop(self.proxy);
        self.server.stop().await;
    }
}
