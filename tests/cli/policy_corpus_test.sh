#!/usr/bin/env bash
# The policy corpus (tests/policy_corpus): `raven check` on every message must
# print the first line its MANIFEST expects, exit 0, explain itself, and never
# run the config's password_command. Every .eml must be listed, and there
# must be at least 50.
# Usage: policy_corpus_test.sh PATH-TO-raven SOURCE-DIR
set -u
raven=$1
corpus=$2/tests/policy_corpus
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export RAVEN_CORPUS_PROBE="$tmp/password-command-ran"
passed=0 failed=0
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }

listed=0
while IFS=$'\t' read -r file expected note; do
  case $file in ''|'#'*) continue ;; esac
  listed=$((listed + 1))
  if [ ! -f "$corpus/$file" ]; then fail "$file: listed in MANIFEST but missing"; continue; fi
  "$raven" check -c "$corpus/raven.yaml" "$corpus/$file" >"$tmp/out" 2>"$tmp/err"; rc=$?
  first=$(head -n 1 "$tmp/out")
  if [ $rc -ne 0 ]; then
    fail "$file: exit $rc ($(head -c 300 "$tmp/err"))"
  elif [ "$first" != "$expected" ]; then
    fail "$file ($note): got \"$first\", want \"$expected\""
    sed 's/^/    /' "$tmp/out"
  elif ! grep -q '^rule: ' "$tmp/out" || ! grep -q '^authentication: ' "$tmp/out" ||
       ! grep -qx 'budgets: not checked (they depend on the journal)' "$tmp/out" ||
       [ "$(sed -n 2p "$tmp/out")" = "" ]; then
    fail "$file: the verdict is not explained"
    sed 's/^/    /' "$tmp/out"
  else
    passed=$((passed + 1))
  fi
done <"$corpus/MANIFEST"

for path in "$corpus"/*.eml; do
  name=$(basename "$path")
  grep -q "^$name	" "$corpus/MANIFEST" || fail "$name: not in MANIFEST"
done
[ "$listed" -ge 50 ] || fail "only $listed messages in the corpus (at least 50)"
[ ! -e "$RAVEN_CORPUS_PROBE" ] || fail "raven check ran the password_command"

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
