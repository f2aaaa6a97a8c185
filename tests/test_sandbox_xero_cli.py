"""``matchkit sandbox`` as a user runs it: a real process, one JSON line, then serving."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import httpx
import pytest
from _sandbox_fixtures import SCOPES

from matchkit._config import ENV_VARS, Settings
from matchkit.sandbox import start


def test_sandbox_command_prints_one_json_line_and_serves() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "matchkit", "sandbox", "--seed", "empty", "--time-scale", "60",
         "--faults", "latency=1ms"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        info = json.loads(proc.stdout.readline())
        env = info["env"]
        assert set(env) <= set(ENV_VARS)
        assert {"MATCHKIT_XERO_CLIENT_ID", "MATCHKIT_XERO_CLIENT_SECRET",
                "MATCHKIT_XERO_LOGIN_URL", "MATCHKIT_XERO_IDENTITY_URL",
                "MATCHKIT_XERO_API_URL", "MATCHKIT_XERO_WEB_URL",
                "MATCHKIT_ATERA_API_KEY"} <= set(env)
        settings = Settings.from_env(env)
        assert settings.xero_api_url.startswith("http://127.0.0.1:")
        assert info["tenant_id"] and info["time_scale"] == 60.0
        token = httpx.post(info["xero"]["token_url"], data={
            "grant_type": "client_credentials", "scope": SCOPES.replace("offline_access ", "")},
            auth=(info["xero"]["client_id"], info["xero"]["client_secret"]), timeout=10)
        assert token.status_code == 200
        org = httpx.get(info["xero"]["api_url"] + "/Organisation", timeout=10, headers={
            "Authorization": f"Bearer {token.json()['access_token']}",
            "xero-tenant-id": info["tenant_id"], "Accept": "application/json"})
        assert org.json()["Organisations"][0]["OrganisationID"] == info["tenant_id"]
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert out == ""  # nothing after the one line


def test_sandbox_command_refuses_bad_options() -> None:
    bad = subprocess.run([sys.executable, "-m", "matchkit", "sandbox", "--faults", "boom=1"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0 and "unknown fault 'boom'" in bad.stderr
    with start(seed="empty") as sb:
        taken = sb.xero_url.rsplit(":", 1)[1]
        busy = subprocess.run([sys.executable, "-m", "matchkit", "sandbox", "--seed", "empty",
                               "--port", taken], capture_output=True, text=True, timeout=60)
    assert busy.returncode != 0 and f"port {taken}" in busy.stderr.lower()
    assert "Traceback" not in busy.stderr
    scale = subprocess.run([sys.executable, "-m", "matchkit", "sandbox", "--time-scale", "0"],
                           capture_output=True, text=True, timeout=60)
    assert scale.returncode != 0 and "--time-scale" in scale.stderr


def test_start_serves_atera_beside_xero() -> None:
    with start(seed="demo") as sb:
        assert sb.atera is not None and sb.atera_url is not None
        assert sb.env["MATCHKIT_ATERA_URL"] == sb.atera_url != sb.xero_url
        url = f"{sb.atera_url}/api/v3/customers"
        ok = httpx.get(url, headers={"X-API-KEY": sb.atera_api_key}, timeout=10)
        assert ok.status_code == 200
        assert httpx.get(url, headers={"X-API-KEY": "wrong"}, timeout=10).status_code == 401
        sb.set_faults("atera", "500=1")
        assert httpx.get(url, headers={"X-API-KEY": sb.atera_api_key},
                         timeout=10).status_code == 500
        assert sb.ledger.count(system="atera") == 3
    with pytest.raises(httpx.TransportError):  # stopped: nothing listens any more
        httpx.get(url, timeout=2)
