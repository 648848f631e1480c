# The detached steps still running. $1: the steps folder. One line per step whose
# processes are alive and that left no exit status yet: its folder.
for step in "$1"/*/; do
  [ -d "$step" ] || continue
  step=${step%/}
  [ -e "$step/status" ] && continue
  pid=$(cat "$step/pid" 2>/dev/null)
  if [ -n "$pid" ] && { kill -0 "$pid" || kill -0 "-$pid"; } 2>/dev/null; then
    printf '%s\n' "$step"
  fi
done
exit 0
