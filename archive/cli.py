"""`flask --app app archive ...`: import, export and check, calling the services."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask

from archive.errors import InvalidInput, PackageError
from archive.vocabulary import ACCOUNT_ROLES, CERTIFICATION_LEVELS


@click.group("archive", help="Import, export and look after the archive's content.")
def archive_cli() -> None:
    pass


@archive_cli.command("import")
@click.argument("path", type=click.Path(path_type=Path))
def import_command(path: Path) -> None:
    """Import the Twiza package in folder PATH (see docs/import-format.md)."""
    from archive.services.packages import import_package

    bar = None

    def start(total: int) -> None:
        nonlocal bar
        click.echo(f"{path}: package valid, {total} items")
        bar = click.progressbar(length=total, label="importing", file=sys.stderr)
        bar.__enter__()

    try:
        report = import_package(path, progress=lambda n: bar.update(n), on_validated=start)
    except PackageError as error:
        click.echo(error.message, err=True)
        for line in error.details:
            click.echo(f"  {line}", err=True)
        raise SystemExit(1)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    click.echo(
        f"items: {report.items_created} created, {report.items_updated} updated, {report.items_unchanged} unchanged; "
        f"agents: {report.agents_created} created, {report.agents_updated} updated; "
        f"collections: {report.collections_created} created, {report.collections_updated} updated; "
        f"vocabularies: {report.vocabularies_created} created, {report.vocabularies_updated} updated; "
        f"files: {report.files_stored} stored, {report.files_already_stored} already stored"
    )


@archive_cli.command("export")
@click.argument("path", type=click.Path(path_type=Path))
def export_command(path: Path) -> None:
    """Export everything into a new folder PATH as a Twiza package, media included."""
    from sqlalchemy import func, select

    from archive.db import db
    from archive.models import Item
    from archive.services.packages import export_package

    total = db.session.scalar(select(func.count(Item.id)))
    try:
        with click.progressbar(length=total, label="exporting", file=sys.stderr) as bar:
            report = export_package(path, progress=bar.update)
    except PackageError as error:
        click.echo(error.message, err=True)
        raise SystemExit(1)
    click.echo(f"{path}: {report.items} items, {report.agents} agents, {report.collections} collections, "
               f"{report.vocabularies} vocabularies, {report.files} files")


@archive_cli.command("release")
@click.argument("dataset")
@click.option("--site-url", help="The archive's public address written into the release (default: SITE_URL).")
def release_command(dataset: str, site_url: str | None) -> None:
    """Publish the next release of DATASET (for big exports; a curator's page does the same for small ones)."""
    from flask import current_app

    from archive.errors import ArchiveError
    from archive.services import releases

    config = current_app.config
    site_url = site_url or config.get("SITE_URL")
    if not site_url:
        click.echo("error: give --site-url or set TWIZA_SITE_URL: a release names the archive's address", err=True)
        raise SystemExit(2)
    try:
        total = releases.count_candidates(releases.get_dataset(dataset))
        with click.progressbar(length=total, label=f"{dataset}: {total} items", file=sys.stderr) as bar:
            release = releases.publish_release(dataset, None, data_dir=config["DATA_DIR"], site_url=site_url,
                                               site_name=config["SITE_NAME"], progress=bar.update, require_curator=False)
    except ArchiveError as error:
        click.echo(f"error: {error}", err=True)
        raise SystemExit(1)
    size = sum(f["size"] for f in release.files)
    click.echo(f"{dataset} {release.version}: {release.item_count} records, {len(release.files)} files, {size:,} bytes "
               f"in {releases.release_folder(config['DATA_DIR'], release)}")


@archive_cli.command("demo")
@click.option("--small", is_flag=True, help="Draw the large images at 1200 px (faster, for tests).")
def demo_command(small: bool) -> None:
    """Build the demo package (drawn by code) and import it."""
    import tempfile

    from archive.demo import build_demo_package
    from archive.services.packages import import_package

    with tempfile.TemporaryDirectory(prefix="twiza-demo-") as tmp:
        package = build_demo_package(Path(tmp) / "demo", large_images=not small)
        report = import_package(package, actor_label="demo")
    click.echo(f"demo: {report.items_created} items created, {report.items_updated} updated, "
               f"{report.items_unchanged} unchanged; {report.files_stored} files stored")


@archive_cli.command("create-user")
@click.argument("email")
@click.option("--name", "display_name", required=True, help="The name shown in the interface.")
@click.option("--role", "roles", multiple=True, type=click.Choice(ACCOUNT_ROLES), help="A role; repeat for several.")
@click.option("--community", "communities", multiple=True, help="A community's identifier (slug); repeat for several.")
@click.option("--certify", "level", type=click.Choice(CERTIFICATION_LEVELS),
              help="Certify the data worker or reviewer at this level at once (recorded as granted from the command "
                   "line); the reviewer role needs a level above trainee.")
@click.option("--note", help="Why the level is granted (kept with the certification).")
@click.password_option(help="Asked for when not given (never put it in shell history).")
def create_user_command(email: str, display_name: str, roles: tuple[str, ...], communities: tuple[str, ...],
                        level: str | None, note: str | None, password: str) -> None:
    """Create an account, for example the first admin, who then invites the others."""
    from archive.services.people import create_account

    try:
        user = create_account(email, display_name, password, roles=list(roles), communities=list(communities),
                              certify=level, grantor_label="cli", note=note)
    except InvalidInput as exc:
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(1)
    certified = f", certified {level} (granted from the command line)" if level else ""
    click.echo(f"account {user.email} created with roles: {', '.join(user.roles) or 'registered reader'}{certified}")


@click.group("search", help="Build and check the search index.")
def search_cli() -> None:
    pass


@search_cli.command("reindex")
def reindex_command() -> None:
    """Rebuild the whole search index from the database."""
    from sqlalchemy import func, select

    from archive.db import db
    from archive.models import Item
    from archive.services.indexing import reindex_all

    total = db.session.scalar(select(func.count(Item.id)))
    with click.progressbar(length=total, label="indexing", file=sys.stderr) as bar:
        count = reindex_all(progress=bar.update)
    click.echo(f"search index: {count} items indexed")


@search_cli.command("check")
def check_command() -> None:
    """Report items missing from the index, stale in it, or indexed but gone; exit 1 if any."""
    from archive.services.indexing import check_index

    problems = check_index()
    for kind, ids in problems.items():
        click.echo(f"{kind}: {len(ids)}" + (f" ({', '.join(ids[:20])}{' ...' if len(ids) > 20 else ''})" if ids else ""))
    if any(problems.values()):
        click.echo("run `flask --app app search reindex` to repair", err=True)
        raise SystemExit(1)


def init_app(app: Flask) -> None:
    app.cli.add_command(archive_cli)
    app.cli.add_command(search_cli)
