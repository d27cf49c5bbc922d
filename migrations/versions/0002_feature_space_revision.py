"""feature space revision

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 07:16:14.694633
"""

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('feature_spaces', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revision', sa.Integer(), server_default='0', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('feature_spaces', schema=None) as batch_op:
        batch_op.drop_column('revision')

