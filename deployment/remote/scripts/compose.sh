# Docker Compose for one release, run in its folder (a release, current, or a preview).
# $1: the compose file, relative to the folder; $2: the project; $3: the service whose image
# runs manage.py; $4: what to do, then its arguments:
#   compose ARGS...            docker compose ARGS
#   manage BACKUPS TTY TEXT ARGS...
#                              TEXT (the inventory's manage, as written) with ARGS in a
#                              one-off container of the service, without its dependencies,
#                              BACKUPS mounted at the same path; TTY: tty or notty
#   up SECONDS                 up without building; wait for the health checks, then every
#                              container of the project must be running and not unhealthy
#   image                      the service's image of this release, and its id
#   remove                     the service's image of this release removed (if it is there)
# The service's image is <project>-<service>:<release>, the release being the folder's name;
# RELEASE holds that name for the compose file's own use (other services' images).
file=$1 project=$2 service=$3 verb=$4
shift 4
release=$(basename "$(pwd -P)")
image="$project-$service:$release"
override=$(mktemp) || exit 125
trap 'rm -f "$override"' EXIT
printf 'services:\n  %s:\n    image: %s\n' "$service" "$image" >"$override"

compose() {
  RELEASE=$release docker compose --project-name "$project" --file "$file" \
    --file "$override" "$@"
}

case $verb in
  compose)
    compose "$@"
    ;;
  manage)
    backups=$1 tty=$2 text=$3
    shift 3
    set -- run --rm --no-deps --volume "$backups:$backups" "$service" \
      sh -c "exec $text \"\$@\"" manage "$@"
    if [ "$tty" != tty ]; then
      shift
      set -- run -T "$@"
    fi
    compose "$@"
    ;;
  up)
    compose up --detach --no-build --wait --wait-timeout "$1" || exit
    format='{{.Service}} {{.State}} {{.Health}}'
    bad=$(compose ps --all --format "$format" |
      awk '$2 != "running" || $3 == "unhealthy" || $3 == "starting"')
    if [ -n "$bad" ]; then
      printf 'not running and healthy: %s\n' "$bad" >&2
      exit 1
    fi
    ;;
  image)
    id=$(docker image inspect --format '{{.Id}}' "$image") || exit
    printf '%s %s\n' "$image" "$id"
    ;;
  remove)
    if docker image inspect "$image" >/dev/null 2>&1; then
      docker image rm "$image" >/dev/null
    fi
    ;;
  *)
    echo "compose.sh: unknown verb $verb" >&2
    exit 2
    ;;
esac
