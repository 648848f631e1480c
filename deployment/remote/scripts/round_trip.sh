# Answer many questions in one round trip. $1: the marker; then triples: name, speed
# (slow or quick), command. Each answer is printed between "MARKER begin NAME@@" and
# "MARKER end NAME STATUS@@" lines, stderr merged, stdin closed. The slow ones (a Django
# start-up) start first, in the background, and are printed after the quick ones.
marker=$1
shift

section() {
  printf '%s begin %s@@\n' "$marker" "$1"
  (eval "$2") </dev/null 2>&1
  printf '\n%s end %s %s@@\n' "$marker" "$1" "$?"
}

sections() {
  speed=$1
  shift
  while [ "$#" -ge 3 ]; do
    if [ "$2" = "$speed" ]; then
      section "$1" "$3"
    fi
    shift 3
  done
}

has_slow() {
  while [ "$#" -ge 3 ]; do
    [ "$2" = slow ] && return 0
    shift 3
  done
  return 1
}

if has_slow "$@"; then
  held=$(mktemp)
  sections slow "$@" >"$held" 2>&1 &
  slow=$!
fi
sections quick "$@"
if [ -n "${held:-}" ]; then
  wait "$slow"
  cat "$held"
  rm -f "$held"
fi
