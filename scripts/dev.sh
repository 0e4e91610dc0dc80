#!/usr/bin/env bash
# Set up the project's virtual environment (first run, or after pyproject.toml or the
# constraints change) and run one job in it:
#   bash scripts/dev.sh demo   the main job on the shipped SYNTHETIC demo study (results/demo/)
#   bash scripts/dev.sh test   lint (ruff) and the test suite (pytest)
#   bash scripts/dev.sh run ARGS...   any bayes-peer command
# Needs Python >= 3.12: $PYTHON, python3.12/python3.13 on PATH, or pyenv's 3.12.x.
set -euo pipefail
cd "$(dirname "$0")/.."

export OPENBLAS_NUM_THREADS=1                              # before numpy loads (STACK.md)
export PYTENSOR_FLAGS="${PYTENSOR_FLAGS:-blas__ldflags=}"  # silence PyTensor's BLAS warning

find_python() {
    local cand
    for cand in "${PYTHON:-}" python3.12 python3.13 python3; do
        [ -n "$cand" ] || continue
        if command -v "$cand" >/dev/null 2>&1 &&
            "$cand" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
            command -v "$cand"
            return 0
        fi
    done
    if command -v pyenv >/dev/null 2>&1; then
        for cand in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.1[2-9]' | sort -V); do
            PYENV_VERSION="$cand" pyenv which python3 2>/dev/null && return 0
        done
    fi
    for cand in "$HOME"/.pyenv/versions/3.1[2-9]*/bin/python3; do
        [ -x "$cand" ] && { echo "$cand"; return 0; }
    done
    echo "error: Python >= 3.12 not found (set PYTHON=/path/to/python3.12)" >&2
    return 1
}

VENV="${BAYES_PEER_VENV:-.venv}"
stamp="$VENV/.installed-$(cat pyproject.toml scripts/constraints.txt | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
    py="$(find_python)"
    echo "setting up $VENV with $("$py" --version) (pinned by scripts/constraints.txt)" >&2
    [ -x "$VENV/bin/python" ] || "$py" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
        -c scripts/constraints.txt -e ".[test]" 2>&1 | grep -v '^WARNING: Location' >&2 || true
    "$VENV/bin/python" -c 'import bayes_peer, pymc, nutpie, arviz' # fail loudly if incomplete
    rm -f "$VENV"/.installed-*
    touch "$stamp"
fi

job="${1:-}"
shift || true
case "$job" in
    demo) exec "$VENV/bin/bayes-peer" demo --force "$@" ;;
    test)
        "$VENV/bin/ruff" check bayes_peer tests scripts
        exec "$VENV/bin/python" -m pytest "$@"
        ;;
    run) exec "$VENV/bin/bayes-peer" "$@" ;;
    *)
        echo "usage: bash scripts/dev.sh demo|test|run [ARGS...]" >&2
        exit 2
        ;;
esac
