"""``matchkit settings``: export settings set, shown and unset from a terminal, each checked
together with the rest before anything is written."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from matchkit.cli import main
from matchkit.export import ExportOptions
from matchkit.store import Workspace


def test_settings_set_show_unset_and_refuse_what_cannot_work(tmp_path: Path) -> None:
    env = {"MATCHKIT_WORKSPACE": str(tmp_path / "ws.duckdb")}
    run = CliRunner().invoke

    def settings_now() -> dict[str, object]:
        ws = Workspace.open(env["MATCHKIT_WORKSPACE"])
        try:
            return {k: v for k, v in ws.settings().items() if k.startswith("export.")}
        finally:
            ws.close()

    shown = run(main, ["settings", "show"], env=env)
    assert shown.exit_code == 0, shown.output
    assert "export.status" in shown.output and "DRAFT" in shown.output
    assert "(set)" not in shown.output
    # AUTHORISED needs a sales account: refused, nothing written
    bad = run(main, ["settings", "set", "export.status", "AUTHORISED"], env=env)
    assert bad.exit_code == 2 and "sales account" in bad.output
    assert settings_now() == {}
    for args, message in ((["due_days", "soon"], "whole number"),
                          (["credit_notes", "maybe"], "true or false"),
                          (["per_request", "51"], "1-50"),
                          (["colour", "red"], "unknown setting")):
        res = run(main, ["settings", "set", *args], env=env)
        assert res.exit_code == 2 and message in res.output, res.output
    assert settings_now() == {}
    for key, value in (("export.sales_account", "200"), ("status", "AUTHORISED"),
                       ("credit_notes", "no"), ("per_request", "20")):
        res = run(main, ["settings", "set", key, value], env=env)
        assert res.exit_code == 0, res.output
    assert settings_now() == {"export.sales_account": "200", "export.status": "AUTHORISED",
                              "export.credit_notes": False, "export.per_request": 20}
    ws = Workspace.open(env["MATCHKIT_WORKSPACE"])
    options = ExportOptions.from_workspace(ws)
    ws.close()
    assert (options.status, options.sales_account, options.credit_notes,
            options.per_request) == ("AUTHORISED", "200", False, 20)
    assert "AUTHORISED" in run(main, ["settings", "show"], env=env).output
    # the sales account cannot go while AUTHORISED needs it: refused, still there
    res = run(main, ["settings", "unset", "export.sales_account"], env=env)
    assert res.exit_code == 2 and "sales account" in res.output
    assert settings_now()["export.sales_account"] == "200"
    assert run(main, ["settings", "unset", "status"], env=env).exit_code == 0
    assert run(main, ["settings", "unset", "sales_account"], env=env).exit_code == 0
    assert settings_now() == {"export.credit_notes": False, "export.per_request": 20}
