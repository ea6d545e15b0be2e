"""The PostgreSQL search backend's table (PostgreSQL only; SQLite archives search with Whoosh).

Revision ID: 0002_search_documents
Revises: 0001_core
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002_search_documents"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.create_table(
        "search_documents",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("digest", sa.String(length=40), nullable=False),
        sa.Column("visibility", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("facet_tokens", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("facets", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("terms", postgresql.TSVECTOR(), nullable=False),
        sa.Column("title_sort", sa.Text(), nullable=False),
        sa.Column("date", sa.BigInteger(), nullable=True),
        sa.Column("added", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_documents")),
    )
    op.create_index("ix_search_documents_terms", "search_documents", ["terms"], postgresql_using="gin")
    op.create_index("ix_search_documents_visibility", "search_documents", ["visibility"], postgresql_using="gin")
    op.create_index("ix_search_documents_facet_tokens", "search_documents", ["facet_tokens"], postgresql_using="gin")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_table("search_documents")
