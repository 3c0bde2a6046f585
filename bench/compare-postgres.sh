#!/usr/bin/env bash
# compare-postgres.sh ROWS: time `lakectl validate compare` of a PostgreSQL
# table of ROWS rows × 8 columns against its Parquet copy, by key — first
# identical, then with one changed row, which must be found. Run from the
# repository root inside the test services:
#
#   scripts/with-services.sh bench/compare-postgres.sh 10000000
set -euo pipefail
rows=${1:-1000000}
lakectl=$(realpath bin/lakectl)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export LAKECTL_HOME="$work/home"

"$lakectl" version >/dev/null
(cd bench && CGO_ENABLED=1 go run . gencsv "$work/bench_orders.csv" "$rows")
pg=${LAKECTL_TEST_POSTGRES_URL}
psql -q "$pg" -c "DROP TABLE IF EXISTS bench_orders" \
	-c "CREATE TABLE bench_orders (id bigint PRIMARY KEY, customer text, email text, amount numeric(12,2), quantity bigint, ordered_at timestamptz, day date, paid boolean)"
psql -q "$pg" -c "\\copy bench_orders FROM '$work/bench_orders.csv' WITH (FORMAT csv, HEADER true)"
# As a table in service would be: its first scan would otherwise write hint bits.
psql -q "$pg" -c "VACUUM ANALYZE bench_orders"
"$lakectl" convert "$work/bench_orders.csv" --to "$work/parquet" --quiet

echo "compare of $rows rows, identical (3 runs):"
for _ in 1 2; do
	/usr/bin/time -f "  %e s, peak RSS %M KiB" "$lakectl" validate compare --source "$pg?table=bench_orders" --target "$work/parquet" --key id --quiet >"$work/out1" || { cat "$work/out1"; exit 1; }
done
/usr/bin/time -f "  %e s, peak RSS %M KiB" "$lakectl" validate compare --source "$pg?table=bench_orders" --target "$work/parquet" --key id --quiet >"$work/out1" || { cat "$work/out1"; exit 1; }
grep 'By key' "$work/out1"

psql -q "$pg" -c "UPDATE bench_orders SET amount = amount + 0.01 WHERE id = $((rows / 2))"
echo "compare of $rows rows, one changed:"
status=0
/usr/bin/time -f "  %e s, peak RSS %M KiB" "$lakectl" validate compare --source "$pg?table=bench_orders" --target "$work/parquet" --key id --quiet >"$work/out2" || status=$?
grep -E 'By key|changed;' "$work/out2"
[ "$status" = 1 ] || { echo "want exit status 1, got $status"; exit 1; }
