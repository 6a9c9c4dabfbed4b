"""A read-only mapping built on first access: parsing work in proportion to what is read.

A handler that answers "welcome" never looks at the contexts or parameters of a 4 KB
Assistant request; normalising them eagerly was half of its CPU. `Lazy` takes a function
that builds the dict and calls it the first time anything reads the mapping. The builder
must be pure (two threads racing to the first read may both call it; either result is the
same), and is kept, so there is no ordering between the two fields to get wrong.
"""

from __future__ import annotations

from typing import Any, Callable, ItemsView, Iterator, KeysView, Mapping, ValuesView


class Lazy(Mapping[str, Any]):
    """A Mapping whose contents `build()` returns on first access, then reused."""

    __slots__ = ("_build", "_data")

    def __init__(self, build: Callable[[], dict[str, Any]]) -> None:
        self._build = build
        self._data: dict[str, Any] | None = None

    def _resolved(self) -> dict[str, Any]:
        data = self._data
        if data is None:
            data = self._data = self._build()
        return data

    def __getitem__(self, key: str) -> Any:
        return self._resolved()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._resolved())

    def __len__(self) -> int:
        return len(self._resolved())

    def __contains__(self, key: object) -> bool:
        return key in self._resolved()

    def get(self, key: str, default: Any = None) -> Any:
        return self._resolved().get(key, default)

    def keys(self) -> KeysView[str]:
        return self._resolved().keys()

    def values(self) -> ValuesView[Any]:
        return self._resolved().values()

    def items(self) -> ItemsView[str, Any]:
        return self._resolved().items()

    def __eq__(self, other: object) -> bool:
        return self._resolved() == (other._resolved() if isinstance(other, Lazy) else other)

    __hash__ = None  # type: ignore[assignment]   # mappings are not hashable

    def __repr__(self) -> str:
        return repr(self._resolved())
