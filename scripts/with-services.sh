#!/usr/bin/env bash
# with-services.sh CMD...: start the services lakectl's tests need on
# 127.0.0.1 — MinIO (S3), PostgreSQL and MariaDB — run CMD with their
# addresses in the environment, then stop them by PID and remove their
# data, whatever CMD did.
#
# MinIO is built from source with `go install` the first time (a few
# minutes) and reused from the Go bin folder afterwards. PostgreSQL and
# MariaDB come from Debian's packages, installed when missing, as does
# Chromium, which the browser tests drive headless.
set -euo pipefail

MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
gobin=$(go env GOBIN)
[ -n "$gobin" ] || gobin="$(go env GOPATH)/bin"
minio="$gobin/minio"
if [ ! -x "$minio" ]; then
	echo "with-services: building MinIO $MINIO_VERSION (first run only, takes a few minutes)" >&2
	(cd / && GOFLAGS= CGO_ENABLED=0 go install "github.com/minio/minio@$MINIO_VERSION")
fi

# free_port picks a port nothing listens on, below the kernel's range of
# ephemeral ports (32768 and up by default), where an outgoing connection
# of another program could hold it as its local port.
free_port() {
	local p low
	low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
	for _ in $(seq 1 100); do
		p=$((20000 + RANDOM % (low > 21000 ? low - 20000 : 12000)))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
	echo "with-services: no free port found" >&2
	return 1
}

# PostgreSQL, MariaDB and Chromium from Debian's packages when they are missing.
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
missing=()
[ -n "$pgbin" ] && [ -x "$pgbin/initdb" ] || missing+=(postgresql)
command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || missing+=(mariadb-server)
# Headless Chromium for the dashboard's browser tests (internal/testenv/headless).
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
	echo "with-services: installing ${missing[*]} (Debian packages)" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >&2
	apt-get install -y -qq "${missing[@]}" >&2
	pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi
mariadbd=$(command -v mariadbd || echo /usr/sbin/mariadbd)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/lakectl-services.XXXXXX")
chmod 755 "$tmp"
pids=()
stop() {
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$tmp"
}
trap stop EXIT
trap 'exit 130' INT TERM

# wait_listening NAME PORT LOG: wait up to 20 s for the service last
# started (the last of pids) to listen on PORT; if it dies or does not,
# print its log and fail.
wait_listening() {
	local i
	for i in $(seq 1 200); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null; then
			return
		fi
		if [ "$i" = 200 ] || ! kill -0 "${pids[-1]}" 2>/dev/null; then
			echo "with-services: $1 did not start:" >&2
			cat "$3" >&2
			exit 3
		fi
		sleep 0.1
	done
}

port=$(free_port)
export MINIO_ROOT_USER=lakectl-test
export MINIO_ROOT_PASSWORD=lakectl-test-secret
MINIO_BROWSER=off MINIO_UPDATE=off "$minio" server --quiet --address "127.0.0.1:$port" "$tmp/minio" >"$tmp/minio.log" 2>&1 &
pids+=($!)
wait_listening MinIO "$port" "$tmp/minio.log"
echo "with-services: MinIO on 127.0.0.1:$port (pid ${pids[0]})" >&2

# PostgreSQL: a cluster of its own, run as the postgres user (initdb will not
# run as root), with password authentication over TCP.
pgport=$(free_port)
mkdir "$tmp/pg"
as_pg=()
if [ "$(id -u)" = 0 ]; then
	chown postgres: "$tmp/pg"
	as_pg=(setpriv --reuid=postgres --regid=postgres --init-groups)
fi
"${as_pg[@]}" "$pgbin/initdb" -D "$tmp/pg/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 >"$tmp/pg-init.log" 2>&1 ||
	{ cat "$tmp/pg-init.log" >&2; exit 3; }
"${as_pg[@]}" "$pgbin/postgres" -D "$tmp/pg/data" -p "$pgport" -k "$tmp/pg" -c listen_addresses=127.0.0.1 -c fsync=off \
	>"$tmp/pg.log" 2>&1 &
pids+=($!)
for i in $(seq 1 100); do
	"$pgbin/pg_isready" -q -h "$tmp/pg" -p "$pgport" && break
	if [ "$i" = 100 ]; then echo "with-services: PostgreSQL did not start:" >&2; cat "$tmp/pg.log" >&2; exit 3; fi
	sleep 0.1
done
"$pgbin/psql" -q -h "$tmp/pg" -p "$pgport" -U postgres -d postgres \
	-c "CREATE ROLE lakectl LOGIN PASSWORD 'lakectl-test-pw'" -c "CREATE DATABASE lake OWNER lakectl" >&2
echo "with-services: PostgreSQL on 127.0.0.1:$pgport (pid ${pids[-1]})" >&2

# MariaDB: a data folder of its own, a lakectl user with a password.
myport=$(free_port)
mariadb-install-db --no-defaults --datadir="$tmp/maria" --user="$(id -un)" --auth-root-authentication-method=normal \
	>"$tmp/maria-init.log" 2>&1 || { cat "$tmp/maria-init.log" >&2; exit 3; }
# mariadbd writes a few lines to stderr before it opens its log (a warning
# that it could not raise its open-files limit, on a machine whose hard
# limit is lower than it asks for, which the tests do not need): they go to
# a log of their own, shown only if it does not start.
"$mariadbd" --no-defaults --datadir="$tmp/maria" --port="$myport" --bind-address=127.0.0.1 --socket="$tmp/maria.sock" \
	--user="$(id -un)" --skip-name-resolve --open-files-limit=10000 --log-error="$tmp/maria.log" --pid-file="$tmp/maria.pid" \
	>"$tmp/maria-stderr.log" 2>&1 &
pids+=($!)
for i in $(seq 1 200); do
	mariadb-admin --no-defaults --socket="$tmp/maria.sock" -u root ping >/dev/null 2>&1 && break
	if [ "$i" = 200 ] || ! kill -0 "${pids[-1]}" 2>/dev/null; then
		echo "with-services: MariaDB did not start:" >&2
		cat "$tmp/maria-stderr.log" "$tmp/maria.log" >&2
		exit 3
	fi
	sleep 0.1
done
mariadb --no-defaults --socket="$tmp/maria.sock" -u root -e "CREATE DATABASE lake; CREATE USER 'lakectl'@'127.0.0.1' IDENTIFIED BY 'lakectl-test-pw'; GRANT ALL ON lake.* TO 'lakectl'@'127.0.0.1';"
echo "with-services: MariaDB on 127.0.0.1:$myport (pid ${pids[-1]})" >&2

# moto's server: AWS Glue (and SSM, Lake Formation) on 127.0.0.1. It comes
# with the machine's Python; it cannot be installed from here.
if python3 -c 'import moto.server, flask' 2>/dev/null; then
	motoport=$(free_port)
	python3 -m moto.server -H 127.0.0.1 -p "$motoport" >"$tmp/moto.log" 2>&1 &
	pids+=($!)
	wait_listening moto "$motoport" "$tmp/moto.log"
	echo "with-services: moto (AWS Glue) on 127.0.0.1:$motoport (pid ${pids[-1]})" >&2
	export LAKECTL_TEST_GLUE_ENDPOINT="http://127.0.0.1:$motoport"
elif [ "${CI:-}" = true ]; then
	echo "with-services: moto's server is missing (python3 -m moto.server, with Flask): the Glue tests need it" >&2
	exit 3
else
	echo "with-services: moto's server is missing (python3 -m moto.server): the Glue tests will skip" >&2
fi

export LAKECTL_TEST_POSTGRES_URL="postgres://lakectl:lakectl-test-pw@127.0.0.1:$pgport/lake"
export LAKECTL_TEST_MYSQL_URL="mysql://lakectl:lakectl-test-pw@tcp(127.0.0.1:$myport)/lake"
export LAKECTL_TEST_S3_ENDPOINT="http://127.0.0.1:$port"
export LAKECTL_TEST_S3_ACCESS_KEY="$MINIO_ROOT_USER"
export LAKECTL_TEST_S3_SECRET_KEY="$MINIO_ROOT_PASSWORD"
unset MINIO_ROOT_USER MINIO_ROOT_PASSWORD
# Never let a test reach for EC2 instance metadata.
export AWS_EC2_METADATA_DISABLED=true

"$@"
