"""Dataset releases: datasets defined by curators (source, licence filter, layers, audience, data card texts,
researchers' terms), their versioned releases (files with sizes and SHA-256, licences, the people they hold),
acceptances of a dataset's terms, and the release a download took.

Revision ID: 0009_releases
Revises: 0008_downloads
Create Date: 2026-11-29 01:24:10.657483

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0009_releases'
down_revision = '0008_downloads'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('datasets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('audience', sa.String(length=16), nullable=False),
    sa.Column('commercial', sa.Boolean(), nullable=False),
    sa.Column('collection_id', sa.Integer(), nullable=True),
    sa.Column('filters', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('licence_ids', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('layers', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('motivation', sa.Text(), nullable=False),
    sa.Column('collection_process', sa.Text(), nullable=False),
    sa.Column('known_limits', sa.Text(), nullable=False),
    sa.Column('terms', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("audience IN ('public', 'researcher')", name=op.f('ck_datasets_audience')),
    sa.ForeignKeyConstraint(['collection_id'], ['collections.id'], name=op.f('fk_datasets_collection_id_collections')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_datasets_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_datasets')),
    sa.UniqueConstraint('slug', name=op.f('uq_datasets_slug'))
    )
    op.create_table('dataset_terms_acceptances',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('dataset_id', sa.Integer(), nullable=False),
    sa.Column('terms_version', sa.String(length=16), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['dataset_id'], ['datasets.id'], name=op.f('fk_dataset_terms_acceptances_dataset_id_datasets')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_dataset_terms_acceptances_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dataset_terms_acceptances'))
    )
    with op.batch_alter_table('dataset_terms_acceptances', schema=None) as batch_op:
        batch_op.create_index('ix_dataset_terms_user_dataset', ['user_id', 'dataset_id', 'terms_version'], unique=True)

    op.create_table('releases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dataset_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('item_count', sa.Integer(), nullable=False),
    sa.Column('files', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('licence_ids', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('agent_ids', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['dataset_id'], ['datasets.id'], name=op.f('fk_releases_dataset_id_datasets')),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_releases_published_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_releases'))
    )
    with op.batch_alter_table('releases', schema=None) as batch_op:
        batch_op.create_index('ix_releases_dataset_number', ['dataset_id', 'number'], unique=True)

    with op.batch_alter_table('downloads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('release_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_downloads_release_id_releases'), 'releases', ['release_id'], ['id'])



def downgrade():
    with op.batch_alter_table('downloads', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_downloads_release_id_releases'), type_='foreignkey')
        batch_op.drop_column('release_id')

    with op.batch_alter_table('releases', schema=None) as batch_op:
        batch_op.drop_index('ix_releases_dataset_number')

    op.drop_table('releases')
    with op.batch_alter_table('dataset_terms_acceptances', schema=None) as batch_op:
        batch_op.drop_index('ix_dataset_terms_user_dataset')

    op.drop_table('dataset_terms_acceptances')
    op.drop_table('datasets')
