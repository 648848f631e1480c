# Wait for a command started by detach.sh, then print its stdout (and its stderr on
# stderr) and exit with its status. $1: its folder. Exit 124 when every process of it is
# gone without leaving a status (killed), 125 when there is no such step. Its pid leads a
# session of its own (setsid): "kill -0 -PID" asks whether any process of it is left
# ("kill -0 PID" too, for the instant before setsid made that session).
[ -d "$1" ] || exit 125
while [ ! -e "$1/status" ]; do
  pid=$(cat "$1/pid" 2>/dev/null)
  if [ -n "$pid" ] && ! { kill -0 "$pid" || kill -0 "-$pid"; } 2>/dev/null && [ ! -e "$1/status" ]; then
    cat "$1/err" >&2 2>/dev/null
    echo "the step's process $pid ended without an exit status (killed?)" >&2
    exit 124
  fi
  sleep 0.1
done
cat "$1/out"
cat "$1/err" >&2
exit "$(cat "$1/status")"
