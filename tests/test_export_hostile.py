"""A batch where a third of the invoices are hostile, exported with ``matchkit export`` against
the sandbox (issue 17): every good invoice reaches Xero exactly once, each bad one is refused
with its number, line, field and reason, and a second run adds nothing."""

from __future__ import annotations

import copy
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from matchkit.cli import main
from tests._export_fixtures import Env, export_env, load_demo
from tests._reliability_fixtures import big_batch

Change = Callable[[dict[str, Any]], None]


def _line(**values: Any) -> Change:
    return lambda inv: inv["LineItems"][0].update(values)


def _set(**values: Any) -> Change:
    return lambda inv: inv.update(values)


# number offset -> (change, words its refusal must hold)
HOSTILE: list[tuple[Change, tuple[str, ...]]] = [
    (_line(Quantity=999_999_999, Rate=999_999_999), ("line 1", "line amount", "too large")),
    (_set(InvoiceDate="9999-12-25T00:00:00"), ("InvoiceDate 9999-12-25", "9999-12-31")),
    (_line(DiscountPercentage=150), ("line 1", "DiscountPercentage 150", "0-100 %")),
    (_line(Rate=float("nan")), ("line 1", "Rate nan", "not a finite number")),
    (_set(Currency="XYZ"), ("currency XYZ", "not enabled")),
    (_line(Description="Support\x00\x1b[31m"), ("line 1", "control characters")),
    (_set(LineItems=[]), ("no lines",)),
    (_set(LineItems="all of them"), ("LineItems must be a list",)),
    (_line(Quantity=1.23456, Rate=1000), ("line 1", "Quantity 1.23456",
                                           "more than 4 decimals")),
    (_line(Quantity="twelve"), ("line 1", "Quantity 'twelve' is not a number")),
]


def _run(env: Env, *args: str) -> Any:
    cli_env = {**env.sb.env, "MATCHKIT_WORKSPACE": env.settings.workspace,
               "MATCHKIT_TOKEN_DIR": str(env.settings.token_path)}
    return CliRunner().invoke(main, list(args), env=cli_env)


def _in_xero(env: Env) -> Counter[str]:
    return Counter(str(i["InvoiceNumber"]) for i in env.xero_invoices())


def test_a_third_hostile_batch_exports_the_good_once_and_refuses_each_bad(
        tmp_path: Path) -> None:
    good = big_batch(20, first_number=95001)
    bad = []
    for i, (change, _words) in enumerate(HOSTILE):
        inv = copy.deepcopy(big_batch(1, first_number=95101 + i)[0])
        change(inv)
        bad.append(inv)
    batch = [x for pair in zip(good[::2], good[1::2], bad, strict=True) for x in pair]
    assert len(batch) == 30 and len(bad) * 3 == len(batch)
    path = tmp_path / "batch.json"
    path.write_text(json.dumps(batch))  # NaN as JSON's NaN literal, as Python writes it
    good_numbers = {str(i["InvoiceNumber"]) for i in good}
    bad_numbers = [str(i["InvoiceNumber"]) for i in bad]
    with export_env(tmp_path) as env:
        load_demo(env.ws)
        before = _in_xero(env)
        first = _run(env, "export", "--file", str(path))
        assert first.exit_code == 0, first.output  # every valid invoice is in Xero
        assert "Traceback" not in first.output
        assert "20 exported, 0 already in Xero, 10 refused, 0 failed" in first.stdout
        errors = [line for line in first.stderr.splitlines() if line.startswith("error")]
        for number, (_change, words) in zip(bad_numbers, HOSTILE, strict=True):
            said = [e for e in errors if f"invoice {number}" in e]
            assert said, f"invoice {number} refused without a word"
            missing = [w for w in words if not any(w in e for e in said)]
            assert not missing, (number, missing, said)
        added = _in_xero(env) - before
        assert set(added) == good_numbers and all(n == 1 for n in added.values())
        state = env.ws.sql("SELECT atera_invoice, status, error FROM export_state")
        by_number = dict(zip(state["atera_invoice"], state["status"], strict=True))
        assert all(by_number[n] == "exported" for n in good_numbers)
        assert all(by_number[n] == "refused" for n in bad_numbers)
        puts = env.sb.ledger.count(system="xero", method="PUT")

        again = _run(env, "export", "--file", str(path))
        assert again.exit_code == 0, again.output
        assert "0 exported, 20 already in Xero, 10 refused, 0 failed" in again.stdout
        assert _in_xero(env) - before == added  # nothing new in Xero
        assert env.sb.ledger.count(system="xero", method="PUT") == puts  # nothing even sent
