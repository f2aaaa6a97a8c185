"""The wizard's steps, in order."""

from __future__ import annotations

from enum import IntEnum

__all__ = ["Step"]


class Step(IntEnum):
    CONNECT = 0
    WELCOME = 1
    PRODUCTS = 2
    CUSTOMERS = 3
    IMPORTS = 4
    SUMMARY = 5
    DONE = 6

    @property
    def title(self) -> str:
        return {0: "Connect", 1: "Welcome", 2: "Match products", 3: "Match customers",
                4: "Import into Atera", 5: "Summary", 6: "Done"}[int(self)]
