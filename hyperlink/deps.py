"""The optional `media` extra: import its packages or say exactly what to install."""

from __future__ import annotations

import importlib
from types import ModuleType

from .errors import MissingDependency

__all__ = ["require", "INSTALL_HINT"]

INSTALL_HINT = "pip install -e '.[media]'  (or: pip install 'hyperlink[media]')"


def require(module: str, package: str, needed_for: str) -> ModuleType:
    """``import module``, or raise MissingDependency naming the PyPI ``package`` and the extra."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependency(
            f"{needed_for} needs the optional package {package!r} ({exc}); install the media extra: {INSTALL_HINT}"
        ) from None
