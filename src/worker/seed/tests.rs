//! Unit tests of `worker/seed/mod.rs`.

use super::*;

const TABLE: &str = "wallets";

/// A client that is never used to reach anything.
fn offline_client() -> Client {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
        .build();
    Client::from_conf(config)
}

#[test]
fn seeding_can_run_on_another_task() {
    fn assert_send<T: Send>(_: T) {}
    assert_send(seed(&offline_client(), TABLE, 1, 1, &|_| {}));
}

#[tokio::test]
async fn zero_concurrency_is_refused_before_any_call() {
    let client = offline_client();
    let err = seed(&client, TABLE, 10, 0, &|_| {}).await.expect_err("refused");
    assert!(err.to_string().contains("concurrency"), "{err}");
}
