#!/bin/sh
# Ignores SIGTERM (and so does the sleep it runs): only SIGKILL ends it.
trap '' TERM
echo started
sleep 60
