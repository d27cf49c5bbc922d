from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from hyperlink.store import Store
from hyperlink.store.migrate import head_revision, migrations_dir, upgrade_to_head
from hyperlink.store.schema import Base


def test_empty_database_upgrades_to_head_matching_the_orm(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    with engine.begin() as conn:
        upgrade_to_head(conn)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn)
        assert ctx.get_current_revision() == head_revision()
        assert compare_metadata(ctx, Base.metadata) == []


def test_open_is_idempotent_and_creates_every_table(tmp_path):
    Store.open(tmp_path / "s.db").close()
    store = Store.open(tmp_path / "s.db")
    names = set(inspect(store.engine).get_table_names())
    assert {"videos", "cues", "feature_spaces", "keyframe_vectors", "segments", "segment_vectors",
            "anchors", "judgments", "models", "cue_vectors", "ingests"} <= names


def test_migrations_are_found():
    assert (migrations_dir() / "env.py").is_file()


def test_sqlite_pragmas_are_on(store):
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_a_store_at_the_first_revision_upgrades_with_its_data(tmp_path):
    from alembic import command

    from hyperlink.store.migrate import _config

    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    with engine.begin() as conn:
        command.upgrade(_config(conn), "0001")
        conn.exec_driver_sql("INSERT INTO feature_spaces (name, modality, dim, extractor) VALUES ('cnn', 'visual', 4, '')")
    store = Store.open(tmp_path / "old.db")
    (space,) = store.feature_spaces()
    assert (space.name, space.dim) == ("cnn", 4)
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT revision FROM feature_spaces").scalar() == 0
        assert MigrationContext.configure(conn).get_current_revision() == head_revision()
