# The HTTP health check, from the host itself. $1: the URL; $2: seconds to keep trying.
deadline=$(($(date +%s) + $2))
while :; do
  if command -v curl >/dev/null 2>&1; then
    curl -fsS -o /dev/null --max-time 5 "$1" && exit 0
  else
    python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=5)' \
      "$1" 2>/dev/null && exit 0
  fi
  [ "$(date +%s)" -ge "$deadline" ] && break
  sleep 1
done
echo "no healthy answer from $1 within $2 s" >&2
exit 1
