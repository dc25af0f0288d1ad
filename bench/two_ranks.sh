#!/usr/bin/env bash
# Runs a command as ranks 0 and 1 of a 2-process job on this machine (torchrun's variables,
# a free port), waits for both, and exits non-zero if either failed. Rank 1's output is dropped.
#   bench/two_ranks.sh COMMAND [ARG ...]
set -u
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
RANK=1 LOCAL_RANK=1 WORLD_SIZE=2 LOCAL_WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=$port "$@" >/dev/null &
one=$!
RANK=0 LOCAL_RANK=0 WORLD_SIZE=2 LOCAL_WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=$port "$@"
zero=$?
wait $one
rc=$?
[ $zero -eq 0 ] && [ $rc -eq 0 ]
