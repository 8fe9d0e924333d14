#!/bin/sh
# Usage: limit_file_size.sh BLOCKS PROGRAM [ARGS...]
# Runs PROGRAM with files limited to BLOCKS blocks of 512 bytes and SIGXFSZ ignored, so that a
# write beyond the limit fails with EFBIG ("File too large"), the way a full disk makes it fail
# with ENOSPC, instead of killing the program.
blocks=$1
shift
trap '' XFSZ
ulimit -f "$blocks" || exit 99
exec "$@"
