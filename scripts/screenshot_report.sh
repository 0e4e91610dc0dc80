#!/usr/bin/env bash
# Render a results folder's report.html in headless Chromium and save screenshots.
#
#   bash scripts/screenshot_report.sh [FOLDER] [OUT_PREFIX]
#
# FOLDER defaults to results/demo; screenshots go to OUT_PREFIX-top.png (first screen) and
# OUT_PREFIX-full.png (a tall page), OUT_PREFIX defaulting to FOLDER/report-screenshot.
# Installs Debian's chromium when it is missing (needs root and the package registry). Kept out
# of the test suite on purpose: CI machines need no browser.
set -euo pipefail
folder="${1:-results/demo}"
prefix="${2:-$folder/report-screenshot}"
report="$(cd "$folder" && pwd)/report.html"
if [ ! -f "$report" ]; then
    echo "error: $report not found; run 'bayes-peer run SPEC' or 'bayes-peer report FOLDER' first" >&2
    exit 2
fi
if ! command -v chromium >/dev/null 2>&1; then
    echo "installing chromium (Debian package) ..." >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
shot() {  # width height file
    chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
        --window-size="$1,$2" --screenshot="$3" "file://$report" 2>/dev/null
    echo "wrote $3"
}
shot 1200 1400 "$prefix-top.png"
shot 1200 9000 "$prefix-full.png"
