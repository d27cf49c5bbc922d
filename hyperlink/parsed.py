"""What every reader returns: the items of a file with the line each came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, Iterator, TypeVar

from .errors import InputError

__all__ = ["Parsed"]

T = TypeVar("T")


@dataclass
class Parsed(Generic[T]):
    """Items read from ``path``; ``lines[i]`` is the 1-based line (or row) of ``items[i]``."""

    path: str
    items: list[T] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def add(self, item: T, line: int) -> None:
        self.items.append(item)
        self.lines.append(line)

    def error(self, i: int, message: str) -> InputError:
        """An InputError located at item ``i``'s line, for validation done after parsing."""
        return InputError(message, self.path, self.lines[i])

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)
