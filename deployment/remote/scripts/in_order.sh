# Run labelled commands in turn, each in a subshell, stopping at the first failure.
# $1: the marker; then pairs: label, command. A failure prints "MARKER LABEL" on stderr
# and exits with the failed command's status, so one round trip still names the step.
marker=$1
shift
while [ "$#" -ge 2 ]; do
  label=$1
  command=$2
  shift 2
  (eval "$command")
  status=$?
  if [ "$status" -ne 0 ]; then
    printf '\n%s %s\n' "$marker" "$label" >&2
    exit "$status"
  fi
done
