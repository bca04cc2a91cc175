#!/usr/bin/env bash
# Fresh machine to a served leaderboard: set up, evaluate the bundled default model
# (SmolLM2-135M-Instruct, a real GGUF through llama.cpp), the bundled Gemma-3 270M and the
# random baseline on the offline task group, then serve the board at http://127.0.0.1:8000
# with the two bundled models as arena contestants at /arena (Ctrl+C stops it).
# NO_SERVE=1 stops after the evaluations; LIMIT=N sets samples per task.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
for model in bundled:smollm2-135m-instruct bundled:gemma3-270m random; do
    tasks=offline
    # The random baseline only guesses among choices: it cannot generate answers.
    [ "$model" = random ] && tasks=arithmetic_mc
    .venv/bin/evalatlas eval --model "$model" --tasks "$tasks" --limit "${LIMIT:-100}" "$@"
done
if [ "${NO_SERVE:-0}" = 1 ]; then
    exit 0
fi
echo "serving the leaderboard at http://127.0.0.1:${PORT:-8000}/ and the arena at /arena (Ctrl+C stops it)"
exec .venv/bin/evalatlas serve --port "${PORT:-8000}" \
    --arena-model bundled:smollm2-135m-instruct --arena-model bundled:gemma3-270m
