"""vector files: vectors move from BLOBs to .npy blocks beside the database; store_meta

Each vector row keeps ``(block_id, row)`` into ``vector_blocks``; existing BLOBs are written out as
blocks (one per space and table, in chunks) while the tables are rebuilt.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 10:40:00
"""

from alembic import op
import sqlalchemy as sa

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

_TABLES = (  # table, kind, key columns
    ('segment_vectors', 'segment', ('segment_id', 'space_id')),
    ('cue_vectors', 'cue', ('cue_id', 'space_id')),
    ('keyframe_vectors', 'keyframe', ('id',)),
)
_CHUNK = 32768


def _move(conn, files, table: str, kind: str, key: tuple[str, ...]) -> None:
    """Write the BLOBs of ``table`` into blocks and point each row at its block and row."""
    from hyperlink.store.vectors import from_blobs

    dims = dict(conn.execute(sa.text("SELECT id, dim FROM feature_spaces")).all())
    spaces = [r[0] for r in conn.execute(sa.text(f"SELECT DISTINCT space_id FROM {table}")).all()]
    blocks = sa.table('vector_blocks', sa.column('id'), sa.column('space_id'), sa.column('kind'), sa.column('file'),
                      sa.column('rows'), sa.column('dim'), sa.column('sha256'))
    cols = ", ".join(key)
    where = " AND ".join(f"{k} = :{k}" for k in key)
    for space in spaces:
        rows = conn.execute(sa.text(f"SELECT {cols}, vector FROM {table} WHERE space_id = :s ORDER BY {cols}"),
                            {"s": space}).all()
        for start in range(0, len(rows), _CHUNK):
            part = rows[start:start + _CHUNK]
            matrix = from_blobs([r[-1] for r in part], dims[space])
            name = files.new_name(space, kind)
            temp, digest = files.write_temp(name, matrix)
            files.publish(name, temp)  # an aborted migration leaves it unreferenced: recover() removes it
            block = conn.execute(blocks.insert().values(space_id=space, kind=kind, file=name, rows=len(part),
                                                        dim=dims[space], sha256=digest)).inserted_primary_key[0]
            conn.execute(sa.text(f"UPDATE {table} SET block_id = :b, row = :r WHERE {where}"),
                         [dict(zip(key, r[:-1]), b=block, r=i) for i, r in enumerate(part)])


def upgrade() -> None:
    from hyperlink.store.vector_files import VectorFiles
    from hyperlink.store.store import vector_dir_for

    op.create_table('vector_blocks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('space_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(), nullable=False),
    sa.Column('file', sa.String(), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('dim', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(), nullable=False),
    sa.CheckConstraint("kind IN ('segment', 'keyframe', 'cue')", name='ck_vector_blocks_kind'),
    sa.ForeignKeyConstraint(['space_id'], ['feature_spaces.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('file')
    )
    op.create_table('store_meta',
    sa.Column('key', sa.String(), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    conn = op.get_bind()
    root = vector_dir_for(conn.engine.url.render_as_string(hide_password=False))
    for table, kind, key in _TABLES:
        with op.batch_alter_table(table) as b:
            b.add_column(sa.Column('block_id', sa.Integer(), nullable=True))
            b.add_column(sa.Column('row', sa.Integer(), nullable=True))
        has_rows = conn.execute(sa.text(f"SELECT 1 FROM {table} LIMIT 1")).first() is not None
        if has_rows:
            if root is None:
                raise RuntimeError("an in-memory store cannot hold vectors from an older schema")
            _move(conn, VectorFiles(root), table, kind, key)
        with op.batch_alter_table(table) as b:
            b.drop_column('vector')
            b.alter_column('block_id', existing_type=sa.Integer(), nullable=False)
            b.alter_column('row', existing_type=sa.Integer(), nullable=False)
            b.create_foreign_key(f'fk_{table}_block', 'vector_blocks', ['block_id'], ['id'])
            b.create_index(f'ix_{table}_block', ['block_id'])
    with op.batch_alter_table('segment_vectors') as b:
        b.create_index('ix_segment_vectors_space', ['space_id', 'segment_id'])
    with op.batch_alter_table('segments') as b:
        b.create_index('ix_segments_origin', ['origin'])


def downgrade() -> None:
    raise NotImplementedError("the vector files cannot be folded back into BLOBs; restore a backup of the store")
