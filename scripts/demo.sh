#!/usr/bin/env bash
# demo.sh LAKECTL: lakectl's main job end to end on the embedded catalog, in
# a fresh LAKECTL_HOME under .tmp/demo (nothing outside it is touched):
# a customer export (JSON lines) is ingested into a small raw zone, beside
# orders (CSV in hive partitions, one gzipped; a stray marker file); the
# raw zone is crawled into the catalog, converted to partitioned Parquet
# with sensitive columns masked, profiled, checked and compared — each check
# and compare with its exit status, which is what a CI job acts on — and
# what was built is summed up at the end.
set -euo pipefail
lakectl=$(realpath "${1:-bin/lakectl}")
demo=$(pwd)/.tmp/demo
rm -rf "$demo"
export LAKECTL_HOME="$demo/home"
mkdir -p "$demo"
cd "$demo"

raw=lake/raw
mkdir -p "$raw/orders/year=2023" "$raw/orders/year=2024" exports/customers
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
cat >exports/customers/part-0.json <<'JSON'
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

# expect STATUS ARGS...: run lakectl ARGS and show its exit status, as a
# shell would; stop if it is not STATUS, since the story told would be false.
expect() {
	local want=$1 got=0
	shift
	run "$@" || got=$?
	printf '\n$ echo $?\n%s\n' "$got"
	if [ "$got" != "$want" ]; then
		echo "demo: lakectl $* exited $got, not $want" >&2
		exit 1
	fi
}

# note TEXT...: a comment of the story, one line each.
note() {
	printf '\n'
	printf '# %s\n' "$@"
}

run version
note "The shop's customer export arrives in exports/; ingest lands it in the raw zone, checked, in a" \
	"partition of the day, and keeps a record of the run."
run ingest exports/customers --to "$raw" --dataset customers
note 'Run again (as cron would): nothing is new, nothing is landed twice.'
run ingest exports/customers --to "$raw" --dataset customers
run ingest history customers --to "$raw"
note 'The orders are written into the raw zone by the shop itself, a folder per year.'
run storage ls "$raw"
run crawl "$raw" --database raw --table-threshold 10
run catalog tables raw
run catalog show raw.orders
run catalog partitions raw.orders
run catalog show raw.customers
run catalog describe raw.orders --column amount="total in EUR, VAT included"
note 'New data arrives; only new and changed folders are read again.'
mkdir -p "$raw/orders/year=2025"
printf 'order_id,customer_id,amount,ordered_at,paid,channel\n1005,2,42.00,2025-01-01T08:00:00Z,true,web\n' >"$raw/orders/year=2025/part-0.csv"
run crawl "$raw" --database raw --recrawl new-folders
run catalog versions raw.orders
note 'The curated zone: Parquet, orders partitioned by year, customer names masked.'
run convert raw.orders --to lake/curated/orders --register curated.orders --partition-by year
run convert raw.customers --to lake/curated/customers --register curated.customers --mask name
run catalog tables curated
run catalog show curated.orders
run storage ls lake/curated
note "Profile the curated table (Deequ's definitions, one pass)." \
	"Types here are Deequ's, as PyDeequ prints them (Integral, Fractional, Boolean, String; no date or time type); the catalog keeps Glue's (bigint, double, boolean, timestamp, string)."
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
note "Check rules (rules.yaml): an error-level check, and a warning-level one about the new channel column."
expect 0 validate check curated.orders --rules rules.yaml
note "Exit status 0: every error-level check passed, so a CI job goes on. The Failure row belongs to the" \
	"warning-level check: its constraint failed (only 1 order in 5 has a channel), so that check's status" \
	"is Warning and the report's too — reported, never failing the run."
sed 's/level: warning/level: error/' rules.yaml >rules-strict.yaml
note "The same rules with the channel check at level error (rules-strict.yaml): now the run fails."
expect 1 validate check curated.orders --rules rules-strict.yaml
note "Exit status 1: an error-level check failed; the report is printed all the same, and a CI job stops" \
	"here (-o junit gives JUnit XML for its test report). 2 would be a usage mistake, 3 a failure to run:" \
	"'lakectl help exit-codes'."

note "The migration check: the raw CSV orders against their Parquet copy, row by row by key."
expect 0 validate compare --source raw.orders --target curated.orders --key order_id
note "Exit status 0: source and target match, every column and every row. Any difference — a changed" \
	"value, a missing or extra row, a record that could not be read — gives 1, as diff(1) does."
note "The customers were converted with their names masked: compare finds every name changed."
expect 1 validate compare --source raw.customers --target curated.customers --key customer_id
note "Exit status 1, as it should be here: the proof that the masking happened. In CI, a step that" \
	"compares a migration fails on it."

note "The lake's metrics, as a daily cron job keeps them: a snapshot of every table and database (bytes," \
	"files, small files, times, counts) saved as Parquet by day; then a report and a dashboard."
run metrics collect --to metrics
run metrics report --from metrics --section largest --section small-files --min-small-files 1
run metrics dashboard --from metrics --out lake-metrics.html
note "lake-metrics.html is one self-contained page (no network needed): open it in a browser."

# What was built, as the catalog tells it: its tables, with the data files,
# rows and bytes it counts in each (one --query, a line of text per table).
printf '\n# What was built\n\n'
printf '%-19s %-8s %6s %6s %8s  %s\n' TABLE FORMAT FILES ROWS BYTES LOCATION
listing=$("$lakectl" catalog tables --query 'TableList[].join(`","`, [DatabaseName, Name,
	Parameters.classification, Parameters.objectCount, Parameters.recordCount, Parameters.sizeKey,
	StorageDescriptor.Location])' | sed -n 's/^ *"\(.*\)",\{0,1\}$/\1/p')
tables=0 files=0 rows=0 dbs=()
while IFS=, read -r db table format n r b location; do
	printf '%-19s %-8s %6s %6s %8s  %s\n' "$db.$table" "$format" "$n" "$r" "$b" "${location#file://"$demo"/}"
	tables=$((tables + 1)) files=$((files + n)) rows=$((rows + r))
	[[ " ${dbs[*]} " == *" $db "* ]] || dbs+=("$db")
done <<<"$listing"
printf -v names '%s, ' "${dbs[@]}"
printf '\n%d tables in %d databases (%s), %d data files, %d rows;\n' "$tables" "${#dbs[@]}" "${names%, }" "$files" "$rows"
printf 'the catalog is %s/catalog.db, the lake %s/lake.\n' "$LAKECTL_HOME" "$demo"
