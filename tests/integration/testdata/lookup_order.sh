#!/bin/sh
# A tool for tests/integration/answer_test.cpp: "looks up" the order given as
# $1 and says who asked. It appends $1 to $TOOL_MARKER first, so a test can
# prove whether (and how often) Raven ran it.
set -eu
printf '%s\n' "$1" >>"$TOOL_MARKER"
echo "order $1: shipped (asked by $RAVEN_SENDER)"
