# Remove the oldest backups. $1: the backups folder; $2: how many to keep; $3: the id
# prefix of the backups counted ("" for all); $4: ids starting with this are not counted.
count=0
# shellcheck disable=SC2012 # ls -t is the portable way to sort by age; ids have no newline
ls -1t -- "$1"/"$3"*.json 2>/dev/null | while read -r manifest; do
  case ${manifest##*/} in "$4"*) continue ;; esac
  count=$((count + 1))
  [ "$count" -le "$2" ] && continue
  rm -f -- "$manifest" "${manifest%.json}.dump"
done
exit 0
