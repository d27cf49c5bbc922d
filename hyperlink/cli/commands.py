"""Import every command module so each registers on the app."""

from . import ingest  # noqa: F401
from . import evaluate  # noqa: F401
