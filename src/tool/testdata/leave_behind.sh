#!/bin/sh
# Exits at once, leaving a background process in its group that holds stdout
# open; Raven must not wait for it, and must kill it.
sleep 60 &
echo "$!"
exit 0
