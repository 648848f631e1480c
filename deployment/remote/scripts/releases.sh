# The releases on this host. $1: deploy_to; $2: "commits" to add each release's commit.
# Lines: "current PATH" (when current points somewhere), then "release NAME [COMMIT or -]".
current=$(readlink "$1/current" 2>/dev/null) && printf 'current %s\n' "${current%/}"
for dir in "$1"/releases/*/; do
  [ -d "$dir" ] || continue
  dir=${dir%/}
  if [ "${2:-}" = commits ]; then
    commit=$(git -C "$dir" rev-parse HEAD 2>/dev/null || echo -)
    printf 'release %s %s\n' "${dir##*/}" "$commit"
  else
    printf 'release %s\n' "${dir##*/}"
  fi
done
exit 0
