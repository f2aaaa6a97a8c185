"""The token store and refresh logic (fake identity server over httpx.MockTransport)."""

from __future__ import annotations

import json
import os
import stat
import threading
from pathlib import Path

import httpx
import pytest
from _xero_fixtures import FakeXero, settings_for

from matchkit._exceptions import ConfigError, ReconnectRequired
from matchkit.xero import TokenSet, TokenStore
from matchkit.xero._auth import TokenManager, XeroOAuth


def _manager(tmp_path: Path, fake: FakeXero, *, expires_in: float = 1800,
             grant: str = "authorization_code") -> TokenManager:
    settings = settings_for(tmp_path)
    store = TokenStore.for_settings(settings)
    if grant == "authorization_code":
        answer = fake.issue()
        answer["expires_in"] = expires_in
        store.save(TokenSet.from_response(answer, grant))
    return TokenManager(store, XeroOAuth(settings, transport=httpx.MockTransport(fake)), grant)


def test_token_file_is_0600_in_a_0700_dir_and_atomic(tmp_path: Path) -> None:
    manager = _manager(tmp_path, FakeXero())
    path = manager.store.path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert path.name == "xero-fake-client.json"
    before = path.read_text()
    manager.store.save(TokenSet(access_token="a", expires_at=1.0))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text() != before
    assert [p.name for p in path.parent.iterdir() if p.suffix == ".tmp"] == []


def test_failed_write_leaves_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                          ) -> None:
    manager = _manager(tmp_path, FakeXero())
    before = manager.store.path.read_text()

    def boom(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", boom)
    with pytest.raises(OSError, match="disk full"):
        manager.store.save(TokenSet(access_token="new", expires_at=1.0))
    assert manager.store.path.read_text() == before
    assert [p.name for p in manager.store.path.parent.iterdir() if p.suffix == ".tmp"] == []


def test_corrupt_token_file_is_a_clear_error(tmp_path: Path) -> None:
    manager = _manager(tmp_path, FakeXero())
    manager.store.path.write_text("{not json")
    with pytest.raises(ConfigError, match="not a matchkit token file"):
        manager.store.load()


def test_missing_client_id_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="MATCHKIT_XERO_CLIENT_ID"):
        TokenStore.for_settings(settings_for(tmp_path, xero_client_id=None))


def test_rotated_refresh_token_is_saved_before_use(tmp_path: Path) -> None:
    fake = FakeXero()
    manager = _manager(tmp_path, fake, expires_in=10)  # inside the 2-minute margin
    old = manager.store.load()
    assert old is not None
    token = manager.access_token()
    saved = manager.store.load()
    assert saved is not None and saved.access_token == token
    assert saved.refresh_token != old.refresh_token
    assert saved.previous_refresh_token == old.refresh_token
    assert not saved.expiring()


def test_threads_refresh_once(tmp_path: Path) -> None:
    fake = FakeXero()
    manager = _manager(tmp_path, fake, expires_in=10)
    others = [TokenManager(manager.store, manager.oauth, "authorization_code")
              for _ in range(7)]
    results: list[str] = []
    barrier = threading.Barrier(len(others) + 1)

    def run(m: TokenManager) -> None:
        barrier.wait()
        results.append(m.access_token())

    threads = [threading.Thread(target=run, args=(m,)) for m in [manager, *others]]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert fake.token_calls == 1
    assert len(set(results)) == 1 and len(results) == 8


def test_lost_refresh_answer_is_retried_with_the_same_token(tmp_path: Path) -> None:
    fake = FakeXero()
    sent: list[str] = []

    def lose_answer(request: httpx.Request) -> httpx.Response:
        fake.token(request)  # Xero rotated the token...
        sent.append(request.content.decode())
        raise httpx.ReadError("answer lost", request=request)  # ...but we never hear of it

    manager = _manager(tmp_path, fake, expires_in=10)
    fake.script.append(lose_answer)
    before = manager.store.load()
    assert before is not None and before.refresh_token is not None
    token = manager.access_token()
    assert token in fake.access_tokens
    refreshes = [r for r in fake.requests if r.url.path == "/connect/token"]
    assert len(refreshes) == 2 and refreshes[0].content == refreshes[1].content
    assert f"refresh_token={before.refresh_token}" in sent[0]


def test_invalid_grant_tries_the_previous_token_then_asks_to_reconnect(tmp_path: Path) -> None:
    fake = FakeXero()
    manager = _manager(tmp_path, fake, expires_in=10)
    manager.access_token()  # rotate once: previous_refresh_token is kept
    current = manager.store.load()
    assert current is not None and current.previous_refresh_token
    fake.refresh_tokens.discard(current.refresh_token or "")  # current is refused
    assert manager.refresh(stale=current.access_token)  # previous one still works
    fake.refresh_tokens.clear()
    latest = manager.store.load()
    assert latest is not None
    with pytest.raises(ReconnectRequired, match="connect to Xero again") as info:
        manager.refresh(stale=latest.access_token)
    assert latest.refresh_token and latest.refresh_token not in str(info.value)


def test_no_stored_tokens_means_reconnect(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    manager = TokenManager(TokenStore.for_settings(settings),
                           XeroOAuth(settings, transport=httpx.MockTransport(FakeXero())),
                           "authorization_code")
    with pytest.raises(ReconnectRequired):
        manager.access_token()


def test_client_credentials_fetches_without_refresh_token(tmp_path: Path) -> None:
    fake = FakeXero()
    manager = _manager(tmp_path, fake, grant="client_credentials")
    token = manager.access_token()
    assert token in fake.access_tokens
    form = fake.requests[-1].content.decode()
    assert "grant_type=client_credentials" in form and "offline_access" not in form
    assert fake.requests[-1].headers["authorization"].startswith("Basic ")
    assert json.loads(manager.store.path.read_text())["grant"] == "client_credentials"


def test_unknown_grant_is_refused(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    with pytest.raises(ConfigError, match="password"):
        TokenManager(TokenStore.for_settings(settings), XeroOAuth(settings), "password")


def test_token_set_repr_hides_tokens() -> None:
    tokens = TokenSet(access_token="AAA-secret", expires_at=0, refresh_token="RRR-secret",
                      previous_refresh_token="PPP-secret")
    assert "secret" not in repr(tokens)


def test_loopback_listener_escapes_what_it_shows() -> None:
    from matchkit.xero._loopback import LoopbackListener

    with LoopbackListener() as listener:
        assert listener.redirect_uri.startswith("http://127.0.0.1:")
        response = httpx.get(listener.redirect_uri,
                             params={"error": "<script>alert(1)</script>", "state": "s"})
        assert response.status_code == 400
        assert "<script>" not in response.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
        assert listener.wait(5) == {"error": "<script>alert(1)</script>", "state": "s"}
        assert httpx.get(listener.redirect_uri.replace("/callback", "/other")).status_code == 404
