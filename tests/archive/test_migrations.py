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


def test_migrations_that_rebuild_tables_keep_every_row_and_reference(tmp_path, make_package):
    """SQLite rebuilds a table to change it (copy, drop, rename): the rows that point at it must survive."""
    from archive.services.packages import import_package
    from tests.conftest import tale

    url, drop = _fresh_database_url(tmp_path)
    try:
        app = _app_for(tmp_path / "data", url)
        with app.app_context():
            upgrade()
            import_package(make_package([tale(), tale("tw-tale-0002")]))
            counts = {t: db.session.scalar(sa.text(f"SELECT count(*) FROM {t}"))
                      for t in ("items", "media", "annotations", "contributions", "revisions")}
            db.session.remove()
            downgrade(revision="0004_discovery_public_changes")  # before the items and annotations tables were rebuilt
            upgrade()
            assert {t: db.session.scalar(sa.text(f"SELECT count(*) FROM {t}")) for t in counts} == counts
            assert counts["media"] > 0 and counts["annotations"] > 0
            if db.engine.dialect.name == "sqlite":
                assert db.session.execute(sa.text("PRAGMA foreign_key_check")).all() == []
                assert db.session.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
            db.session.remove()
            db.engine.dispose()
    finally:
        drop()
