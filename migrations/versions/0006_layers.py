"""Annotation layers: provenance (human, machine, machine-corrected), draft layers, who made a layer in the
editor, the reviewer's comment, and the controlled tag vocabularies curators maintain.

Revision ID: 0006_layers
Revises: 0005_workflow
Create Date: 2026-11-29 00:50:23.441780

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0006_layers'
down_revision = '0005_workflow'
branch_labels = None
depends_on = None

# Frozen here, not imported from the app.
OLD_STATUSES = ("pending", "approved", "rejected")
NEW_STATUSES = ("draft", "pending", "approved", "rejected")
PROVENANCES = ("human", "machine", "machine-corrected")
OLD_ENTITY_TYPES = ("item", "media", "annotation", "agent", "collection")
NEW_ENTITY_TYPES = OLD_ENTITY_TYPES + ("vocabulary",)


def _quoted(values):
    return ", ".join(f"'{v}'" for v in values)


def upgrade():
    op.create_table('vocabularies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('label', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vocabularies')),
    sa.UniqueConstraint('slug', name=op.f('uq_vocabularies_slug'))
    )
    op.create_table('vocabulary_terms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('vocabulary_id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('labels', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['vocabulary_id'], ['vocabularies.id'], name=op.f('fk_vocabulary_terms_vocabulary_id_vocabularies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vocabulary_terms'))
    )
    with op.batch_alter_table('vocabulary_terms', schema=None) as batch_op:
        batch_op.create_index('uq_vocabulary_terms_slug', ['vocabulary_id', 'slug'], unique=True)

    with op.batch_alter_table('revisions', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_revisions_entity_type'), type_='check')
        batch_op.create_check_constraint(op.f('ck_revisions_entity_type'), sa.text(f"entity_type IN ({_quoted(NEW_ENTITY_TYPES)})"))

    # On SQLite the table is rebuilt with AUTOINCREMENT: revisions name annotations by row id, and an
    # annotation an import removed must not lend its id to a new one.
    # (PostgreSQL's sequences never hand an id out twice: its table is altered in place.)
    sqlite = op.get_bind().dialect.name == 'sqlite'
    with op.batch_alter_table('annotations', schema=None, recreate='always' if sqlite else 'auto',
                              table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.add_column(sa.Column('provenance', sa.String(length=24), server_default='human', nullable=False))
        batch_op.add_column(sa.Column('term_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('created_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('review_comment', sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f('ix_annotations_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_annotations_term_id_vocabulary_terms'), 'vocabulary_terms', ['term_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_annotations_created_by_id_users'), 'users', ['created_by_id'], ['id'])
        batch_op.create_check_constraint(op.f('ck_annotations_provenance'), sa.text(f"provenance IN ({_quoted(PROVENANCES)})"))
        batch_op.drop_constraint(op.f('ck_annotations_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_annotations_status'), sa.text(f"status IN ({_quoted(NEW_STATUSES)})"))



def downgrade():
    op.execute(sa.text("UPDATE annotations SET status = 'pending' WHERE status = 'draft'"))
    with op.batch_alter_table('annotations', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_annotations_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_annotations_status'), sa.text(f"status IN ({_quoted(OLD_STATUSES)})"))
        batch_op.drop_constraint(op.f('ck_annotations_provenance'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_annotations_created_by_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_annotations_term_id_vocabulary_terms'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_annotations_created_by_id'))
        batch_op.drop_column('review_comment')
        batch_op.drop_column('created_by_id')
        batch_op.drop_column('term_id')
        batch_op.drop_column('provenance')

    with op.batch_alter_table('vocabulary_terms', schema=None) as batch_op:
        batch_op.drop_index('uq_vocabulary_terms_slug')

    op.drop_table('vocabulary_terms')
    op.drop_table('vocabularies')
    op.execute(sa.text("DELETE FROM revisions WHERE entity_type = 'vocabulary'"))
    with op.batch_alter_table('revisions', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_revisions_entity_type'), type_='check')
        batch_op.create_check_constraint(op.f('ck_revisions_entity_type'), sa.text(f"entity_type IN ({_quoted(OLD_ENTITY_TYPES)})"))
