# Sourced by the bench scripts: starts `serve-mock --latency-model none` on a free loopback
# port in the background and sets `out` (a scratch dir removed on exit), `mock` (its pid) and
# `url`. Fails if the server does not report that it is listening within 60 s. On exit the
# server is stopped, and waited for (scripts/background-server.sh).
. scripts/background-server.sh
out=$(mktemp -d)
trap 'stop_server; rm -rf "$out"' EXIT
start_server "$out/mock.log" node dist/bin.js serve-mock --port 0 --latency-model none
mock=$server_pid
url=$(await_listening "$out/mock.log" 'http://127\.0\.0\.1:[0-9]+')
