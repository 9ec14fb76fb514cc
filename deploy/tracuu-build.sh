#!/usr/bin/env bash
# The one script every scheduler calls: rebuild the index from the archive folders.
# Settings come from the environment (see tracuu.env): TRACUU_HOME, TRACUU_INDEX, TRACUU_SOURCES.
# Exit codes: 0 built and published; 75 another build is still running (try later); other: failed,
# the live index is untouched.
set -euo pipefail
: "${TRACUU_HOME:?set TRACUU_HOME to the project checkout}"
: "${TRACUU_INDEX:=$TRACUU_HOME/data/index}"
: "${TRACUU_SOURCES:=$TRACUU_HOME/corpus}"
cd "$TRACUU_HOME"
args=()
for source in $TRACUU_SOURCES; do args+=(--source "$source"); done
exec "$TRACUU_HOME/.venv/bin/python" -m indexer build "${args[@]}" --index "$TRACUU_INDEX" ${TRACUU_BUILD_FLAGS:-}
