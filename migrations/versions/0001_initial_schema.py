"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-22 06:50:11.114029
"""

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('feature_spaces',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('modality', sa.String(), nullable=False),
    sa.Column('dim', sa.Integer(), nullable=False),
    sa.Column('extractor', sa.Text(), nullable=False),
    sa.CheckConstraint("modality IN ('text', 'visual')", name='ck_feature_spaces_modality'),
    sa.CheckConstraint('dim > 0', name='ck_feature_spaces_dim'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('ingests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(), nullable=False),
    sa.Column('path', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(), nullable=False),
    sa.Column('added', sa.Integer(), nullable=False),
    sa.Column('at', sa.String(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('models',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('kind', sa.String(), nullable=False),
    sa.Column('text_space', sa.String(), nullable=True),
    sa.Column('visual_space', sa.String(), nullable=True),
    sa.Column('path', sa.Text(), nullable=False),
    sa.Column('checksum', sa.String(), nullable=False),
    sa.Column('config', sa.Text(), nullable=False),
    sa.Column('created_at', sa.String(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('videos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(), nullable=False),
    sa.Column('duration', sa.Float(), nullable=False),
    sa.Column('media_path', sa.String(), nullable=True),
    sa.Column('blacklisted', sa.Boolean(), nullable=False),
    sa.Column('metadata', sa.Text(), nullable=True),
    sa.CheckConstraint('duration >= 0', name='ck_videos_duration'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('external_id')
    )
    op.create_table('anchors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(), nullable=False),
    sa.Column('video_id', sa.Integer(), nullable=False),
    sa.Column('start', sa.Float(), nullable=False),
    sa.Column('end', sa.Float(), nullable=False),
    sa.CheckConstraint('"end" > start', name='ck_anchors_span'),
    sa.ForeignKeyConstraint(['video_id'], ['videos.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('external_id')
    )
    op.create_table('cues',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('video_id', sa.Integer(), nullable=False),
    sa.Column('start', sa.Float(), nullable=False),
    sa.Column('end', sa.Float(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.CheckConstraint('"end" > start', name='ck_cues_span'),
    sa.ForeignKeyConstraint(['video_id'], ['videos.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('video_id', 'start', 'end', 'text', name='uq_cues_span_text')
    )
    op.create_table('keyframe_vectors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('video_id', sa.Integer(), nullable=False),
    sa.Column('space_id', sa.Integer(), nullable=False),
    sa.Column('time', sa.Float(), nullable=False),
    sa.Column('vector', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['space_id'], ['feature_spaces.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['video_id'], ['videos.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('video_id', 'space_id', 'time', name='uq_keyframes_time')
    )
    op.create_table('segments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('video_id', sa.Integer(), nullable=False),
    sa.Column('start', sa.Float(), nullable=False),
    sa.Column('end', sa.Float(), nullable=False),
    sa.Column('origin', sa.String(), nullable=False),
    sa.CheckConstraint('"end" > start', name='ck_segments_span'),
    sa.ForeignKeyConstraint(['video_id'], ['videos.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('video_id', 'start', 'end', name='uq_segments_span')
    )
    op.create_table('cue_vectors',
    sa.Column('cue_id', sa.Integer(), nullable=False),
    sa.Column('space_id', sa.Integer(), nullable=False),
    sa.Column('vector', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['cue_id'], ['cues.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['space_id'], ['feature_spaces.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('cue_id', 'space_id')
    )
    op.create_table('judgments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('anchor_id', sa.Integer(), nullable=False),
    sa.Column('video_id', sa.Integer(), nullable=False),
    sa.Column('start', sa.Float(), nullable=False),
    sa.Column('end', sa.Float(), nullable=False),
    sa.Column('rel', sa.Integer(), nullable=False),
    sa.CheckConstraint('rel IN (0, 1)', name='ck_judgments_rel'),
    sa.ForeignKeyConstraint(['anchor_id'], ['anchors.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['video_id'], ['videos.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('anchor_id', 'video_id', 'start', 'end', name='uq_judgments_span')
    )
    with op.batch_alter_table('judgments', schema=None) as batch_op:
        batch_op.create_index('ix_judgments_anchor', ['anchor_id'], unique=False)

    op.create_table('segment_vectors',
    sa.Column('segment_id', sa.Integer(), nullable=False),
    sa.Column('space_id', sa.Integer(), nullable=False),
    sa.Column('vector', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['segment_id'], ['segments.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['space_id'], ['feature_spaces.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('segment_id', 'space_id')
    )


def downgrade() -> None:
    op.drop_table('segment_vectors')
    with op.batch_alter_table('judgments', schema=None) as batch_op:
        batch_op.drop_index('ix_judgments_anchor')

    op.drop_table('judgments')
    op.drop_table('cue_vectors')
    op.drop_table('segments')
    op.drop_table('keyframe_vectors')
    op.drop_table('cues')
    op.drop_table('anchors')
    op.drop_table('videos')
    op.drop_table('models')
    op.drop_table('ingests')
    op.drop_table('feature_spaces')
