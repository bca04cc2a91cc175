"""Signed voter identities and the workspace's voter secret (a real file, mode 0600)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from evalatlas.arena import VoterKeys, workspace_secret
from evalatlas.arena.voter_keys import SECRET_FILE
from evalatlas.errors import ConfigError


def test_the_secret_is_drawn_once_kept_private_and_reused(tmp_path: Path) -> None:
    root = tmp_path / "workspace"
    first = workspace_secret(root)
    path = root / SECRET_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) == 32 and workspace_secret(root) == first
    assert [p.name for p in root.iterdir()] == [SECRET_FILE]  # no draft left behind


def test_a_secret_open_to_others_or_damaged_is_refused_in_one_line(tmp_path: Path) -> None:
    workspace_secret(tmp_path)
    path = tmp_path / SECRET_FILE
    path.chmod(0o644)
    with pytest.raises(ConfigError, match=r"open to other users \(mode 0644\); run 'chmod 600"):
        workspace_secret(tmp_path)
    path.write_text("not hex\n")
    path.chmod(0o600)
    with pytest.raises(ConfigError, match="not a voter secret; delete it"):
        workspace_secret(tmp_path)


def test_a_workspace_where_no_secret_can_be_written_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")
    with pytest.raises(ConfigError, match="cannot write the voter secret"):
        workspace_secret(blocker / "workspace")


def test_only_tokens_this_secret_signed_name_a_voter(tmp_path: Path) -> None:
    keys = VoterKeys(workspace_secret(tmp_path))
    token, voter = keys.issue()
    assert voter.startswith("c-") and token not in voter
    assert keys.voter_of(token) == voter  # the same token, the same voter
    assert keys.voter_of(keys.issue()[0]) != voter  # a new token, a new voter
    identity, signature = token.split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    forged = [
        None,
        "",
        "test-voter-token-000001",  # the old unsigned form
        f"{identity}.{flipped}",
        f"{'x' * len(identity)}.{signature}",
        VoterKeys(b"another server's secret").issue()[0],
    ]
    assert [keys.voter_of(candidate) for candidate in forged] == [None] * len(forged)


def test_client_keys_are_stable_and_do_not_show_the_address(tmp_path: Path) -> None:
    secret = workspace_secret(tmp_path)
    key = VoterKeys(secret).client_of("203.0.113.7")
    assert key == VoterKeys(secret).client_of("203.0.113.7")  # across restarts
    assert key.startswith("a-") and "203.0.113.7" not in key
    assert VoterKeys(secret).client_of("203.0.113.8") != key
