#!/usr/bin/env bash
# demo.sh LAKECTL: lakectl's main job end to end on the embedded catalog,
# in a fresh LAKECTL_HOME under .tmp/demo (nothing outside it is touched).
set -euo pipefail
lakectl=$(realpath "${1:-bin/lakectl}")
demo=$(pwd)/.tmp/demo
rm -rf "$demo"
mkdir -p "$demo/lake/raw/orders/year=2024/region=eu"
export LAKECTL_HOME="$demo/home"
cd "$demo"

printf 'id,customer,amount,ordered_at\n1,ann,19.90,2024-03-01T10:00:00Z\n2,bob,5.00,2024-03-02T11:30:00Z\n' \
	>lake/raw/orders/year=2024/region=eu/part-0.csv

run() {
	printf '\n$ lakectl'
	printf ' %q' "$@"
	printf '\n'

	"$lakectl" "$@"
}

run version
run catalog create-database sales --description "orders and customers" --location lake/
run catalog create-table sales.orders \
	--column id:bigint --column customer:string --column 'amount:decimal(10,2)' --column ordered_at:timestamp \
	--partition-key year:int --partition-key region:string \
	--location lake/raw/orders/ --format csv --description "one row per order"
run catalog create-partition sales.orders 2024 eu
run catalog describe sales.orders --column amount="total in EUR, VAT included" --column customer="customer login"
run storage ls lake/raw/orders/
run catalog tables
run catalog show sales.orders
run catalog partitions sales.orders --filter "year>=2024"
run catalog versions sales.orders
run catalog show sales.orders --output json
printf '\nThe catalog is %s/catalog.db\n' "$LAKECTL_HOME"
