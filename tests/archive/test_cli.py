"""The `flask archive` commands, as an operator runs them."""
from __future__ import annotations

import json

from tests.conftest import archive_state, tale


def test_import_command_reports_counts_and_refuses_bad_packages_with_exit_code_1(runner, make_package, tmp_path):
    good = make_package([tale()])
    result = runner.invoke(args=["archive", "import", str(good)])
    assert result.exit_code == 0, result.output
    assert "items: 1 created, 0 updated, 0 unchanged" in result.output
    assert "files: 2 stored" in result.output

    before = archive_state()
    bad = make_package([tale("tw-bad-00001", license="nope")])
    result = runner.invoke(args=["archive", "import", str(bad)])
    assert result.exit_code == 1
    assert "items.jsonl:1: license: unknown licence 'nope'" in result.output
    assert archive_state() == before


def test_export_command_writes_a_package(runner, make_package, tmp_path):
    runner.invoke(args=["archive", "import", str(make_package([tale()]))])
    result = runner.invoke(args=["archive", "export", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "1 items" in result.output
    line = json.loads((tmp_path / "out" / "items.jsonl").read_text(encoding="utf-8"))
    assert line["id"] == "tw-tale-0001" and line["media"][0]["path"].startswith("media/tw-tale-0001/001-")


def test_an_unexpected_error_gives_a_500_page_without_details(app, make_package):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom-for-test")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom-for-test")
    assert response.status_code == 500
    assert "secret internals" not in response.get_data(as_text=True)
    assert "Erreur 500" in response.get_data(as_text=True)
