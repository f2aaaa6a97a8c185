"""Secrets: the sandbox's tokens, client secret and Atera key appear nowhere matchkit writes
(logs at DEBUG, stdout/stderr of the CLI, the DuckDB file and every table, an executed
notebook, exception messages and reprs, widget state); token files are private; the OAuth
state and PKCE verifier are checked; servers listen on 127.0.0.1 only; names with <script>
render as text in every widget."""

from __future__ import annotations

import json
import logging
import os
import socket
import stat
import subprocess
import sys
import webbrowser
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import ipywidgets as w
import pytest
from _review_fixtures import build
from _wizard_fixtures import FakeAtera, FakeXero, fake_suggest, fill
from ipywidgets.widgets.widget import _instances as _widget_registry

from matchkit._exceptions import AuthError, MatchkitError
from matchkit.atera import AteraClient
from matchkit.export import ExportOptions, batch_from_file, export_batch
from matchkit.review import Review
from matchkit.snapshot import take_snapshots
from matchkit.store import Workspace
from matchkit.widgets import ExportView, ManageView, ReviewGrid, WizardView
from matchkit.wizard import Wizard
from matchkit.xero._auth import TokenStore, XeroOAuth
from tests._reliability_fixtures import ROOT, Rig, big_batch, dump_workspace, load_demo, rig

Haystack = list[tuple[str, str]]


def _secrets(r: Rig) -> dict[str, str]:
    """Every secret of the sandbox: client secret, Atera key and every access and refresh
    token it ever issued (the sandbox keeps them in memory)."""
    found = {"client secret": r.sb.client_secret, "atera key": r.sb.atera_api_key}
    auth = r.sb.xero.auth
    for i, token in enumerate(list(auth._access)):
        found[f"access token {i}"] = token
    for i, token in enumerate(list(auth._refresh)):
        found[f"refresh token {i}"] = token
    assert all(len(v) >= 16 for v in found.values())
    return found


def _leaks(secrets: dict[str, str], haystack: Iterable[tuple[str, str]]) -> list[str]:
    return [f"{name} in {where}" for where, text in haystack
            for name, value in secrets.items() if value in text]


def _exc_texts(label: str, exc: BaseException) -> Haystack:
    out: Haystack = []
    seen: BaseException | None = exc
    while seen is not None:
        out += [(f"{label} str", str(seen)), (f"{label} repr", repr(seen)),
                (f"{label} args", repr(seen.args)), (f"{label} vars", repr(vars(seen)))]
        seen = seen.__cause__ or seen.__context__
    return out


def _widget_states() -> Haystack:
    return [(f"widget {type(x).__name__} {mid}", json.dumps(x.get_state(), default=str))
            for mid, x in list(_widget_registry.items())]


def _cli_logged(r: Rig, *args: str) -> tuple[int, str, str]:
    """The CLI with the root logger at DEBUG on stderr (what a person debugging would do)."""
    code = ("import logging, sys; logging.basicConfig(level=logging.DEBUG); "
            "from matchkit.cli import main; sys.argv = ['matchkit', *sys.argv[1:]]; main()")
    proc = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, env=r.env,
                          capture_output=True, text=True, timeout=240)
    return proc.returncode, proc.stdout, proc.stderr


def test_probe_finds_a_planted_secret() -> None:
    """The scan below can fail: a secret anywhere in a text is found."""
    assert _leaks({"k": "s3cr3t-value-123456"}, [("x", "a s3cr3t-value-123456 b")]) == [
        "k in x"]


def test_main_flows_write_no_secret_anywhere(tmp_path: Path, caplog: pytest.LogCaptureFixture,
                                             capfd: pytest.CaptureFixture[str]) -> None:
    caplog.set_level(logging.DEBUG)
    hay: Haystack = []
    with rig(tmp_path, connect=False) as r:
        ws = r.ws()
        # connect (a full login), snapshot, wizard auto + Done, export
        xero = r.client()
        atera = AteraClient.from_settings(r.settings, rate=0)
        take_snapshots(ws, atera=atera, xero=xero, progress=True)
        wiz = Wizard(ws, xero=xero, atera=atera, suggest=fake_suggest, who="secrets")
        wiz.connect()
        wiz.auto()
        view = WizardView(wiz)  # widget state of a wizard that has seen everything
        wiz.done()
        load_demo(ws)
        path = tmp_path / "batch.json"
        path.write_text(json.dumps(big_batch(60)))
        result = export_batch(ws, xero, batch_from_file(path), ExportOptions())
        assert result.ok, result.summary()
        ev = ExportView(ws, xero, batch_from_file(path))
        hay += [("repr xero", repr(xero)), ("repr atera", repr(atera)),
                ("repr settings", repr(r.settings)), ("repr wizard", repr(wiz)),
                ("repr view", repr(view)), ("repr export view", repr(ev)),
                ("repr token store", repr(TokenStore.for_settings(r.settings))),
                ("vars xero", repr(vars(xero)))]
        # errors: a wrong client secret, a grant revoked at Xero, an Atera key refused
        stored = TokenStore.for_settings(r.settings).load()
        assert stored is not None and stored.refresh_token
        wrong = XeroOAuth(r.settings.with_(xero_client_secret="wrong-" + "x" * 30))
        with pytest.raises(MatchkitError) as bad_secret:
            wrong.refresh(stored.refresh_token, None)
        hay += _exc_texts("wrong secret", bad_secret.value)
        with AteraClient(r.sb.atera_url, "not-the-key", rate=0) as wrong, \
                pytest.raises(MatchkitError) as bad_key:
            wrong.customers()
        hay += _exc_texts("bad atera key", bad_key.value)
        httpx.post(f"{r.sb.xero_url}/connect/revocation", data={"token": stored.refresh_token},
                   auth=(r.sb.client_id, r.sb.client_secret), timeout=10)
        with pytest.raises(MatchkitError) as revoked:  # revoked at Xero: asks to reconnect
            r.client(relogin=False)
        hay += _exc_texts("revoked", revoked.value)
        xero.close()
        atera.close()
        # the CLI at DEBUG
        for args in (("snapshot",), ("export", "--file", str(path))):
            _code, out, err = _cli_logged(r, *args)
            assert "Traceback" not in err, err[-2000:]
            hay += [(f"cli {' '.join(args)} stdout", out), (f"cli {' '.join(args)} stderr", err)]
        secrets = _secrets(r)
        out, err = capfd.readouterr()
        hay += [("stdout", out), ("stderr", err)]
        hay += [(f"log {rec.name}", rec.getMessage()) for rec in caplog.records]
        hay += [(f"log exc {rec.name}", repr(rec.exc_info)) for rec in caplog.records
                if rec.exc_info]
        hay += _widget_states()
        # the workspace: every table, and the raw bytes of the file (and its WAL)
        for table, rows in dump_workspace(r.ws_path).items():
            hay.append((f"table {table}", repr(rows)))
        for f in Path(r.ws_path).parent.glob(Path(r.ws_path).name + "*"):
            hay.append((f"file {f.name}", f.read_bytes().decode("latin-1")))
        assert len(caplog.records) > 20 and any(h[0] == "table export_log" for h in hay)
        leaks = _leaks(secrets, hay)
        assert not leaks, leaks
        # Token files: 0600 in a 0700 directory; the only place tokens are kept.
        token_dir = r.settings.token_path
        assert stat.S_IMODE(token_dir.stat().st_mode) == 0o700
        files = [p for p in token_dir.iterdir() if p.suffix == ".json"]
        assert files and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in files), [
            (p.name, oct(p.stat().st_mode)) for p in token_dir.iterdir()]
        # Anything else there (filelock's .lock files) is empty.
        assert all(p.stat().st_size == 0 for p in token_dir.iterdir() if p not in files)


@pytest.mark.notebook
def test_executed_notebook_holds_no_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                           ) -> None:
    papermill = pytest.importorskip("papermill")
    with rig(tmp_path) as r:
        load_demo(r.ws())
        for k, v in r.env.items():
            if k.startswith("MATCHKIT_"):
                monkeypatch.setenv(k, v)
        out = tmp_path / "03_out.ipynb"
        papermill.execute_notebook(
            str(ROOT / "notebooks" / "03_export_invoices.ipynb"), str(out),
            parameters={"workspace": r.ws_path}, cwd=str(ROOT / "notebooks"),
            progress_bar=False, log_output=False, kernel_name="python3")
        text = out.read_text(encoding="utf-8")
        assert '"output_type"' in text
        # The notebook really worked against this sandbox (so it held its tokens).
        assert r.sb.ledger.count(system="xero", method="PUT") > 0
        leaks = _leaks(_secrets(r), [("executed notebook 03", text)])
        assert not leaks, leaks


# --- OAuth state and PKCE --------------------------------------------------------------------

def test_a_forged_login_redirect_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                            ) -> None:
    with rig(tmp_path, connect=False) as r:
        def attacker(url: str, *args: Any, **kwargs: Any) -> bool:
            # Instead of the person's login, someone else's redirect reaches the listener.
            redirect = parse_qs(urlsplit(url).query)["redirect_uri"][0]
            httpx.get(redirect, params={"code": "stolen-code", "state": "forged-state"},
                      timeout=5)
            return True

        monkeypatch.setattr(webbrowser, "open", attacker)
        with pytest.raises(AuthError, match="wrong state"):
            XeroOAuth(r.settings).authorization_code(browser=True, timeout=20)
        assert r.sb.ledger.count(path_prefix="/connect/token") == 0  # the code never used
        assert TokenStore.for_settings(r.settings).load() is None


def test_a_wrong_pkce_verifier_is_refused_by_the_sandbox(tmp_path: Path) -> None:
    import base64
    import hashlib

    with rig(tmp_path, connect=False) as r:
        verifier = "v" * 64
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()
                                             ).rstrip(b"=").decode()
        redirect = r.sb.redirect_uri  # Xero takes only a registered redirect URI
        with httpx.Client(base_url=r.sb.xero_url, timeout=10) as http:
            answer = http.get("/identity/connect/authorize", params={
                "response_type": "code", "client_id": r.sb.client_id,
                "redirect_uri": redirect, "scope": "offline_access accounting.contacts",
                "state": "s" * 20, "code_challenge": challenge,
                "code_challenge_method": "S256"})
            code = parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]
            refused = http.post("/connect/token", data={
                "grant_type": "authorization_code", "code": code, "redirect_uri": redirect,
                "code_verifier": "w" * 64}, auth=(r.sb.client_id, r.sb.client_secret))
        assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"


# --- loopback only ---------------------------------------------------------------------------

def _listening(pid: int) -> list[tuple[str, int]]:
    """(address, port) of every listening TCP socket of process ``pid`` (Linux /proc)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found = []
    for table, size in (("tcp", 4), ("tcp6", 16)):
        lines = Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]
        for line in lines:
            parts = line.split()
            local, state, inode = parts[1], parts[3], parts[9]
            if state != "0A" or inode not in inodes:  # 0A: LISTEN
                continue
            addr_hex, port_hex = local.split(":")
            raw = bytes.fromhex(addr_hex)
            # /proc prints each 32-bit word in host (little-endian) order
            raw = b"".join(raw[i:i + 4][::-1] for i in range(0, size, 4))
            family = socket.AF_INET if size == 4 else socket.AF_INET6
            found.append((socket.inet_ntop(family, raw), int(port_hex, 16)))
    return found


def _loopback(addr: str) -> bool:
    return addr.startswith("127.") or addr in ("::1", "::ffff:127.0.0.1")


@pytest.mark.skipif(not Path("/proc/self/net/tcp").exists(), reason="needs Linux /proc")
def test_sandbox_and_jupyterlab_listen_on_loopback_only(tmp_path: Path) -> None:
    from tests._jupyterlab import running_lab

    proc = subprocess.Popen([sys.executable, "-m", "matchkit", "sandbox", "--seed", "empty"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout is not None
        info = json.loads(proc.stdout.readline())
        ports = {urlsplit(info["xero"]["api_url"]).port, urlsplit(info["atera"]["api_url"]).port}
        bound = _listening(proc.pid)
        assert ports <= {p for _, p in bound}, (ports, bound)
        assert bound and all(_loopback(a) for a, _ in bound), bound
    finally:
        proc.terminate()
        proc.communicate(timeout=30)
    (tmp_path / "root").mkdir()
    with running_lab(tmp_path / "root", tmp_path / "lab") as lab:
        port = urlsplit(lab.base).port
        pids = [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()]
        bound = []
        for pid in pids:
            try:
                cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
                if b"jupyterlab" in cmd and f"--port={port}".encode() in cmd:
                    bound += _listening(pid)
            except OSError:
                continue
        assert port in {p for _, p in bound}, bound
        assert all(_loopback(a) for a, _ in bound), bound


# --- <script> renders as text in every widget --------------------------------------------------

SCRIPT = "<script>alert(1)</script>"


def _walk(widget: w.Widget) -> Iterator[w.Widget]:
    yield widget
    for child in getattr(widget, "children", ()) or ():
        yield from _walk(child)


def _html_values(root: w.Widget) -> list[str]:
    return [x.value for x in _walk(root) if isinstance(x, w.HTML | w.HTMLMath)]


def test_script_names_render_as_text_in_every_widget(tmp_path: Path) -> None:
    shown: dict[str, list[str]] = {}
    # wizard and manage (their fixtures name a customer "<script>alert(1)</script> Pty")
    x, a = FakeXero(), FakeAtera()
    ws = fill(Workspace.open(), xero=x, atera=a)
    wiz = Wizard(ws, xero=x, atera=a, suggest=fake_suggest)
    view = WizardView(wiz, connector=lambda: (x, a), page_size=50)
    view.connect()
    pages = []
    for _ in range(4):
        pages += _html_values(view.widget)
        view.next(confirm=True)
    pages += _html_values(view.widget)
    shown["wizard"] = pages
    view.done()
    manage = Wizard(ws, xero=x, atera=a, suggest=fake_suggest, manage=True)
    manage.use_workspace()
    mv = ManageView(manage, page_size=50)
    pages = []
    for tab in ("Customers", "Products", "Changes", "Invoices", "Taxes"):
        mv.show(tab)
        pages += _html_values(mv.widget)
    shown["manage"] = pages
    # review grid over suggestions for a customer with that name
    rws, sugg = build(12, names={3: f"{SCRIPT} Holdings"})
    rws.record_suggestions("customers", sugg)
    grid = ReviewGrid(Review.from_workspace(rws, "customers"))
    grid.select("3")
    shown["review"] = _html_values(grid.widget)
    # export view: a batch whose customer has that name (refused, listed in the problems)
    with rig(tmp_path) as r:
        ews = r.ws()
        load_demo(ews)
        inv = big_batch(1)[0]
        inv["To"]["CompanyName"] = f"{SCRIPT} Ltd"
        path = tmp_path / "b.json"
        path.write_text(json.dumps([inv]))
        with r.client() as xero:
            ev = ExportView(ews, xero, batch_from_file(path))
            ev.check_button.click()
            assert ev.errors.last is None, ev.errors.last
            shown["export"] = _html_values(ev.widget)
    for name, values in shown.items():
        text = "\n".join(values)
        assert "<script" not in text.lower(), f"raw <script> in the {name} widget"
        assert "&lt;script&gt;" in text, f"the {name} widget never showed the name"
