#!/usr/bin/env bash
# with-services.sh CMD...: start the services lakectl's tests need on
# 127.0.0.1 (MinIO for S3), run CMD with their addresses in the environment,
# then stop them by PID and remove their data, whatever CMD did.
#
# MinIO is built from source with `go install` the first time (a few
# minutes) and reused from the Go bin folder afterwards.
set -euo pipefail

MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
gobin=$(go env GOBIN)
[ -n "$gobin" ] || gobin="$(go env GOPATH)/bin"
minio="$gobin/minio"
if [ ! -x "$minio" ]; then
	echo "with-services: building MinIO $MINIO_VERSION (first run only, takes a few minutes)" >&2
	(cd / && GOFLAGS= CGO_ENABLED=0 go install "github.com/minio/minio@$MINIO_VERSION")
fi

free_port() {
	local p
	for _ in $(seq 1 100); do
		p=$((20000 + RANDOM % 20000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
	echo "with-services: no free port found" >&2
	return 1
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/lakectl-services.XXXXXX")
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

port=$(free_port)
export MINIO_ROOT_USER=lakectl-test
export MINIO_ROOT_PASSWORD=lakectl-test-secret
MINIO_BROWSER=off MINIO_UPDATE=off "$minio" server --quiet --address "127.0.0.1:$port" "$tmp/minio" >"$tmp/minio.log" 2>&1 &
pids+=($!)
for i in $(seq 1 100); do
	if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
		break
	fi
	if [ "$i" = 100 ] || ! kill -0 "${pids[0]}" 2>/dev/null; then
		echo "with-services: MinIO did not start:" >&2
		cat "$tmp/minio.log" >&2
		exit 3
	fi
	sleep 0.1
done
echo "with-services: MinIO on 127.0.0.1:$port (pid ${pids[0]})" >&2

export LAKECTL_TEST_S3_ENDPOINT="http://127.0.0.1:$port"
export LAKECTL_TEST_S3_ACCESS_KEY="$MINIO_ROOT_USER"
export LAKECTL_TEST_S3_SECRET_KEY="$MINIO_ROOT_PASSWORD"
unset MINIO_ROOT_USER MINIO_ROOT_PASSWORD
# Never let a test reach for EC2 instance metadata.
export AWS_EC2_METADATA_DISABLED=true

"$@"
