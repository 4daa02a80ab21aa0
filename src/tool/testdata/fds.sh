#!/bin/sh
# Lists the fds open in a fresh process started from here (ls itself adds one
# for the directory it reads).
exec /bin/ls /proc/self/fd
