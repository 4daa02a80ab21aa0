#!/usr/bin/env bash
# The `raven` command as an operator meets it: exit codes, every config problem
# listed with its line, a prompt, clean exit on SIGTERM, `raven status` and
# `raven check`.
# Usage: cli_test.sh PATH-TO-raven SOURCE-DIR
set -u
raven=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
check() {  # name, condition...
  local name=$1; shift
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $name"; fi
}

"$raven" version >"$tmp/out" 2>&1; rc=$?
check "version exits 0" [ $rc -eq 0 ]
check "version prints it" grep -q '^raven [0-9]' "$tmp/out"

RAVEN_IMAP_PASSWORD=x RAVEN_SMTP_PASSWORD=y OPENAI_API_KEY=z \
  "$raven" check-config -c "$src/examples/raven.yaml" >"$tmp/out" 2>&1; rc=$?
check "example config is valid" [ $rc -eq 0 ]
check "summary names the server" grep -q 'mail.example.com' "$tmp/out"

cat >"$tmp/bad.yaml" <<'YAML'
imap:
  hots: mail.example.com
  port: 99999
  username: u
  password: ${RAVEN_TEST_UNSET_VARIABLE}
intake:
  mode: poll
filter:
  senders: ["a@example.com\r\nA1 LOGOUT"]
YAML
"$raven" check-config -c "$tmp/bad.yaml" >"$tmp/out" 2>&1; rc=$?
check "bad config exits 2" [ $rc -eq 2 ]
check "unknown key with its line" grep -q 'imap.hots: unknown key (line 2); did you mean "host"?' "$tmp/out"
check "port range with its line" grep -q 'imap.port: must be 1-65535 (line 3)' "$tmp/out"
check "unset variable named" grep -q 'RAVEN_TEST_UNSET_VARIABLE is not set (line 5)' "$tmp/out"
check "poll needs an interval" grep -q 'intake.poll_interval: is required in poll mode' "$tmp/out"
check "CR/LF in a filter value" grep -q 'filter.senders\[0\]: must not contain CR, LF or NUL (line 9)' "$tmp/out"

"$raven" check-config -c "$tmp/missing.yaml" >"$tmp/out" 2>&1; rc=$?
check "missing file exits 2" [ $rc -eq 2 ]

"$raven" frobnicate >"$tmp/out" 2>&1; rc=$?
check "unknown subcommand exits 2" [ $rc -eq 2 ]

cat >"$tmp/watch.yaml" <<'YAML'
imap:
  host: 127.0.0.1
  port: 1
  tls: none
  username: u
  password: p
  connect_timeout: 1s
YAML
"$raven" run -c "$tmp/watch.yaml" >"$tmp/out" 2>&1; rc=$?
check "run without answer/llm exits 2" [ $rc -eq 2 ]
check "run says what is missing" grep -q 'raven run needs the answer and llm sections' "$tmp/out"

# Nothing listens on port 1: watch keeps retrying with backoff until SIGTERM.
"$raven" watch -c "$tmp/watch.yaml" >"$tmp/out" 2>&1 &
pid=$!
sleep 1.5
# SIGPIPE (13) is ignored from the start: a peer closing a socket mid-write
# must be an error return, never a silent death.
sigign=$(awk '/^SigIgn:/ {print $2}' /proc/$pid/status)
check "SIGPIPE is ignored" [ $(( (0x$sigign >> 12) & 1 )) -eq 1 ]
kill -TERM $pid
for _ in $(seq 50); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
if kill -0 $pid 2>/dev/null; then kill -KILL $pid; fi
wait $pid; rc=$?
check "SIGTERM ends watch with 0" [ $rc -eq 0 ]
check "a dead server is one clear line" grep -q 'msg="imap failed".*kind=transient next="reconnecting in' "$tmp/out"
check "stopped cleanly" grep -q 'msg="intake stopped"' "$tmp/out"

# raven status reads the journal only: no server, no secret.
mkdir -p "$tmp/status"
cat >"$tmp/status.yaml" <<YAML
imap:
  host: 127.0.0.1
  port: 1
  tls: none
  username: u
  password_command: "touch $tmp/status/password-command-ran; echo p"
state:
  path: $tmp/status/state/journal.db
YAML
"$raven" status -c "$tmp/status.yaml" >"$tmp/out" 2>&1; rc=$?
check "status without a journal exits 0" [ $rc -eq 0 ]
check "status says there is no journal yet" \
  grep -qx "no journal at $tmp/status/state/journal.db yet: Raven has not handled any message" "$tmp/out"
check "status does not create the journal" [ ! -e "$tmp/status/state" ]
check "status does not run password_command" [ ! -e "$tmp/status/password-command-ran" ]
"$raven" status -c "$tmp/status.yaml" --json >"$tmp/out" 2>&1; rc=$?
check "status --json without a journal exits 0" [ $rc -eq 0 ]
check "status --json says it does not exist" grep -q '"exists": false' "$tmp/out"

mkdir -p "$tmp/status/state"
: >"$tmp/status/state/journal.db"  # SQLite takes an empty file for an empty database
"$raven" status -c "$tmp/status.yaml" >"$tmp/out" 2>&1; rc=$?
check "status on an empty journal exits 0" [ $rc -eq 0 ]
check "status counts every state" [ "$(grep -cE '^  (seen|answering|sending|sent|done|skipped|failed) +0$' "$tmp/out")" -eq 7 ]
check "status shows the total" grep -qE '^  total +0$' "$tmp/out"
check "status lists no retry" grep -qx 'Waiting for a retry: none' "$tmp/out"

echo "not a database, just some text that is long enough to have a header......" >"$tmp/status/state/journal.db"
"$raven" status -c "$tmp/status.yaml" >"$tmp/out" 2>"$tmp/err"; rc=$?
check "status on a corrupt journal exits 1" [ $rc -eq 1 ]
check "status says why on stderr" grep -q '^raven status: cannot read the journal: .*not a database' "$tmp/err"
check "status prints nothing on stdout then" [ ! -s "$tmp/out" ]

"$raven" status -c "$tmp/bad.yaml" >"$tmp/out" 2>&1; rc=$?
check "status on a bad config exits 2" [ $rc -eq 2 ]
check "status lists the config problems" grep -q 'imap.port: must be 1-65535 (line 3)' "$tmp/out"

# raven check: the policy on a file; no server, no secret (the corpus's config
# has a password_command that would create $RAVEN_CORPUS_PROBE).
corpus="$src/tests/policy_corpus"
export RAVEN_CORPUS_PROBE="$tmp/corpus-password-command-ran"
"$raven" check -c "$corpus/raven.yaml" "$corpus/ok-plain.eml" >"$tmp/out" 2>&1; rc=$?
check "check answers a good message with 0" [ $rc -eq 0 ]
check "check's first line is the verdict" [ "$(head -n 1 "$tmp/out")" = "answer" ]
check "check shows the authentication verdict" grep -q '^authentication: pass (example.org by dmarc=pass' "$tmp/out"
check "check says budgets are not checked" grep -qx 'budgets: not checked (they depend on the journal)' "$tmp/out"
"$raven" check -c "$corpus/raven.yaml" --envelope-from '' "$corpus/ok-plain.eml" >"$tmp/out" 2>&1; rc=$?
check "check skips with 0" [ $rc -eq 0 ]
check "--envelope-from '' is the null sender" [ "$(head -n 1 "$tmp/out")" = "skip: empty-envelope-sender" ]
"$raven" check -c "$corpus/raven.yaml" --envelope-from 'noreply@example.org' "$corpus/ok-plain.eml" >"$tmp/out" 2>&1
check "--envelope-from wins over Return-Path" [ "$(head -n 1 "$tmp/out")" = "skip: system-sender" ]
"$raven" check -c "$corpus/raven.yaml" "$tmp/missing.eml" >"$tmp/out" 2>"$tmp/err"; rc=$?
check "check on a missing file exits 1" [ $rc -eq 1 ]
check "check says why on stderr" grep -q "^raven check: cannot read $tmp/missing.eml: No such file or directory" "$tmp/err"
check "check prints nothing on stdout then" [ ! -s "$tmp/out" ]
"$raven" check -c "$tmp/bad.yaml" "$corpus/ok-plain.eml" >"$tmp/out" 2>&1; rc=$?
check "check on a bad config exits 2" [ $rc -eq 2 ]
"$raven" check -c "$corpus/raven.yaml" >"$tmp/out" 2>&1; rc=$?
check "check without a message exits 2" [ $rc -eq 2 ]
check "check runs no password_command" [ ! -e "$RAVEN_CORPUS_PROBE" ]

# Tools are checked before anything runs: a missing program and a
# placeholder that names no parameter are config problems (exit 2).
cat >"$tmp/tools.yaml" <<YAML
imap:
  host: mail.example.com
  username: u
  password: p
tools:
  - name: lookup_order
    description: Find an order.
    command: ["$tmp/no-such-program", "--id", "{order_idd}"]
    parameters:
      type: object
      properties:
        order_id: {type: string, pattern: "^[0-9]{1,10}\$"}
      required: [order_id]
YAML
"$raven" check-config -c "$tmp/tools.yaml" >"$tmp/out" 2>&1; rc=$?
check "bad tools exit 2" [ $rc -eq 2 ]
check "missing tool program named" grep -q "tools\[0\].command\[0\]: $tmp/no-such-program does not exist (line 8)" "$tmp/out"
check "unknown placeholder named" grep -q 'tools\[0\].command\[2\]: {order_idd} names no parameter (parameters: order_id) (line 8)' "$tmp/out"

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
