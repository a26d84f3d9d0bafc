"""Whole-table figures of a wallet table, computed with boto3 alone (no wallet-tui code), for
tests/local/bounded.rs to compare wallet-tui's with.

argv: endpoint table currency_attribute [filter_expression names_json values_json]
(values in DynamoDB JSON). Prints one JSON object: per currency the count, wallets without
a numeric balance, exact total, min, max, the 100 largest and smallest (balance, user_id)
pairs ordered by (balance, user_id), the histogram as [sign, decade, count] by exact decade
(sign -1, 0 or 1; the decade of |b| is Decimal.adjusted(): 10^d <= |b| < 10^(d+1)); and,
with a filter, every matching user_id.
Numbers are exact decimal texts: the low-level client keeps DynamoDB's text, and the sums
use a 400-digit context (DynamoDB numbers span 1E-130 to 1E+126).
"""
import decimal
import json
import sys

import boto3

TOP_N = 100

endpoint, table, attribute = sys.argv[1:4]
client = boto3.client(
    "dynamodb",
    endpoint_url=endpoint,
    region_name="us-east-1",
    aws_access_key_id="wallettui",
    aws_secret_access_key="local",
)
request = {"TableName": table, "Limit": 1000}
if len(sys.argv) > 4:
    request["FilterExpression"] = sys.argv[4]
    request["ExpressionAttributeNames"] = json.loads(sys.argv[5])
    request["ExpressionAttributeValues"] = json.loads(sys.argv[6])

decimal.getcontext().prec = 400
groups = {}
ids = []
not_wallets = 0
while True:
    page = client.scan(**request)
    for item in page["Items"]:
        user_id = item.get("user_id", {}).get("S")
        if user_id is None:
            not_wallets += 1
            continue
        ids.append(user_id)
        currency = item.get(attribute)
        key = None if currency is None else currency.get("S", "non-string")
        group = groups.setdefault(key, {"count": 0, "without_balance": 0, "ranked": []})
        group["count"] += 1
        balance = item.get("balance", {}).get("N")
        if balance is None:
            group["without_balance"] += 1
            continue
        group["ranked"].append((decimal.Decimal(balance), user_id))
    if "LastEvaluatedKey" not in page:
        break
    request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

currencies = []
for key, group in groups.items():
    ranked = sorted(group["ranked"])
    total = sum((b for b, _ in ranked), decimal.Decimal(0))
    buckets = {}
    for b, _ in ranked:
        bucket = (0, 0) if b.is_zero() else ((-1 if b < 0 else 1), b.adjusted())
        buckets[bucket] = buckets.get(bucket, 0) + 1
    pairs = lambda rs: [[str(b), u] for b, u in rs]
    currencies.append({
        "currency": key,
        "count": group["count"],
        "without_balance": group["without_balance"],
        "total": str(total),
        "min": str(ranked[0][0]) if ranked else None,
        "max": str(ranked[-1][0]) if ranked else None,
        "largest": pairs(list(reversed(ranked))[:TOP_N]),
        "smallest": pairs(ranked[:TOP_N]),
        "histogram": [[sign, decade, n] for (sign, decade), n in sorted(buckets.items())],
    })
out = {"wallets": len(ids), "not_wallets": not_wallets, "currencies": currencies}
if len(sys.argv) > 4:
    out["ids"] = sorted(ids)
print(json.dumps(out))
