"""A model evaluated from a file on the server's disk (the bundled SmolLM2 GGUF copied into
a private folder, run by the real llama.cpp backend): its page and JSON twin show the
file's name and hash, never the folder it lies in."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from evalatlas.models import load_model
from evalatlas.models.catalog import bundled_gguf_path
from evalatlas.runner import EvalConfig, evaluate
from evalatlas.store import Store
from evalatlas.tasks.registry import resolve_tasks
from evalatlas.web import create_app
from evalatlas.web.public_paths import public_reference, public_text

PRIVATE = "private-team-models"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, str, str]]:
    root = tmp_path_factory.mktemp("paths")
    folder = root / PRIVATE / "nested"
    folder.mkdir(parents=True)
    model_file = folder / "smol.gguf"
    shutil.copyfile(bundled_gguf_path("smollm2-135m-instruct"), model_file)
    digest = hashlib.sha256(model_file.read_bytes()).hexdigest()
    with Store.open(root / "ws") as store:
        model = load_model(f"llamacpp:{model_file}")
        try:
            evaluate(model, resolve_tasks("arithmetic_mc"), EvalConfig(limit=2), store)
        finally:
            model.close()
    with TestClient(create_app(root / "ws")) as client:
        rows = client.get("/api/leaderboard").json()["rows"]
        [key] = [row["model"]["key"] for row in rows if row["model"]["backend"] == "llamacpp"]
        yield client, key, digest


def test_the_model_page_shows_the_files_name_and_hash_not_its_folder(
    served: tuple[TestClient, str, str],
) -> None:
    client, key, digest = served
    page = client.get(f"/models/{quote(key, safe='')}")
    assert page.status_code == 200
    html = page.text
    assert PRIVATE not in html and "/nested/" not in html
    assert '<dd id="reference">llamacpp:smol.gguf</dd>' in html
    assert f"sha256:{digest}" in html


def test_the_json_twin_shows_them_too(served: tuple[TestClient, str, str]) -> None:
    client, key, digest = served
    body = client.get(f"/api/models/{quote(key, safe='')}").json()
    assert PRIVATE not in str(body)
    assert body["model"]["reference"] == "llamacpp:smol.gguf"
    assert body["model"]["source"] == "smol.gguf"
    assert body["model"]["fingerprint"] == f"sha256:{digest}"
    [result] = body["results"]
    assert result["eval_card"]["model_reference"] == "llamacpp:smol.gguf"
    assert result["eval_card"]["model_fingerprint"] == f"sha256:{digest}"


def test_the_key_is_made_of_the_files_name(served: tuple[TestClient, str, str]) -> None:
    _, key, _ = served
    assert key.startswith("llamacpp-smol-gguf-") and PRIVATE not in key


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/api/leaderboard",
        "/api/leaderboard.json",
        "/api/leaderboard.csv",
        "/capabilities",
        "/api/capabilities",
        "/discover",
        "/api/discover",
    ],
)
def test_no_board_view_names_the_folder(served: tuple[TestClient, str, str], path: str) -> None:
    client, _, _ = served
    response = client.get(path)
    assert response.status_code == 200, response.text[:300]
    assert PRIVATE not in response.text and "/nested/" not in response.text
    if path in ("/", "/api/leaderboard", "/api/leaderboard.csv"):
        assert "llamacpp:smol.gguf" in response.text


def test_public_references() -> None:
    assert public_reference("llamacpp:/srv/m/x.gguf?n_ctx=512") == "llamacpp:x.gguf?n_ctx=512"
    assert public_reference("hf:/srv/m/folder/") == "hf:folder"
    assert public_reference("hf:acme/tiny@main") == "hf:acme/tiny@main"
    assert public_reference("openai:http://h:8/v1#m") == "openai:http://h:8/v1#m"
    assert public_reference("bundled:smollm2-135m-instruct") == "bundled:smollm2-135m-instruct"
    assert public_text('{"path": "/home/ann/m/x.gguf"}') == '{"path": "…/x.gguf"}'
    assert public_text("see https://host/a/b") == "see https://host/a/b"
