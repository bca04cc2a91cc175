"""The model page links each run to its complete card and shows its last replay's verdict."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from evalatlas.models import load_model
from evalatlas.runner import EvalConfig, evaluate
from evalatlas.runner.replay import ReplayOptions, replay_run
from evalatlas.store import Store
from evalatlas.tasks.yaml_task import YamlTask
from evalatlas.web import create_app
from runner.replay_task import write_tiny_task


def _workspace(tmp_path: Path) -> tuple[Path, list[str]]:
    """Two runs of the random baseline (0- and 1-shot); only the first is replayed."""
    task = write_tiny_task(tmp_path / "task")
    workspace = tmp_path / "ws"
    model = load_model("random")
    run_ids = []
    with Store.open(workspace) as store:
        for shots in (0, 1):
            config = EvalConfig(data_dir=task.data_dir, limit=3, num_fewshot=shots)
            tasks = [YamlTask.from_file(task.task_file)]
            run_ids.append(evaluate(model, tasks, config, store)[0].result.run_id)
        replay_run(store, run_ids[0], ReplayOptions())
    return workspace, run_ids


def test_model_page_links_cards_and_shows_the_last_replay(tmp_path: Path) -> None:
    workspace, (replayed, untouched) = _workspace(tmp_path)
    with TestClient(create_app(workspace)) as client:
        key = client.get("/api/leaderboard").json()["rows"][0]["model"]["key"]
        payload = client.get(f"/api/models/{key}").json()
        results = {r["run_id"]: r for r in payload["results"]}
        assert results[replayed]["last_replay"]["verdict"] == "identical"
        assert results[untouched]["last_replay"] is None
        # The page's eval card keeps the hashes; the full texts are the card's.
        assert "task_files" not in results[replayed]["eval_card"]

        card_url = results[replayed]["card_url"]
        card = client.get(card_url).json()
        assert card["format_version"] == 1 and card["run_id"] == replayed
        assert card["spec"]["task_config"]["task"] == "replay_capitals"
        assert str(tmp_path) not in client.get(card_url).text  # no server paths

        page = client.get(f"/models/{key}").text
        assert card_url in page
        assert "last replay: identical" in page and "not replayed" in page

        missing = client.get(f"/api/models/{key}/runs/{'0' * 32}/card")
        assert missing.status_code == 404 and missing.json()["error"] == "not_found"
