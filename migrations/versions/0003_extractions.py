"""extractions

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 07:53:20.285695
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('extractions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('video_id', sa.Integer(), nullable=False),
    sa.Column('space_id', sa.Integer(), nullable=False),
    sa.Column('extractor', sa.String(), nullable=False),
    sa.Column('version', sa.String(), nullable=False),
    sa.Column('items', sa.Integer(), nullable=False),
    sa.Column('at', sa.String(), nullable=False),
    sa.ForeignKeyConstraint(['space_id'], ['feature_spaces.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['video_id'], ['videos.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('video_id', 'space_id', name='uq_extractions_video_space')
    )


def downgrade() -> None:
    op.drop_table('extractions')
