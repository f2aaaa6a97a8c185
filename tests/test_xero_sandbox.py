"""The Xero client over real loopback HTTP against the sandbox (matchkit.sandbox)."""

from __future__ import annotations

import json
import logging
import multiprocessing
import stat
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from matchkit._config import Settings
from matchkit._exceptions import (
    AuthError,
    MatchkitError,
    RateLimitError,
    ReconnectRequired,
)
from matchkit.sandbox import Sandbox, start
from matchkit.xero import RateLimiter, RetryPolicy, TokenStore, XeroClient, connect

FAST = RetryPolicy(base_delay=0.01, max_delay=2.0)


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with start(seed="demo") as sb:
        yield sb


def _settings(sb: Sandbox, tmp_path: Path, **changes: Any) -> Settings:
    return Settings.from_env(sb.env, token_dir=str(tmp_path / "tokens"), **changes)


def _connect(sb: Sandbox, tmp_path: Path, **kwargs: Any) -> XeroClient:
    settings = kwargs.pop("settings", None) or _settings(sb, tmp_path)
    kwargs.setdefault("retry", FAST)
    xero = connect(settings, browser=False, **kwargs)
    # a private limiter per test: the process-wide one would carry state between tests
    xero.limiter = RateLimiter(time_scale=kwargs.get("time_scale", 1.0))
    return xero


def _token_posts(sb: Sandbox) -> int:
    return sb.ledger.count(system="xero-identity", method="POST", path_prefix="/connect/token")


class DropFirst(httpx.BaseTransport):
    """Real loopback HTTP, except that the answer of the first matching request is lost
    after the server has acted on it (a crash or a dropped connection at the worst moment)."""

    def __init__(self, match: str) -> None:
        self.inner = httpx.HTTPTransport()
        self.match = match
        self.dropped = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if not self.dropped and self.match in request.content.decode(errors="replace"):
            response.read()
            response.close()
            self.dropped += 1
            raise httpx.ReadError("answer lost", request=request)
        return response

    def close(self) -> None:
        self.inner.close()


def test_auth_code_pkce_headless_login(sandbox: Sandbox, tmp_path: Path) -> None:
    seen: list[str] = []
    with _connect(sandbox, tmp_path, on_url=seen.append) as xero:
        assert xero.tenant_id == sandbox.tenant_id
        assert xero.tenant_name and xero.connection_id
        assert xero.short_code == sandbox.xero.org.organisation["ShortCode"]
        assert xero.organisation()["Name"]
    assert "code_challenge_method=S256" in seen[0] and "code_challenge=" in seen[0]
    assert "offline_access" in seen[0] and "accounting.invoices" in seen[0]
    path = TokenStore.for_settings(_settings(sandbox, tmp_path)).path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    stored = json.loads(path.read_text())
    assert stored["refresh_token"] and stored["grant"] == "authorization_code"
    api = [e for e in sandbox.ledger.entries("xero") if e.path.startswith("/api.xro")]
    assert api and all(e.tenant == sandbox.tenant_id and e.status == 200 for e in api)
    # a second connect reuses the stored tokens: no new login
    before = sandbox.ledger.count(path_prefix="/identity/connect/authorize")
    with _connect(sandbox, tmp_path) as again:
        assert again.tenant_id == sandbox.tenant_id
    assert sandbox.ledger.count(path_prefix="/identity/connect/authorize") == before


def test_browser_login_through_the_loopback_listener(sandbox: Sandbox, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []

    def browser(url: str) -> bool:  # a browser: follows the redirect to the listener
        opened.append(url)
        threading.Thread(target=httpx.get, args=(url,),
                         kwargs={"follow_redirects": True}, daemon=True).start()
        return True

    monkeypatch.setattr("matchkit.xero._auth.webbrowser.open", browser)
    with connect(_settings(sandbox, tmp_path), browser=True, login_timeout=30) as xero:
        assert xero.tenant_id == sandbox.tenant_id
    assert len(opened) == 1 and "redirect_uri=http%3A%2F%2F127.0.0.1%3A" in opened[0]


def test_forged_state_is_refused(sandbox: Sandbox, tmp_path: Path) -> None:
    class ForgeState(httpx.HTTPTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            response = super().handle_request(request)
            location = response.headers.get("location", "")
            if "state=" in location:
                response.headers["location"] = location.replace("state=", "state=forged")
            return response

    with pytest.raises(AuthError, match="wrong state"):
        connect(_settings(sandbox, tmp_path), browser=False, transport=ForgeState())
    assert not TokenStore.for_settings(_settings(sandbox, tmp_path)).path.exists()


def test_refused_scope_ends_the_login_with_a_clear_error(sandbox: Sandbox,
                                                        tmp_path: Path) -> None:
    # apps created after March 2026 may not ask for the broad scopes (PITFALLS 13)
    settings = _settings(sandbox, tmp_path, xero_scopes="offline_access accounting.transactions")
    # Xero shows its error page: "Error: unauthorized_client : Invalid scope for client".
    with pytest.raises(AuthError, match="refused the login: unauthorized_client : Invalid "
                                        "scope for client"):
        connect(settings, browser=False)


def test_client_credentials(sandbox: Sandbox, tmp_path: Path) -> None:
    settings = _settings(sandbox, tmp_path, xero_grant="client_credentials")
    with _connect(sandbox, tmp_path, settings=settings) as xero:
        assert len(xero.tax_rates()) > 0
        stored = xero.tokens.store.load()
        assert stored is not None and stored.refresh_token is None
    assert sandbox.ledger.count(path_prefix="/identity/connect/authorize") == 0


def test_expired_token_refreshes_and_rotates(sandbox: Sandbox, tmp_path: Path) -> None:
    with _connect(sandbox, tmp_path) as xero:
        first = xero.tokens.store.load()
        assert first is not None
        sandbox.clock.advance(31 * 60)  # the server's token expired; ours does not know yet
        assert xero.items()  # 401 TokenExpired -> one refresh -> retried
        second = xero.tokens.store.load()
        assert second is not None
        assert second.refresh_token != first.refresh_token
        assert second.previous_refresh_token == first.refresh_token
        assert xero.tokens.refreshes == 1
        assert sandbox.ledger.count(system="xero", status=401) == 1


def test_proactive_refresh_with_a_scaled_clock(tmp_path: Path) -> None:
    # 1 real second = 10 sandbox minutes: a 30-minute token lives 3 real seconds
    with start(seed="demo", time_scale=600) as sb, _connect(sb, tmp_path,
                                                            time_scale=600) as xero:
        xero.organisation()
        tokens = xero.tokens.store.load()
        assert tokens is not None
        # make the stored token about to expire: the next call refreshes before sending
        xero.tokens.store.save(tokens.__class__(**{**tokens.__dict__,
                                                   "expires_at": tokens.expires_at - 2.9}))
        xero.tokens._tokens = None
        assert xero.tax_rates()
        assert xero.tokens.refreshes == 1
        assert sb.ledger.count(system="xero", status=401) == 0


def test_lost_refresh_answer_recovers_in_the_grace_period(sandbox: Sandbox,
                                                          tmp_path: Path) -> None:
    settings = _settings(sandbox, tmp_path)
    with _connect(sandbox, tmp_path) as xero:
        first = xero.tokens.store.load()
    assert first is not None
    transport = DropFirst("grant_type=refresh_token")
    sandbox.clock.advance(31 * 60)
    with connect(settings, browser=False, transport=transport, retry=FAST) as xero:
        assert xero.items()
        assert transport.dropped == 1
        now = xero.tokens.store.load()
        assert now is not None and now.refresh_token != first.refresh_token
    # Xero rotated twice (the lost answer and the retry), both from the same token
    assert _token_posts(sandbox) == 1 + 2


def test_stale_refresh_token_after_grace_needs_reconnect(sandbox: Sandbox,
                                                         tmp_path: Path) -> None:
    settings = _settings(sandbox, tmp_path)
    with _connect(sandbox, tmp_path) as xero:
        stale = xero.tokens.store.load()
        sandbox.clock.advance(31 * 60)
        xero.items()  # rotates: `stale` now has 30 minutes of grace
    assert stale is not None
    sandbox.clock.advance(31 * 60)  # past the grace period (and the new access token)
    store = TokenStore.for_settings(settings)
    store.save(stale.__class__(**{**stale.__dict__, "previous_refresh_token": None}))
    with pytest.raises(ReconnectRequired, match="connect to Xero again") as info:
        connect(settings, browser=False, relogin=False)
    assert stale.refresh_token and stale.refresh_token not in str(info.value)
    logins = sandbox.ledger.count(path_prefix="/identity/connect/authorize")
    with connect(settings, browser=False) as xero:  # the default: log in anew
        assert xero.items()
    assert sandbox.ledger.count(path_prefix="/identity/connect/authorize") == logins + 1


def _refresh_in_child(env: dict[str, str], token_dir: str, barrier: Any,
                      out: Any) -> None:
    settings = Settings.from_env(env, token_dir=token_dir)
    barrier.wait(timeout=30)
    try:
        with connect(settings, browser=False) as xero:
            out.put(("ok", xero.organisation()["Name"], xero.tokens.refreshes))
    except MatchkitError as exc:
        out.put(("error", str(exc), -1))


def test_two_processes_refreshing_at_once_both_keep_access(sandbox: Sandbox,
                                                          tmp_path: Path) -> None:
    settings = _settings(sandbox, tmp_path)
    with _connect(sandbox, tmp_path) as xero:
        tokens = xero.tokens.store.load()
        assert tokens is not None
        xero.tokens.store.save(tokens.__class__(**{**tokens.__dict__, "expires_at": 0.0}))
    posts = _token_posts(sandbox)
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    out = ctx.Queue()
    procs = [ctx.Process(target=_refresh_in_child,
                         args=(sandbox.env, settings.token_dir, barrier, out))
             for _ in range(2)]
    for p in procs:
        p.start()
    try:
        results = [out.get(timeout=60) for _ in procs]
    finally:
        for p in procs:
            p.join(timeout=30)
            if p.is_alive():
                p.kill()
    assert [r[0] for r in results] == ["ok", "ok"], results
    assert sorted(r[2] for r in results) == [0, 1]  # one refreshed, the other re-read the file
    assert _token_posts(sandbox) == posts + 1
    with connect(settings, browser=False) as xero:  # and the token left behind works
        assert xero.organisation()


def test_contacts_page_to_the_last_page(tmp_path: Path) -> None:
    contacts = [{"ContactID": str(uuid.UUID(int=i + 1)), "Name": f"Customer {i:05d}",
                 "ContactStatus": "ACTIVE"} for i in range(2345)]
    with start(seed={"Contacts": contacts}) as sb, _connect(sb, tmp_path) as xero:
        got = list(xero.contacts())
        assert sorted(c["ContactID"] for c in got) == sorted(c["ContactID"] for c in contacts)
        pages = [e for e in sb.ledger.entries("xero") if e.path == "/api.xro/2.0/Contacts"]
        assert len(pages) == 3
        assert all("pageSize=1000" in e.query for e in pages)
        # If-Modified-Since: only what changed after the given moment comes back
        since = datetime.fromtimestamp(sb.clock.now() + 1, UTC)
        sb.clock.advance(10)
        created = xero.create_contacts([{"Name": "Changed Later Ltd"}])
        assert created[0].ok
        assert [c["Name"] for c in xero.contacts(modified_since=since)] == ["Changed Later Ltd"]


def test_limiter_keeps_threads_under_the_minute_limit(tmp_path: Path) -> None:
    # sandbox minute = 1 real second; both sides allow 10 calls a minute; 3 threads make
    # 30 calls between them, so the limiter must spread them over at least 3 windows
    with start(seed="demo", time_scale=60) as sb, _connect(sb, tmp_path,
                                                           time_scale=60) as xero:
        sb.xero.set_limits(per_minute=10)
        xero.limiter = RateLimiter(per_minute=10, time_scale=60)
        errors: list[BaseException] = []

        def work() -> None:
            try:
                for _ in range(10):
                    xero.currencies()
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=work) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        api = [e for e in sb.ledger.entries("xero") if e.path.startswith("/api.xro")]
        assert len(api) == 30
        assert [e for e in api if e.status == 429] == []
        assert xero.limiter.waits > 0


def test_server_minute_limit_429_is_waited_out(sandbox: Sandbox, tmp_path: Path) -> None:
    waits: list[str] = []

    def on_wait(seconds: float, why: str) -> None:
        waits.append(why)
        sandbox.clock.advance(61)  # let the sandbox minute pass instead of sleeping it

    # the policy caps the wait (Retry-After honoured up to max_delay; tested in unit tests)
    with _connect(sandbox, tmp_path, on_wait=on_wait,
                  retry=RetryPolicy(base_delay=0.01, max_delay=0.1)) as xero:
        sandbox.xero.set_limits(per_minute=3)
        assert xero.currencies()
        assert xero.limiter.min_remaining == 2
        # another process of the same app uses the rest of this minute
        headers = {"Authorization": f"Bearer {xero.tokens.access_token()}",
                   "xero-tenant-id": xero.tenant_id, "Accept": "application/json"}
        for _ in range(2):
            httpx.get(f"{sandbox.xero_url}/api.xro/2.0/Currencies", headers=headers)
        assert xero.currencies()  # 429 minute -> wait -> retried
    entries = [e for e in sandbox.ledger.entries("xero") if e.path.startswith("/api.xro")]
    assert [e.status for e in entries] == [200, 200, 200, 429, 200]
    assert len(waits) == 1 and "RateLimitError" in waits[0]


def test_random_429_and_5xx_faults_are_retried(sandbox: Sandbox, tmp_path: Path) -> None:
    with _connect(sandbox, tmp_path, retry=RetryPolicy(max_attempts=8, base_delay=0.01,
                                                       max_delay=0.05)) as xero:
        expected = len(list(xero.contacts()))
        sandbox.set_faults("xero", "429=0.25,500=0.1,drop=0.1,html=0.05", seed=7)
        for _ in range(6):
            assert len(list(xero.contacts())) == expected
            assert xero.items()
        faulted = [e for e in sandbox.ledger.entries("xero") if e.fault]
        assert {e.fault for e in faulted} >= {"429", "500"}


def test_idempotent_write_is_retried_once_after_a_drop(sandbox: Sandbox,
                                                       tmp_path: Path) -> None:
    name = f"Idempotent Test {uuid.uuid4().hex[:8]}"
    with _connect(sandbox, tmp_path,
                  on_wait=lambda s, why: sandbox.set_faults("xero", None)) as xero:
        sandbox.set_faults("xero", "drop_after=1")  # apply the write, then lose the answer
        results = xero.create_contacts([{"Name": name}], idempotency_key=f"k-{name}")
        assert [r.ok for r in results] == [True]
        puts = [e for e in sandbox.ledger.entries("xero") if e.method == "PUT"]
        assert len(puts) == 2 and {e.idempotency_key for e in puts} == {f"k-{name}"}
        assert [e.replayed for e in puts] == [False, True]
        same = [c for c in xero.contacts() if c["Name"] == name]
        assert len(same) == 1 and same[0]["ContactID"] == results[0].record["ContactID"]


def test_write_without_key_is_not_retried_after_a_drop(sandbox: Sandbox,
                                                       tmp_path: Path) -> None:
    from matchkit._exceptions import TransportError

    with _connect(sandbox, tmp_path) as xero:
        sandbox.set_faults("xero", "drop_after=1")
        with pytest.raises(TransportError):
            xero.create_contacts([{"Name": f"No Key {uuid.uuid4().hex[:8]}"}])
        assert sandbox.ledger.count(system="xero", method="PUT") == 1


def test_per_element_results_and_validation_messages(sandbox: Sandbox, tmp_path: Path) -> None:
    with _connect(sandbox, tmp_path) as xero:
        existing = next(c for c in xero.contacts() if c.get("ContactStatus") == "ACTIVE")
        fresh = f"Fresh Co {uuid.uuid4().hex[:8]}"
        results = xero.create_contacts([{"Name": fresh}, {"Name": existing["Name"]}],
                                       idempotency_key=uuid.uuid4().hex)
        assert [(r.index, r.ok) for r in results] == [(0, True), (1, False)]
        assert results[0].record["ContactID"]
        assert "must be unique across all active contacts" in results[1].errors[0]


def test_update_contacts_and_items_via_post(sandbox: Sandbox, tmp_path: Path) -> None:
    with _connect(sandbox, tmp_path) as xero:
        contact = next(c for c in xero.contacts() if c.get("ContactStatus") == "ACTIVE")
        item = xero.items()[0]
        new_name = f"Renamed {uuid.uuid4().hex[:8]}"
        done = xero.update_contacts([{"ContactID": contact["ContactID"], "Name": new_name}],
                                    idempotency_key=uuid.uuid4().hex)
        assert done[0].ok and done[0].record["ContactID"] == contact["ContactID"]
        assert any(c["Name"] == new_name for c in xero.contacts())
        done = xero.update_items([{"Code": item["Code"], "Name": "Renamed item"}])
        assert done[0].ok
        assert {i["Code"]: i["Name"] for i in xero.items()}[item["Code"]] == "Renamed item"
        posts = [e for e in sandbox.ledger.entries("xero") if e.method == "POST"]
        assert len(posts) == 2 and all("summarizeErrors=false" in e.query for e in posts)


def test_day_limit_raises_a_clear_error(sandbox: Sandbox, tmp_path: Path) -> None:
    with _connect(sandbox, tmp_path) as xero:
        sandbox.xero.set_limits(per_day=3)
        with pytest.raises(RateLimitError) as info:
            for _ in range(5):
                xero.currencies()
        assert info.value.problem == "day"
        assert "daily call limit" in str(info.value)
        assert sandbox.ledger.count(system="xero", status=429) == 1  # not retried


def test_disconnect_revokes_and_forgets(sandbox: Sandbox, tmp_path: Path) -> None:
    xero = _connect(sandbox, tmp_path)
    path = xero.tokens.store.path
    connection = xero.connection_id
    xero.disconnect()
    assert not path.exists()
    assert sandbox.ledger.count(method="DELETE", path_prefix=f"/connections/{connection}",
                                status=204) == 1
    assert sandbox.ledger.count(method="POST", path_prefix="/connect/revocation",
                                status=200) == 1
    assert sandbox.xero.auth.connections == {}


def test_no_secret_reaches_errors_reprs_or_logs(sandbox: Sandbox, tmp_path: Path,
                                                caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []
    settings = _settings(sandbox, tmp_path)
    xero = _connect(sandbox, tmp_path)
    tokens = xero.tokens.store.load()
    assert tokens is not None
    seen += [repr(xero), repr(xero.tokens), repr(tokens), repr(settings), repr(sandbox)]
    xero._http.headers["xero-tenant-id"] = str(uuid.uuid4())
    with pytest.raises(AuthError) as forbidden:
        xero.items()
    seen += [str(forbidden.value), repr(forbidden.value), repr(forbidden.value.body)]
    sandbox.xero.auth.revoke(tokens.refresh_token or "")
    sandbox.clock.advance(31 * 60)
    with pytest.raises(ReconnectRequired) as dead:
        xero.tokens.refresh(stale=tokens.access_token)
    seen += [str(dead.value), repr(dead.value)]
    bad = settings.with_(xero_client_secret="wrong-" + (settings.xero_client_secret or ""),
                         xero_grant="client_credentials", token_dir=str(tmp_path / "cc"))
    with pytest.raises(AuthError) as refused:
        connect(bad, browser=False)
    seen += [str(refused.value), repr(refused.value)]
    xero.close()
    secrets = [tokens.access_token, tokens.refresh_token or "", sandbox.client_secret,
               bad.xero_client_secret or ""]
    text = "\n".join(seen + [r.getMessage() for r in caplog.records])
    assert len(caplog.records) > 0
    for secret in secrets:
        assert secret and secret not in text
