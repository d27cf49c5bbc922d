"""Create or upgrade a store to the newest schema with the alembic migrations shipped in the package."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

__all__ = ["migrations_dir", "upgrade_to_head", "current_revision", "head_revision", "known_revisions"]


def migrations_dir() -> Path:
    """The migrations: inside the installed wheel, or the source tree's top-level `migrations/`."""
    packaged = Path(str(resources.files("hyperlink"))) / "_migrations"
    if (packaged / "env.py").is_file():
        return packaged
    source = Path(__file__).resolve().parents[2] / "migrations"
    if (source / "env.py").is_file():
        return source
    raise FileNotFoundError("hyperlink's migrations are missing from this installation; reinstall the package")


def _config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    return ScriptDirectory.from_config(_config()).get_current_head()


def known_revisions() -> set[str]:
    return {script.revision for script in ScriptDirectory.from_config(_config()).walk_revisions()}


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def upgrade_to_head(connection: Connection) -> None:
    """Bring the database behind ``connection`` to head (a no-op when it is already there)."""
    if current_revision(connection) == head_revision():
        return
    command.upgrade(_config(connection), "head")
