# Sourced by the bench scripts: starts `serve-mock --latency-model none` on a free loopback
# port in the background and sets `out` (a scratch dir removed on exit), `mock` (its pid) and
# `url`. Fails if the server does not report that it is listening within 30 s.
out=$(mktemp -d)
trap 'kill $mock 2>/dev/null || true; rm -rf "$out"' EXIT
node dist/bin.js serve-mock --port 0 --latency-model none >"$out/mock.log" 2>&1 &
mock=$!
for _ in $(seq 150); do grep -q listening "$out/mock.log" && break; sleep 0.2; done
url=$(grep -o 'http://127.0.0.1:[0-9]*' "$out/mock.log") || { cat "$out/mock.log" >&2; exit 1; }
