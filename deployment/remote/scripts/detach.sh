# Start a command detached from this session: it goes on if the connection drops or the
# orchestrator is killed, and leaves its outcome on the host. $1: a new folder for its pid,
# stdout, stderr and exit status; $2: the command. await.sh waits for it.
mkdir -p "$1" || exit 125
# shellcheck disable=SC2016 # $1 and $2 are the inner shell's arguments
setsid sh -c '
  (eval "$2") >"$1/out" 2>"$1/err" </dev/null
  echo "$?" >"$1/status.tmp" && mv "$1/status.tmp" "$1/status"
' step "$1" "$2" </dev/null >/dev/null 2>&1 &
echo "$!" >"$1/pid"
