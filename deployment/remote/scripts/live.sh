# The live release. $1: the current link. Two lines: the folder it points at, its commit;
# exit 3 when there is no current link.
release=$(readlink "$1") || exit 3
printf '%s\n' "$release"
git -C "$release" rev-parse HEAD
