"""Text as matchkit reads and names it: files (snapshot files, invoice batches, decisions,
match CSVs, mapping CSVs) are UTF-8, with or without a byte-order mark, anything else refused
naming the file and line; a bad value in a message is shown short."""

from __future__ import annotations

from ._exceptions import LoadError

__all__ = ["decode_utf8", "short_repr"]


def decode_utf8(data: bytes, file: str, *, what: str = "") -> str:
    """``data`` as text, or a :class:`LoadError` saying how to save the file (``what``: the
    format to name in that advice, e.g. " CSV")."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text", PowerShell's >
        raise LoadError(f"the file is UTF-16; save it as UTF-8{what}", file=file)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise LoadError(f"line {line}: not valid UTF-8 (byte 0x{data[exc.start]:02x} at "
                        f"offset {exc.start}); save the file as UTF-8{what}", file=file) from None


def short_repr(value: object, width: int = 40) -> str:
    """``repr(value)`` cut to ``width`` characters, for a message that names a bad value."""
    text = repr(value)
    return text if len(text) <= width else text[:width - 3] + "..."
