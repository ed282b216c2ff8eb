# Sourced by the scripts that run a server in the background for the length of the script
# (scripts/demo.sh, bench/start-mock.sh, the bench scripts with a ground-truth server):
#
#   . scripts/background-server.sh
#   start_server LOG COMMAND [ARG…]          # sets server_pid; output goes to LOG
#   trap stop_server EXIT
#   url=$(await_listening LOG REGEX)         # the first match of REGEX in LOG, once it appears
#
# COMMAND is started itself with `&` (never through a shell function or a subshell), so
# `server_pid` is the server's own pid and `stop_server` stops exactly that process: SIGTERM,
# then SIGKILL if it is still there after 10 s, and it returns only once the process has exited.
# A server started through a function was a subshell's child: killing the subshell left the
# server running on its port after the script had ended.

server_pid=

start_server() {
  local log=$1
  shift
  "$@" >"$log" 2>&1 &
  server_pid=$!
}

# Wait up to 60 s for REGEX (grep -E) to appear in LOG and print its first match; fail, showing
# LOG, if the server exits or the time runs out first.
await_listening() {
  local log=$1 regex=$2 match
  for _ in $(seq 300); do
    if match=$(grep -oE -m1 "$regex" "$log" 2>/dev/null); then
      printf '%s\n' "$match"
      return 0
    fi
    if ! kill -0 "$server_pid" 2>/dev/null; then
      echo "error: the server exited before it was listening:" >&2
      cat "$log" >&2
      return 1
    fi
    sleep 0.2
  done
  echo "error: the server printed no line matching '$regex' in 60 s:" >&2
  cat "$log" >&2
  return 1
}

stop_server() {
  local pid=$server_pid
  [ -n "$pid" ] || return 0
  server_pid=
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
