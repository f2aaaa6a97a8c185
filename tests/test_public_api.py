"""The public API is short and deliberate: this test guards it (as httpx does)."""

import matchkit


def test_all_lists_exactly_the_public_names() -> None:
    public = {name for name in vars(matchkit) if not name.startswith("_")}
    # submodules imported as a side effect are not part of the API
    modules = {name for name in public if type(getattr(matchkit, name)).__name__ == "module"}
    assert sorted(public - modules) == sorted(matchkit.__all__)


def test_every_error_derives_from_the_root() -> None:
    errors = [getattr(matchkit, n) for n in matchkit.__all__ if n.endswith(("Error", "Required"))]
    assert errors
    for err in errors:
        assert issubclass(err, matchkit.MatchkitError), err
