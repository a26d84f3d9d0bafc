//! What several benches share: counting a table's items with the raw SDK.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::Select;

/// The table's item count by a Select COUNT scan; `None` if a page fails.
pub async fn count_items(client: &Client, table: &str) -> Option<u64> {
    let mut start = None;
    let mut total = 0u64;
    loop {
        let out = client
            .scan()
            .table_name(table)
            .select(Select::Count)
            // Without a Limit, DynamoDB Local's page time grows with the rest of the table.
            .limit(10_000)
            .set_exclusive_start_key(start)
            .send()
            .await
            .ok()?;
        total += out.count().max(0) as u64;
        start = out.last_evaluated_key().filter(|k| !k.is_empty()).cloned();
        if start.is_none() {
            return Some(total);
        }
    }
}
