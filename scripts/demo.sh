#!/usr/bin/env bash
# demo.sh LAKECTL: lakectl's main job end to end on the embedded catalog, in
# a fresh LAKECTL_HOME under .tmp/demo (nothing outside it is touched):
# a small raw zone (CSV in hive partitions, one gzipped; JSON lines; a stray
# marker file) is crawled into the catalog, converted to partitioned Parquet
# with sensitive columns tokenised and masked, and the result is shown.
set -euo pipefail
lakectl=$(realpath "${1:-bin/lakectl}")
demo=$(pwd)/.tmp/demo
rm -rf "$demo"
export LAKECTL_HOME="$demo/home"
mkdir -p "$demo"
cd "$demo"

raw=lake/raw
mkdir -p "$raw/orders/year=2023" "$raw/orders/year=2024" "$raw/customers"
cat >"$raw/orders/year=2023/part-0.csv" <<'CSV'
order_id,customer_id,amount,ordered_at,paid
1001,1,19.90,2023-11-30T10:00:00Z,true
1002,2,5.00,2023-12-01T11:30:00Z,false
CSV
cat >"$raw/orders/year=2024/part-0.csv" <<'CSV'
order_id,customer_id,amount,ordered_at,paid
1003,1,7.25,2024-01-02T09:00:00Z,true
1004,3,120.00,2024-01-03T16:45:00Z,true
CSV
gzip "$raw/orders/year=2024/part-0.csv"
touch "$raw/orders/_SUCCESS"
cat >"$raw/customers/part-0.json" <<'JSON'
{"customer_id": 1, "name": "Ann Lee", "since": "2020-01-15", "address": {"city": "Paris", "zip": "75001"}}
{"customer_id": 2, "name": "Bob Ray", "since": "2021-06-30", "address": {"city": "Rome"}}
{"customer_id": 3, "name": "Cy Chu", "since": "2022-02-02", "address": {"city": "Oslo"}, "vip": true}
JSON

run() {
	printf '\n$ lakectl'
	printf ' %q' "$@"
	printf '\n'
	"$lakectl" "$@"
}

run version
run storage ls "$raw"
run crawl "$raw" --database raw --table-threshold 10
run catalog tables raw
run catalog show raw.orders
run catalog partitions raw.orders
run catalog show raw.customers
run catalog describe raw.orders --column amount="total in EUR, VAT included"
printf '\n# New data arrives; only new and changed folders are read again.\n'
mkdir -p "$raw/orders/year=2025"
printf 'order_id,customer_id,amount,ordered_at,paid,channel\n1005,2,42.00,2025-01-01T08:00:00Z,true,web\n' >"$raw/orders/year=2025/part-0.csv"
run crawl "$raw" --database raw --recrawl new-folders
run catalog versions raw.orders
printf '\n# The curated zone: Parquet, orders partitioned by year, customer names masked.\n'
run convert raw.orders --to lake/curated/orders --register curated.orders --partition-by year
run convert raw.customers --to lake/curated/customers --register curated.customers --mask name
run catalog tables curated
run catalog show curated.orders
run storage ls lake/curated
printf '\n# Profile the curated table (Deequ definitions, one pass).\n'
run validate profile curated.orders
cat >rules.yaml <<'YAML'
checks:
  - description: curated orders
    level: error
    constraints:
      - isPrimaryKey: [order_id]
      - isComplete: amount
      - isNonNegative: amount
      - isContainedIn: year
        values: ["2023", "2024", "2025"]
  - description: nice to have
    level: warning
    constraints:
      - hasCompleteness: channel
        assertion: ">= 0.9"
YAML
run validate check curated.orders --rules rules.yaml
printf '\n# The migration check: the raw CSV orders against their Parquet copy, by key.\n'
run validate compare --source raw.orders --target curated.orders --key order_id
printf '\nThe catalog is %s/catalog.db\n' "$LAKECTL_HOME"
