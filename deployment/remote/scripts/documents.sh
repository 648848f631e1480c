# Every JSON file of a folder. $1: the folder; $2: the marker. Each file follows a line
# "MARKER FILENAME"; nothing (exit 0) when the folder is missing or empty.
for file in "$1"/*.json; do
  [ -f "$file" ] || continue
  printf '\n%s %s\n' "$2" "${file##*/}"
  cat -- "$file"
done
exit 0
