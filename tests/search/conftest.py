"""A demo archive, imported and indexed once per test module, for search tests.

Tests using it may add items (the visible total stays the demo's 27 as long as what they add is hidden
or withdrawn again), but must not use the function-scoped `app`, `client` or `runner` fixtures, which
would empty the database under it."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import fresh_app

RELEVANCE = json.loads((Path(__file__).parent / "relevance.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def demo_archive(tmp_path_factory, migrated_template):
    from archive.demo import build_demo_package
    from archive.services.packages import import_package

    root = tmp_path_factory.mktemp("search-demo")
    with fresh_app(root / "data", migrated_template) as app:
        import_package(build_demo_package(root / "demo", large_images=False), actor_label="demo")
        yield app


@pytest.fixture
def demo_client(demo_archive):
    return demo_archive.test_client()
