#!/bin/sh
# Starts a background grandchild in the same process group, prints its pid,
# and waits: a timeout must kill both.
sleep 60 &
echo "$!"
wait
