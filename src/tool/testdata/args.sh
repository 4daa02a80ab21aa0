#!/bin/sh
# Prints each argument on its own line between < and >, so that a test sees
# exactly how many argv elements arrived and what each holds.
for a in "$@"; do
  printf '<%s>\n' "$a"
done
