"""Submissions (form and API), the queue page, and admin moderation, in-process over a
workspace of their own (the shared one must keep its six rows)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from evalatlas.queue import QueueLimits, WorkerOptions, check_submission, run_worker
from evalatlas.store import Store
from evalatlas.web import create_app

from .workspace import fill_workspace

TOKEN = "test-admin-token-0123456789"
MC = {"model_reference": "random", "tasks": "arithmetic_mc"}
ADMIN = {"Authorization": f"Bearer {TOKEN}", "X-Admin-Name": "ann"}
XSS_REASON = '<script>window.__xss = 5</script><img src=x onerror="window.__xss = 6">'
XSS_EVIDENCE = 'https://example.org/a"><img/src=x/onerror=window.__xss=7>'


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("moderated") / "workspace"
    fill_workspace(root)
    return root


@pytest.fixture(scope="module")
def client(workspace: Path) -> Iterator[TestClient]:
    """The app as ``evalatlas serve`` builds it, with an admin token in the environment."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EVALATLAS_ADMIN_TOKEN", TOKEN)
        app = create_app(
            workspace, submission_check=partial(check_submission, limits=QueueLimits())
        )
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def bare_client(workspace: Path) -> Iterator[TestClient]:
    """The app without an admin token and without a submission check."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("EVALATLAS_ADMIN_TOKEN", raising=False)
        app = create_app(workspace)
    with TestClient(app) as test_client:
        yield test_client


def rows(client: TestClient, query: str = "") -> dict[str, dict[str, Any]]:
    response = client.get(f"/api/leaderboard?{query}")
    assert response.status_code == 200, response.text
    return {row["model"]["name"]: row for row in response.json()["rows"]}


def key_of(client: TestClient, name: str) -> str:
    key: str = rows(client, "show_flagged=1")[name]["model"]["key"]
    return key


# -- submissions ----------------------------------------------------------------------------


def test_the_api_queues_a_checked_submission_with_its_notes(client: TestClient) -> None:
    body = {"model_reference": "random?seed=11", "tasks": "arithmetic_mc", "limit": 8}
    response = client.post("/api/submissions", json=body | {"requested_by": "bob"})
    assert response.status_code == 201, response.text
    queued = response.json()
    assert queued["status"] == "PENDING" and queued["requested_by"] == "bob"
    assert queued["options"] == {"limit": 8, "num_fewshot": None, "apply_chat_template": False}
    assert queued["notes"] == [
        "random baseline: uniform guesses, log-likelihood tasks only",
        "1 task: arithmetic_mc",
    ]
    assert client.get(f"/api/submissions/{queued['id']}").json() == queued
    listed = client.get("/api/submissions?status=PENDING").json()
    assert queued["id"] in [s["id"] for s in listed["submissions"]]
    assert listed["counts"]["PENDING"] >= 1


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (
            {"model_reference": "hf:acme/m@main?trust_remote_code=1", "tasks": "arithmetic_mc"},
            "trust_remote_code is refused",
        ),
        ({"model_reference": "hf:acme/m", "tasks": "arithmetic_mc"}, "needs @revision"),
        ({"model_reference": "random", "tasks": "nope"}, "unknown task or group 'nope'"),
        (
            {"model_reference": "llamacpp:/no/such.gguf", "tasks": "gsm8k"},
            "this server takes no local model paths",
        ),
    ],
)
def test_a_refused_submission_is_a_422_saying_why(
    client: TestClient, body: dict[str, Any], detail: str
) -> None:
    before = len(client.get("/api/submissions").json()["submissions"])
    response = client.post("/api/submissions", json=body)
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_submission"
    assert detail in response.json()["detail"]
    assert len(client.get("/api/submissions").json()["submissions"]) == before


def test_malformed_bodies_and_parameters_are_422_never_500(client: TestClient) -> None:
    cases = [
        client.post("/api/submissions", content=b"{not json"),
        client.post("/api/submissions", json={"model_reference": "random"}),
        client.post("/api/submissions", json={"model_reference": "random", "tasks": "x", "y": 1}),
        client.post("/api/submissions", json=MC | {"limit": 0}),
        client.get("/api/submissions?status=DONE"),
        client.get("/api/submissions?bogus=1"),
        client.get("/api/submissions/abc"),
    ]  # fmt: skip
    for response in cases:
        assert response.status_code == 422, response.text
        assert set(response.json()) == {"error", "detail"}
    assert client.get("/api/submissions/99999").status_code == 404


def test_the_form_queues_and_redirects_to_the_queue(client: TestClient) -> None:
    form = {"model_reference": "random?seed=12", "tasks": "arithmetic_mc", "limit": "6"}
    response = client.post("/submit", data=form, follow_redirects=False)
    assert response.status_code == 303
    target = response.headers["location"]
    assert target.startswith("/queue#submission-")
    page = client.get("/queue")
    assert page.status_code == 200
    assert f'id="{target.partition("#")[2]}"' in page.text and "random?seed=12" in page.text


def test_a_refusal_is_shown_next_to_the_field_and_the_form_keeps_its_values(
    client: TestClient,
) -> None:
    form = {"model_reference": "hf:acme/m@main?trust_remote_code=1", "tasks": "arithmetic_mc"}
    page = client.post("/submit", data=form)
    assert page.status_code == 422
    assert 'id="error-model_reference"' in page.text and "trust_remote_code is refused" in page.text
    assert 'value="hf:acme/m@main?trust_remote_code=1"' in page.text
    page = client.post("/submit", data={"model_reference": "random", "tasks": "x", "limit": "-3"})
    assert page.status_code == 422 and 'id="error-limit"' in page.text
    page = client.post("/submit", data={"model_reference": "random", "tasks": "no_task"})
    assert 'id="error-tasks"' in page.text and "unknown task or group" in page.text


def test_without_a_submission_check_submissions_are_refused(bare_client: TestClient) -> None:
    body = {"model_reference": "random", "tasks": "arithmetic_mc"}
    response = bare_client.post("/api/submissions", json=body)
    assert response.status_code == 503 and "submissions are disabled" in response.json()["detail"]
    assert "Submissions are disabled" in bare_client.get("/submit").text


def test_a_worker_run_shows_on_the_queue_page_and_the_board(
    client: TestClient, workspace: Path
) -> None:
    body = {"model_reference": "random?seed=13", "tasks": "arithmetic_mc", "limit": 10}
    good = client.post("/api/submissions", json=body).json()
    bad = client.post(
        "/api/submissions", json={"model_reference": "random", "tasks": "arithmetic_gen"}
    ).json()
    with Store.open(workspace) as store:
        while run_worker(store, WorkerOptions(once=True), lambda line: None):
            pass
    finished = client.get(f"/api/submissions/{good['id']}").json()
    failed = client.get(f"/api/submissions/{bad['id']}").json()
    assert finished["status"] == "FINISHED" and finished["model_url"].startswith("/models/random")
    assert failed["status"] == "FAILED" and "cannot serve generate_until" in failed["error"]
    page = client.get("/queue").text
    assert f'<a href="{finished["model_url"]}">random?seed=13</a>' in page
    assert "FAILED: " in page  # the log of the failure is on the page
    board = client.get("/api/leaderboard?q=seed%3D13").json()["rows"]
    assert [row["model"]["reference"] for row in board] == ["random?seed=13"]
    assert client.get(finished["model_url"]).status_code == 200


def test_a_running_submission_whose_worker_went_silent_is_shown_stale(
    client: TestClient, workspace: Path
) -> None:
    queued = client.post("/api/submissions", json=MC).json()
    silent = datetime.now(UTC) - timedelta(minutes=5)
    with sqlite3.connect(workspace / "evalatlas.db") as raw:
        raw.execute(
            "UPDATE submissions SET status = 'RUNNING', worker = 'elsewhere:4321:ab', "
            "worker_host = 'elsewhere', worker_pid = 4321, "
            "started_at = ?, heartbeat_at = ? WHERE id = ?",
            (f"{silent:%Y-%m-%d %H:%M:%S.%f}",) * 2 + (queued["id"],),
        )
    shown = client.get(f"/api/submissions/{queued['id']}").json()
    assert shown["status"] == "RUNNING" and shown["stale"] is True
    assert not {"worker", "worker_host", "worker_pid"} & set(shown)  # the operator's business
    page = client.get("/queue?status=RUNNING").text
    assert "RUNNING (stale)" in page and "a worker runs it; last heartbeat" in page
    assert "elsewhere" not in page and "4321" not in page
    listed = client.get("/api/submissions?status=RUNNING").text
    assert "elsewhere" not in listed and "4321" not in listed


# -- admin ----------------------------------------------------------------------------------


def test_admin_is_disabled_without_a_token_in_the_environment(bare_client: TestClient) -> None:
    key = key_of(bare_client, "Tiny 135M")
    for response in (
        bare_client.post(f"/api/admin/models/{key}/flags", json={}, headers=ADMIN),
        bare_client.delete("/api/admin/flags/1", headers=ADMIN),
        bare_client.put(f"/api/admin/models/{key}/metadata", json={}, headers=ADMIN),
        bare_client.get("/api/admin/log", headers=ADMIN),
    ):
        assert response.status_code == 403
        assert response.json() == {
            "error": "forbidden",
            "detail": "admin disabled: set EVALATLAS_ADMIN_TOKEN",
        }


def test_a_short_token_does_not_enable_admin(workspace: Path) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EVALATLAS_ADMIN_TOKEN", "short")
        app = create_app(workspace)
    with TestClient(app) as short:
        response = short.get("/api/admin/log", headers={"Authorization": "Bearer short"})
    assert response.status_code == 403 and "at least 16 characters" in response.json()["detail"]


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong-token-0123456789"}, {"Authorization": TOKEN}],
)
def test_admin_endpoints_refuse_a_missing_or_wrong_token(
    client: TestClient, headers: dict[str, str]
) -> None:
    key = key_of(client, "Tiny 135M")
    flag = {"kind": "other", "evidence_url": "https://e.org", "reason": "r", "by": "eve"}
    for response in (
        client.post(f"/api/admin/models/{key}/flags", json=flag, headers=headers),
        client.post(f"/api/admin/models/{key}/flags", content=b"{garbage", headers=headers),
        client.delete("/api/admin/flags/1", headers=headers),
        client.put(f"/api/admin/models/{key}/metadata", json={"licence": "x"}, headers=headers),
        client.get("/api/admin/log", headers=headers),
    ):
        assert response.status_code == 403, response.text
        assert response.json()["error"] == "forbidden"
    assert "Tiny 135M" in rows(client)  # nothing changed


def test_a_flag_hides_the_model_until_shown_and_its_removal_is_logged(client: TestClient) -> None:
    key = key_of(client, "Merge 70B")
    flag = {"kind": "merged-without-tag", "evidence_url": "https://e.org/merge", "reason": "merge"}
    response = client.post(f"/api/admin/models/{key}/flags", json=flag, headers=ADMIN)
    assert response.status_code == 201, response.text
    created = response.json()["flag"]
    assert (created["created_by"], created["active"], created["kind"]) == (
        "ann",
        True,
        "merged-without-tag",
    )
    assert "Merge 70B" not in rows(client)
    assert client.get("/api/leaderboard").json()["hidden_flagged"] == 1
    shown = rows(client, "show_flagged=1")["Merge 70B"]
    assert [f["kind"] for f in shown["model"]["flags"]] == ["merged-without-tag"]
    assert shown["model"]["flags"][0]["evidence_url"] == "https://e.org/merge"
    page = client.get("/").text
    assert 'id="hidden-flagged">1 flagged model hidden' in page
    assert "Merge 70B" in client.get("/?show_flagged=1").text
    assert client.get(f"/models/{key}").status_code == 200  # still reachable
    assert client.get("/api/leaderboard?show_flagged=yes").status_code == 422
    removed = client.request(
        "DELETE", f"/api/admin/flags/{created['id']}", json={"reason": "tagged", "by": "bob"}
    )
    assert removed.status_code == 403  # the token is still needed
    removed = client.request(
        "DELETE",
        f"/api/admin/flags/{created['id']}",
        json={"reason": "tagged", "by": "bob"},
        headers={"Authorization": ADMIN["Authorization"]},
    )
    assert removed.status_code == 200 and removed.json()["flag"]["removed_by"] == "bob"
    assert "Merge 70B" in rows(client)
    assert client.delete(f"/api/admin/flags/{created['id']}", headers=ADMIN).status_code == 404
    log = client.get("/api/admin/log?limit=2", headers=ADMIN).json()["entries"]
    assert [(e["action"], e["actor"]) for e in log] == [("flag.remove", "bob"), ("flag.add", "ann")]
    assert all(e["created_at"] and e["target"] == "acme/merge-70b" for e in log)


def test_a_flag_needs_a_known_model_an_http_link_a_reason_and_a_name(client: TestClient) -> None:
    key = key_of(client, "Tiny 135M")
    good = {"kind": "contaminated", "evidence_url": "https://e.org", "reason": "leak"}
    anonymous = {"Authorization": ADMIN["Authorization"]}
    path = f"/api/admin/models/{key}/flags"
    cases = [
        ("/api/admin/models/nope/flags", good, ADMIN, 404, "no model 'nope'"),
        (path, good, anonymous, 422, "name yourself"),
        (path, good | {"kind": "bad"}, ADMIN, 422, "kind"),
        (path, good | {"reason": ""}, ADMIN, 422, "reason"),
        (path, good | {"evidence_url": "javascript:alert(1)"}, ADMIN, 422, "http(s)://"),
        (path, good | {"evidence_url": "e.org/x"}, ADMIN, 422, "http(s)://"),
    ]
    for where, body, headers, status, detail in cases:
        response = client.post(where, json=body, headers=headers)
        assert response.status_code == status, response.text
        assert detail in response.json()["detail"]
    assert "Tiny 135M" in rows(client)


def test_a_metadata_override_wins_on_the_board_and_is_logged(client: TestClient) -> None:
    key = key_of(client, "Base 13B")
    body = {"licence": "mit", "parameters": 12_900_000_000, "model_type": "instruction-tuned"}
    response = client.put(f"/api/admin/models/{key}/metadata", json=body, headers=ADMIN)
    assert response.status_code == 200, response.text
    assert response.json()["previous"] == {}
    card = rows(client)["Base 13B"]["model"]
    assert (card["licence"], card["parameters"], card["model_type"]) == (
        "mit",
        12_900_000_000,
        "instruction-tuned",
    )
    assert card["overridden"] == ["licence", "model_type", "parameters"]
    assert card["architecture"] == "llama"  # what the runner read stays where not overridden
    assert "Base 13B" in rows(client, "type=instruction-tuned")
    assert "licence, model_type, parameters" in client.get(f"/models/{key}").text
    bad = client.put(
        f"/api/admin/models/{key}/metadata", json={"model_type": "giant"}, headers=ADMIN
    )
    assert bad.status_code == 422 and "model_type" in bad.json()["detail"]
    unknown = client.put(f"/api/admin/models/{key}/metadata", json={"colour": "x"}, headers=ADMIN)
    assert unknown.status_code == 422 and "colour" in unknown.json()["detail"]
    cleared = client.put(f"/api/admin/models/{key}/metadata", json={}, headers=ADMIN)
    assert cleared.json()["previous"] == body
    assert rows(client)["Base 13B"]["model"]["licence"] == "llama2"
    [entry, *_] = client.get("/api/admin/log", headers=ADMIN).json()["entries"]
    assert (entry["action"], entry["actor"], entry["details"]["before"]) == (
        "metadata.set",
        "ann",
        body,
    )


def test_a_hostile_reason_and_link_are_inert_text(client: TestClient) -> None:
    key = key_of(client, "Chat 1.7B")
    flag = {"kind": "other", "evidence_url": XSS_EVIDENCE, "reason": XSS_REASON}
    created = client.post(f"/api/admin/models/{key}/flags", json=flag, headers=ADMIN)
    assert created.status_code == 201, created.text
    try:
        for path in ("/?show_flagged=1", f"/models/{key}"):
            html = client.get(path).text
            assert "<script>window.__xss" not in html and "<img" not in html
            assert "&lt;script&gt;window.__xss = 5&lt;/script&gt;" in html
            assert 'href="https://example.org/a&#34;&gt;&lt;img/src=x' in html
    finally:
        client.delete(f"/api/admin/flags/{created.json()['flag']['id']}", headers=ADMIN)


def test_the_new_pages_and_endpoints_are_in_the_schema_and_the_nav(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"post", "get"} <= set(paths["/api/submissions"])
    assert "get" in paths["/api/submissions/{submission_id}"]
    assert "post" in paths["/api/admin/models/{key}/flags"]
    assert "delete" in paths["/api/admin/flags/{flag_id}"]
    assert "put" in paths["/api/admin/models/{key}/metadata"]
    assert "get" in paths["/api/admin/log"]
    body = paths["/api/admin/models/{key}/flags"]["post"]["requestBody"]
    assert "evidence_url" in body["content"]["application/json"]["schema"]["properties"]
    nav = client.get("/queue").text
    assert '<a href="/submit">Submit</a>' in nav and '<a href="/queue">Queue</a>' in nav


def test_a_row_stored_with_server_paths_is_shown_without_them(
    client: TestClient, workspace: Path
) -> None:
    """Rows stored before workers kept their errors public still show no server path."""
    queued = client.post("/api/submissions", json=MC).json()
    with sqlite3.connect(workspace / "evalatlas.db") as raw:
        raw.execute(
            "UPDATE submissions SET status = 'FAILED', error = ?, log = ? WHERE id = ?",
            (
                "llama.cpp could not load /home/ann/private/models/x.gguf: truncated",
                '[10:00:00] File "/srv/app/evalatlas/runner.py", line 3\n',
                queued["id"],
            ),
        )
    shown = client.get(f"/api/submissions/{queued['id']}").json()
    assert shown["error"] == "llama.cpp could not load …/x.gguf: truncated"
    assert shown["log"] == '[10:00:00] File "…/runner.py", line 3\n'
    page = client.get("/queue?status=FAILED").text
    assert "/home/ann" not in page and "/srv/app" not in page and "…/x.gguf" in page
