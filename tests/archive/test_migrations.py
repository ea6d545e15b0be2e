"""The migrations build the whole schema on an empty database, and describe the models exactly."""
from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask_migrate import check, downgrade, upgrade

from archive.db import db
from tests.conftest import TEST_DATABASE_URL, _app_for


def _fresh_database_url(tmp_path) -> tuple[str | None, callable]:
    if not TEST_DATABASE_URL:
        return None, lambda: None
    name = f"twiza_migrations_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(TEST_DATABASE_URL).set(database=name)

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.render_as_string(hide_password=False), drop


def test_upgrade_an_empty_database_then_nothing_is_left_to_generate(tmp_path):
    url, drop = _fresh_database_url(tmp_path)
    try:
        app = _app_for(tmp_path / "data", url)
        with app.app_context():
            upgrade()
            check()  # raises when autogenerate would find a difference between models and migrations
            tables = set(sa.inspect(db.engine).get_table_names())
            assert {"items", "media", "annotations", "agents", "contributions", "collections", "licences", "users",
                    "revisions", "collection_memberships"} <= tables
            downgrade(revision="base")
            assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
            upgrade()
            db.engine.dispose()
    finally:
        drop()
