#!/usr/bin/env bash
# Schema checks for a Django project that uses schema_safety: the CI workflow's one step, and the
# same result on a developer's machine.
#
#   cd my_project   # where manage.py is
#   DATABASE_URL=postgres://postgres@localhost/ci_empty path/to/deployment/ci/schema-checks.sh
#
# Checks, in order: migration conflicts (several leaf nodes in an app), model changes without a
# migration, dangerous operations in new migrations (files absent from BASE_REF) that lack the
# line `# schema-safety: allow-dangerous`, verify_schema after migrating the empty database, and
# the critical relationships (SCHEMA_SAFETY["CRITICAL_RELATIONSHIPS"]).
#
# Environment:
#   DATABASE_URL  an EMPTY test database; the script migrates it (required)
#   MANAGE        how to run manage.py (default: python manage.py)
#   BASE_REF      git ref holding the already-reviewed migrations (default: origin/main); when git
#                 or the ref is unavailable, every migration of the project counts as new
#   PYTHON        the python that reads the JSON reports (default: python3; stdlib only)
# Exit: 0 every check passed, 1 a check failed, 2 usage or environment problem.
set -euo pipefail

MARKER="# schema-safety: allow-dangerous"
BASE_REF="${BASE_REF:-origin/main}"
PYTHON="${PYTHON:-python3}"
read -r -a MANAGE_CMD <<<"${MANAGE:-python manage.py}"

# Inside Django: conflicts, every migration with its file, how many are applied already.
INVENTORY_PY=$(
	cat <<'PY'
import os, sys
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
loader = MigrationLoader(None, ignore_no_migrations=True)
rows = [("conflict", app, ", ".join(sorted(names)))
        for app, names in sorted(loader.detect_conflicts().items())]
for (app, name), migration in sorted(loader.disk_migrations.items()):
    path = os.path.relpath(sys.modules[type(migration).__module__].__file__)
    rows.append(("migration", f"{app}.{name}", path))
recorder = MigrationRecorder(connection)
applied = len(recorder.applied_migrations()) if recorder.has_table() else 0
rows.append(("applied", str(applied), ""))
for row in rows:
    print("schema-checks", *row, sep="\t")
PY
)

# Inside Django: apply every migration that is not new (SCHEMA_CHECKS_NEW), nothing else.
BASE_PY=$(
	cat <<'PY'
import os
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
new = set(os.environ["SCHEMA_CHECKS_NEW"].split())
executor = MigrationExecutor(connection)
graph = executor.loader.graph
old = {key for key in graph.nodes if f"{key[0]}.{key[1]}" not in new}
leaves = [key for key in old if not any(
    child.key in old and child.key[0] == key[0] for child in graph.node_map[key].children)]
if leaves:
    executor.migrate(sorted(leaves))
PY
)

# Outside Django: the JSON documents of migration_plan and verify_schema, as tab-separated lines.
READ_PY=$(
	cat <<'PY'
import json, sys
doc = json.load(sys.stdin)
if sys.argv[1] == "dangerous":
    for item in doc.get("dangerous", []):
        print(item["migration"], item["operation"], "; ".join(item["reasons"]), sep="\t")
elif sys.argv[1] == "problems":
    for p in doc.get("problems", []):
        if p["kind"] != "critical_relationship":
            where = ".".join(part for part in (p["table"], p["column"]) if part)
            hint = f" (hint: {p['hint']})" if p.get("hint") else ""
            print(f"{p['severity']}: {where}: {p['message']}{hint}")
else:
    for outcome in doc.get("critical", []):
        state = "ok" if outcome["ok"] else "FAILED"
        print(state, outcome["relationship"], outcome["message"], sep="\t")
PY
)

heading() { printf '\n== %s\n' "$*"; }
passed() { printf 'ok: %s\n' "$*"; }

fail() { # fail CODE MESSAGE: one line saying what is wrong and how to fix it
	local code=$1
	shift
	if [[ "${GITHUB_ACTIONS:-}" == "true" ]]; then
		printf '::error title=schema checks::%s\n' "$*"
	fi
	printf 'FAIL: %s\n' "$*" >&2
	exit "$code"
}

show() { # show TEXT [PREFIX]: TEXT indented, each line after PREFIX
	[[ -n "$1" ]] || return 0
	local line
	while IFS= read -r line; do printf '    %s%s\n' "${2:-}" "$line"; done <<<"$1"
}

manage() { "${MANAGE_CMD[@]}" "$@"; }

preflight() {
	[[ -n "${DATABASE_URL:-}" ]] ||
		fail 2 "DATABASE_URL is not set: point it at an empty test database (this script migrates it)"
	export DATABASE_URL
	local output
	if ! output=$(manage shell -c "$INVENTORY_PY" 2>&1); then
		show "$output"
		fail 2 "\`${MANAGE_CMD[*]} shell\` failed (output above): run this script from the directory of manage.py, or set MANAGE"
	fi
	INVENTORY=$(grep $'^schema-checks\t' <<<"$output" | cut -f2- || true)
	local applied
	applied=$(awk -F'\t' '$1 == "applied" {print $2}' <<<"$INVENTORY")
	[[ "${applied:-0}" == 0 ]] ||
		fail 2 "the database at DATABASE_URL is not empty ($applied migrations applied): use a fresh, empty test database"
}

check_conflicts() {
	heading "Migration conflicts (several leaf nodes in one app)"
	local conflicts
	conflicts=$(awk -F'\t' '$1 == "conflict" {print $2 ": " $3}' <<<"$INVENTORY")
	if [[ -n "$conflicts" ]]; then
		show "$conflicts"
		local apps
		apps=$(awk -F'\t' '$1 == "conflict" {print $2}' <<<"$INVENTORY" | paste -sd, - | sed 's/,/, /g')
		fail 1 "conflicting migrations in app(s) $apps: run \`${MANAGE_CMD[*]} makemigrations --merge\` (or renumber your migration onto the latest one) and commit the result"
	fi
	passed "one leaf migration per app"
}

check_missing() {
	heading "Model changes without a migration (makemigrations --check)"
	local output
	if ! output=$(manage makemigrations --check --dry-run --no-input 2>&1); then
		show "$output"
		local apps
		apps=$(grep -o "Migrations for '[^']*'" <<<"$output" | cut -d"'" -f2 | paste -sd, - | sed 's/,/, /g' || true)
		fail 1 "models changed without a migration${apps:+ in app(s) $apps}: run \`${MANAGE_CMD[*]} makemigrations\` and commit the new migration files"
	fi
	passed "every model change has its migration"
}

# Migration labels (app.name) whose file is new: absent from BASE_REF's tree.
new_migrations() {
	local files
	files=$(awk -F'\t' '$1 == "migration" && $3 !~ /^\.\.\// && $3 !~ /-packages\// {print $2 "\t" $3}' <<<"$INVENTORY")
	if ! git rev-parse --verify --quiet "$BASE_REF^{commit}" >/dev/null 2>&1; then
		echo "note: git ref $BASE_REF is not available: every migration of the project counts as new" >&2
		cut -f1 <<<"$files"
		return
	fi
	local known
	known=$(git ls-tree -r --name-only "$BASE_REF" -- .)
	awk -F'\t' 'NR == FNR {known[$0] = 1; next} !($2 in known) {print $1}' \
		<(printf '%s\n' "$known") <(printf '%s\n' "$files")
}

migration_file() { awk -F'\t' -v label="$1" '$1 == "migration" && $2 == label {print $3}' <<<"$INVENTORY"; }

check_dangerous() {
	heading "Dangerous operations in new migrations (compared with $BASE_REF)"
	local new output dangers
	new=$(new_migrations | sed '/^$/d')
	if [[ -z "$new" ]]; then
		passed "no new migrations"
		return
	fi
	show "$new" "new: "
	if ! output=$(SCHEMA_CHECKS_NEW="$new" manage shell -c "$BASE_PY" 2>&1); then
		show "$output"
		fail 1 "applying the migrations of $BASE_REF to the empty database failed (output above): fix the migration history"
	fi
	if ! output=$(manage migration_plan 2>&1); then
		show "$output"
		fail 1 "migration_plan failed (output above): fix the migration it names"
	fi
	dangers=$("$PYTHON" -c "$READ_PY" dangerous <<<"$output")
	local refused=() label operation reasons file
	while IFS=$'\t' read -r label operation reasons; do
		if [[ -z "$label" ]] || ! grep -Fxq "$label" <<<"$new"; then continue; fi
		file=$(migration_file "$label")
		if [[ -n "$file" ]] && grep -Fq "$MARKER" "$file"; then
			echo "    allowed by marker: $label: $operation ($reasons)"
		else
			echo "    DANGEROUS: $label: $operation ($reasons)"
			refused+=("$label${file:+ ($file)}")
		fi
	done <<<"$dangers"
	if ((${#refused[@]})); then
		fail 1 "dangerous operation(s) in new migration(s) ${refused[*]}: make them safe (e.g. expand/contract in two deploys), or, if intended, add the line '$MARKER' to the migration file"
	fi
	passed "new migrations hold no dangerous operation without the marker"
}

check_schema() {
	heading "Migrate the empty database, then verify_schema"
	local output
	if ! output=$(manage migrate --no-input 2>&1); then
		show "$output"
		fail 1 "migrate failed on an empty database (output above): fix the migration it names"
	fi
	local status
	REPORT=$(manage verify_schema --format json --fail-on warning 2>&1) && status=0 || status=$?
	if ((status > 1)); then
		show "$REPORT"
		fail 1 "verify_schema could not run (output above): check the schema_safety install and DATABASE_URL"
	fi
	local problems
	problems=$("$PYTHON" -c "$READ_PY" problems <<<"$REPORT")
	if [[ -n "$problems" ]]; then
		show "$problems"
		fail 1 "after migrating an empty database the schema differs from the models ($(wc -l <<<"$problems") problem(s) above): the migrations do not build what the models describe; fix them (\`${MANAGE_CMD[*]} verify_schema --fix\` writes repair migrations)"
	fi
	passed "the migrated schema matches the models"
}

check_critical() {
	heading "Critical relationships (verify_schema's critical list, SCHEMA_SAFETY[\"CRITICAL_RELATIONSHIPS\"])"
	local outcomes
	outcomes=$("$PYTHON" -c "$READ_PY" critical <<<"$REPORT")
	if [[ -z "$outcomes" ]]; then
		passed "none configured"
		return
	fi
	show "$(tr '\t' ' ' <<<"$outcomes")"
	local broken
	broken=$(awk -F'\t' '$1 == "FAILED" {print $2}' <<<"$outcomes" | paste -sd, - | sed 's/,/, /g')
	[[ -z "$broken" ]] ||
		fail 1 "critical relationship(s) $broken do not hold after migrating: restore the foreign key(s) in the models and migrations"
	passed "every critical relationship holds"
}

main() {
	preflight
	check_conflicts
	check_missing
	check_dangerous
	check_schema
	check_critical
	printf '\nAll schema checks passed.\n'
}

main "$@"
