"""Dataset releases: curators define datasets and publish versioned, immutable releases; readers list them and
download their files as the dataset's audience allows.

A release is built row by row into a temporary folder beside its final place, then renamed into
``DATA_DIR/releases/<dataset>/<version>/``: a reader never sees half a release, and a published folder is never
written again (its files are made read-only). Items are read in chunks, so a release of 100,000 items does not
hold them in memory.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable, Iterator

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from archive import release_files as rf
from archive.db import db
from archive.errors import (AccessDenied, ArchiveError, AuthenticationRequired, Conflict, InvalidInput, InvalidQuery,
                            NotFound, TermsNotAccepted)
from archive.licensing import reuses
from archive.models import (
    DATASET_AUDIENCES,
    DATASET_LAYERS,
    Agent,
    Collection,
    CollectionMembership,
    Dataset,
    DatasetTermsAcceptance,
    Item,
    Licence,
    Release,
    ReleaseJob,
    User,
)
from archive.services.access import STAFF_ROLES, visible_items_clause
from archive.services.downloads import require_terms
from archive.services.loading import item_loading
from archive.services.search import check_saved_query, matching_ids
from archive.vocabulary import KINDS, LANGUAGES, REGIONS

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
FILTER_VALUES = {"kind": set(KINDS), "region": set(REGIONS), "language": set(LANGUAGES)}
CHUNK = 500
DEFAULT_RESEARCH_TERMS = ("Use this dataset for research only. Do not redistribute it; cite the archive and the "
                          "communities; delete your copies when a later release shows a withdrawal notice.")


def _is_staff(user: Any) -> bool:
    return bool(set(getattr(user, "roles", None) or []) & STAFF_ROLES)


def is_curator(user: Any) -> bool:
    return user is not None and _is_staff(user)


def check_is_curator(user: Any) -> None:
    """Raises AuthenticationRequired for visitors and AccessDenied for anyone but curators and admins."""
    if user is None:
        raise AuthenticationRequired("Sign in as a curator to define and publish datasets.")
    if not _is_staff(user):
        raise AccessDenied("Only curators define and publish datasets.")


@dataclass(frozen=True)
class DatasetDefinition:
    slug: str
    title: str
    audience: str = "public"
    commercial: bool = False
    collection: str | None = None  # a collection's slug; None: the saved search (filters, query) over the archive
    filters: dict[str, list[str]] | None = None
    query: str = ""  # the saved search's words, in the site search's query language
    licence_ids: list[str] | None = None
    layers: list[str] | None = None
    motivation: str = ""
    collection_process: str = ""
    known_limits: str = ""
    terms: str | None = None


def define_dataset(user: Any, definition: DatasetDefinition) -> Dataset:
    """Create a dataset, or change the definition of an existing one (its releases stay as they are).
    Raises AccessDenied for non-curators and InvalidInput with every problem found."""
    check_is_curator(user)
    problems: list[str] = []
    d = definition
    if not SLUG.match(d.slug or ""):
        problems.append("slug: 2 to 63 lower-case letters, digits and hyphens")
    if not (d.title or "").strip() or len(d.title) > 300:
        problems.append("title: 1 to 300 characters")
    if d.audience not in DATASET_AUDIENCES:
        problems.append(f"audience: one of {', '.join(DATASET_AUDIENCES)}")
    layers = list(dict.fromkeys(d.layers or ["text", "translations"]))
    if not layers or set(layers) - set(DATASET_LAYERS):
        problems.append(f"layers: some of {', '.join(DATASET_LAYERS)}")
    filters = {key: sorted(set(values)) for key, values in (d.filters or {}).items() if values}
    for key, values in filters.items():
        if key not in FILTER_VALUES:
            problems.append(f"filters: unknown facet {key!r}")
        elif unknown := [v for v in values if v not in FILTER_VALUES[key]]:
            problems.append(f"filters: unknown {key} {unknown[0]!r}")
    query = " ".join((d.query or "").split())
    if query:
        try:
            check_saved_query(query)
        except InvalidQuery as error:
            problems.append(f"query: {error.message}")
    licence_ids = sorted(set(d.licence_ids or []))
    known = set(db.session.scalars(select(Licence.id).where(Licence.id.in_(licence_ids)))) if licence_ids else set()
    if missing := [lid for lid in licence_ids if lid not in known]:
        problems.append(f"licences: unknown licence {missing[0]!r}")
    collection = None
    if d.collection:
        collection = db.session.scalar(select(Collection).where(Collection.slug == d.collection))
        if collection is None:
            problems.append(f"collection: no collection {d.collection!r}")
    if problems:
        raise InvalidInput("The dataset was not saved.", details=problems)
    dataset = db.session.scalar(select(Dataset).where(Dataset.slug == d.slug))
    if dataset is None:
        dataset = Dataset(slug=d.slug, created_by_id=user.id)
        db.session.add(dataset)
    terms = (d.terms or "").strip() or (DEFAULT_RESEARCH_TERMS if d.audience == "researcher" else None)
    dataset.title, dataset.audience, dataset.commercial = d.title.strip(), d.audience, bool(d.commercial)
    dataset.collection, dataset.filters, dataset.licence_ids, dataset.layers = collection, filters, licence_ids, layers
    dataset.query = query
    dataset.motivation, dataset.collection_process, dataset.known_limits = d.motivation, d.collection_process, d.known_limits
    dataset.terms = terms
    db.session.commit()
    return dataset


def get_dataset(slug: str) -> Dataset:
    dataset = db.session.scalar(select(Dataset).where(Dataset.slug == slug))
    if dataset is None:
        raise NotFound(f"No dataset {slug!r}.")
    return dataset


def find_dataset(slug: str) -> Dataset | None:
    return db.session.scalar(select(Dataset).where(Dataset.slug == slug)) if slug else None


def all_licences() -> list[Licence]:
    return list(db.session.scalars(select(Licence).order_by(Licence.id)))


def list_datasets(*, published_only: bool = True) -> list[Dataset]:
    """Datasets by title; for the public, only those with at least one release."""
    query = select(Dataset).order_by(Dataset.title)
    if published_only:
        query = query.where(Dataset.releases.any())
    return list(db.session.scalars(query))


def get_release(slug: str, version: str) -> Release:
    number = version.split(".")[0]
    release = db.session.scalar(select(Release).join(Dataset).where(
        Dataset.slug == slug, Release.number == (int(number) if number.isdigit() else -1)))
    if release is None or version not in (release.version, str(release.number)):
        raise NotFound(f"No release {version!r} of dataset {slug!r}.")
    return release


def withdrawn_since(release: Release) -> int:
    """How many people this release holds have withdrawn their consent since it was published."""
    if not release.agent_ids:
        return 0
    count = 0
    for start in range(0, len(release.agent_ids), 900):
        count += db.session.scalar(select(func.count(Agent.id)).where(
            Agent.id.in_(release.agent_ids[start:start + 900]), Agent.consent_withdrawn_on.is_not(None))) or 0
    return count


def release_folder(data_dir: str | Path, release: Release) -> Path:
    return Path(data_dir) / "releases" / release.dataset.slug / release.version


# ------------------------------------------------------------------------------------------ access


def dataset_terms_version(dataset: Dataset) -> str:
    return hashlib.sha256((dataset.terms or "").encode()).hexdigest()[:16]


def has_accepted_dataset_terms(user: Any, dataset: Dataset) -> bool:
    if user is None:
        return False
    return db.session.scalar(select(DatasetTermsAcceptance.id).where(
        DatasetTermsAcceptance.user_id == user.id, DatasetTermsAcceptance.dataset_id == dataset.id,
        DatasetTermsAcceptance.terms_version == dataset_terms_version(dataset))) is not None


def accept_dataset_terms(user: Any, slug: str) -> None:
    """Record that ``user`` accepted the dataset's current terms (once per version)."""
    if user is None:
        raise AuthenticationRequired("Sign in to accept these terms: the acceptance is recorded with your account.")
    dataset = get_dataset(slug)
    if dataset.terms and not has_accepted_dataset_terms(user, dataset):
        db.session.add(DatasetTermsAcceptance(user_id=user.id, dataset_id=dataset.id,
                                              terms_version=dataset_terms_version(dataset)))
        db.session.commit()


def check_can_download(release: Release, user: Any) -> None:
    """Public releases are for everyone; researcher releases for staff, and for researchers who accepted the
    dataset's terms. Click-through licences of the records need their terms accepted too. Raises
    AuthenticationRequired, AccessDenied or TermsNotAccepted."""
    dataset = release.dataset
    if dataset.audience == "researcher" and not _is_staff(user):
        if user is None:
            raise AuthenticationRequired("This release is for researchers: sign in with a researcher account.")
        if "researcher" not in (user.roles or []):
            raise AccessDenied("This release is for researchers only.")
        if dataset.terms and not has_accepted_dataset_terms(user, dataset):
            raise TermsNotAccepted("Accept the dataset's terms before downloading.", details=[f"dataset: {dataset.slug}"])
    require_terms(user, release_licences(release))


def release_licences(release: Release) -> list[Licence]:
    return list(db.session.scalars(select(Licence).where(Licence.id.in_(release.licence_ids or []))))


@dataclass(frozen=True)
class ReleaseFile:
    release: Release
    name: str
    path: Path
    sha256: str
    size: int
    media_type: str


def file_for_download(slug: str, version: str, name: str, user: Any, data_dir: str | Path) -> ReleaseFile:
    """One file of a release that ``user`` may download (only names the release lists: no path tricks)."""
    release = get_release(slug, version)
    entry = next((f for f in release.files if f["name"] == name), None)
    if entry is None:
        raise NotFound(f"No file {name!r} in this release.")
    check_can_download(release, user)
    return ReleaseFile(release, name, release_folder(data_dir, release) / name, entry["sha256"], entry["size"],
                       entry["media_type"])


# ------------------------------------------------------------------------------------------ publishing


def _audience_viewer(dataset: Dataset) -> Any:
    # The release holds what its audience may see in the archive, decided by the archive's one access rule.
    if dataset.audience == "researcher":
        return SimpleNamespace(id=None, roles=["researcher"], communities=[])
    return None


def _selection(dataset: Dataset):
    query = select(Item.id, Item.public_id).where(visible_items_clause(_audience_viewer(dataset)), Item.status == "published")
    if dataset.collection_id is not None:
        query = query.join(CollectionMembership).where(CollectionMembership.collection_id == dataset.collection_id)
    if dataset.licence_ids:
        query = query.where(Item.licence_id.in_(dataset.licence_ids))
    filters = dataset.filters or {}
    if filters.get("kind"):
        query = query.where(Item.kind.in_(filters["kind"]))
    if filters.get("region"):
        query = query.where(Item.region.in_(filters["region"]))
    if filters.get("language"):
        from sqlalchemy import String, cast

        query = query.where(or_(*(cast(Item.languages, String).like(f'%"{code}%') for code in filters["language"])))
    return query.order_by(Item.public_id)


def _candidate_ids(dataset: Dataset) -> list[int]:
    """The ids of the dataset's items in identifier order: its collection or facets, licences and access rule
    in SQL, then its saved words through the search engine, which answers for the same audience."""
    rows = db.session.execute(_selection(dataset)).all()
    if not dataset.query:
        return [item_id for item_id, _public_id in rows]
    found = matching_ids(_audience_viewer(dataset), dataset.query)
    return [item_id for item_id, public_id in rows if public_id in found]


def _items(dataset: Dataset) -> Iterator[Item]:
    """The dataset's items in identifier order, loaded a chunk at a time and let go after."""
    ids = _candidate_ids(dataset)
    for start in range(0, len(ids), CHUNK):
        chunk = db.session.scalars(select(Item).where(Item.id.in_(ids[start:start + CHUNK]))
                                   .options(*item_loading()).order_by(Item.public_id)).all()
        yield from chunk
        for item in chunk:  # cascades to its media, annotations and contributions; shared agents stay
            db.session.expunge(item)


def count_candidates(dataset: Dataset) -> int:
    if dataset.query:
        return len(_candidate_ids(dataset))
    return db.session.scalar(select(func.count()).select_from(_selection(dataset).subquery())) or 0


def _source_text(dataset: Dataset) -> str:
    if dataset.collection is not None:
        return f"items of the collection '{dataset.collection.slug}'"
    described = "; ".join(([f"search: {dataset.query}"] if dataset.query else [])
                          + [f"{key}: {', '.join(values)}" for key, values in sorted((dataset.filters or {}).items())])
    return f"items of the archive ({described})" if described else "items of the archive"


def publish_release(slug: str, user: Any, *, data_dir: str | Path, site_url: str, site_name: str,
                    progress: Callable[[int], None] | None = None, require_curator: bool = True) -> Release:
    """Build and publish the next release of a dataset. Raises AccessDenied for non-curators (the CLI, run by
    the server's owner, passes ``require_curator=False``), InvalidInput when no item qualifies, Conflict when
    that version's folder already exists."""
    if require_curator:
        check_is_curator(user)
    dataset = get_dataset(slug)
    dataset_id, layers = dataset.id, list(dataset.layers)
    previous = dataset.releases[-1] if dataset.releases else None
    number = previous.number + 1 if previous else 1
    root = Path(data_dir) / "releases" / dataset.slug
    root.mkdir(parents=True, exist_ok=True)
    version = f"{number}.0.0"
    final = root / version
    if final.exists():
        raise Conflict(f"Release {version} of {slug} already exists on disk; it is never overwritten.")
    previous_manifest = _read_manifest(data_dir, previous)
    site_url = site_url.rstrip("/")
    release_url = f"{site_url}/datasets/{dataset.slug}/{version}"
    info_fields = dict(slug=dataset.slug, title=dataset.title, version=version, published=dt.date.today().isoformat(),
                       url=release_url, site_name=site_name, audience=dataset.audience, commercial=dataset.commercial,
                       layers=layers, motivation=dataset.motivation, collection_process=dataset.collection_process,
                       known_limits=dataset.known_limits, source=_source_text(dataset))
    commercial = dataset.commercial
    withdrawn_here: set[int] = set()
    building = Path(tempfile.mkdtemp(prefix=f".building-{version}-", dir=root))
    try:
        with rf.ReleaseWriter(building, layers) as writer:
            for item in _items(dataset):
                if not commercial or "commercial" in reuses(item.licence, item.labels or []):
                    withdrawn_here |= rf.withdrawn_agents(item)
                    record = rf.item_record(item, f"{site_url}/items/{item.public_id}", layers)
                    if record is not None:
                        writer.write(record, item.version)
                if progress:
                    progress(1)
            data_names = writer.names
        counts = writer.composition
        if counts.items == 0:
            raise InvalidInput(f"No item of the dataset {slug!r} may be released: nothing was published.")
        dataset = db.session.get(Dataset, dataset_id)
        licences = {lic.id: (lic.name, lic.uri) for lic in db.session.scalars(
            select(Licence).where(Licence.id.in_(list(counts.licences))))}
        removed_agents = withdrawn_since(previous) if previous else 0
        info = rf.ReleaseInfo(**info_fields, licences=licences,
                              withdrawn_agents=len(withdrawn_here))
        files = {name: rf.sha256_and_size(building / name) for name in data_names}
        documents = {
            rf.CROISSANT: json.dumps(rf.croissant(info, files, sorted(counts.languages)), ensure_ascii=False, indent=2),
            rf.DATA_CARD: rf.data_card(info, counts),
            rf.NOTES: rf.release_notes(info, counts, previous_manifest, removed_agents),
            rf.MANIFEST: rf.manifest(info, counts),
        }
        for name, text in documents.items():
            (building / name).write_text(text, encoding="utf-8")
            files[name] = rf.sha256_and_size(building / name)
        (building / rf.CHECKSUMS).write_text(rf.checksums(files), encoding="utf-8")
        files[rf.CHECKSUMS] = rf.sha256_and_size(building / rf.CHECKSUMS)
        for path in building.iterdir():
            path.chmod(0o444)
        building.chmod(0o755)
        try:
            os.rename(building, final)  # fails rather than replace a folder that appeared meanwhile
        except OSError as error:
            raise Conflict(f"Release {version} of {slug} was published meanwhile; publish again for the next one.") from error
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    order = [rf.DATA_CARD, rf.RECORDS_JSONL, rf.RECORDS_CSV, rf.PARALLEL_TSV, rf.AUDIO_JSONL, rf.CROISSANT, rf.NOTES,
             rf.CHECKSUMS, rf.MANIFEST]
    release = Release(dataset_id=dataset.id, number=number, published_by_id=getattr(user, "id", None),
                      item_count=counts.items, licence_ids=sorted(counts.licences), agent_ids=sorted(counts.agent_ids),
                      notes=documents[rf.NOTES],
                      files=[{"name": name, "sha256": files[name][0], "size": files[name][1],
                              "media_type": rf.MEDIA_TYPES[name]} for name in order if name in files])
    db.session.add(release)
    try:
        db.session.commit()
    except BaseException:
        db.session.rollback()
        _remove_published(final)
        raise
    return release


# A running job says it is alive at least this often (every PROGRESS_EVERY items, and between steps); one silent
# for JOB_STALE_SECONDS died with its process (a server restart) and no longer holds the dataset.
PROGRESS_EVERY = 200
JOB_STALE_SECONDS = 600


def job_is_active(job: ReleaseJob, now: dt.datetime | None = None) -> bool:
    if job.status not in ("queued", "running"):
        return False
    beat = job.heartbeat_at if job.heartbeat_at.tzinfo else job.heartbeat_at.replace(tzinfo=dt.timezone.utc)
    return (now or dt.datetime.now(dt.timezone.utc)) - beat < dt.timedelta(seconds=JOB_STALE_SECONDS)


def latest_job(dataset: Dataset) -> ReleaseJob | None:
    return db.session.scalar(select(ReleaseJob).where(ReleaseJob.dataset_id == dataset.id)
                             .order_by(ReleaseJob.requested_at.desc(), ReleaseJob.id.desc()).limit(1))


def request_release(slug: str, user: Any) -> ReleaseJob:
    """Ask for the next release of a dataset, to be built by ``run_release_job``. Raises AccessDenied for
    non-curators, Conflict while another release of the dataset is being built."""
    check_is_curator(user)
    dataset = get_dataset(slug)
    current = latest_job(dataset)
    if current is not None and job_is_active(current):
        raise Conflict(f"A release of {slug} is already being built ({current.done_items:,} of "
                       f"{current.total_items:,} items so far); wait for it to finish.")
    job = ReleaseJob(dataset_id=dataset.id, requested_by_id=getattr(user, "id", None), status="queued")
    db.session.add(job)
    db.session.commit()
    return job


def run_release_job(job_id: int, *, data_dir: str | Path, site_url: str, site_name: str) -> ReleaseJob:
    """Build the release a job asked for, recording its progress as it goes; the job ends done (with its
    release) or failed (with the reason). Progress is written in a session of its own, so the release's
    reading is never interrupted by those commits."""
    job = db.session.get(ReleaseJob, job_id)
    if job is None or job.status != "queued":
        raise Conflict(f"Release job {job_id} is not waiting to run.")
    slug, user = job.dataset.slug, db.session.get(User, job.requested_by_id) if job.requested_by_id else None
    total = count_candidates(job.dataset)

    def report(**values: Any) -> None:
        with Session(db.engine) as progress_session:
            progress_session.execute(update(ReleaseJob).where(ReleaseJob.id == job_id)
                                     .values(heartbeat_at=dt.datetime.now(dt.timezone.utc), **values))
            progress_session.commit()

    report(status="running", total_items=total)
    done = 0

    def advance(count: int) -> None:
        nonlocal done
        done += count
        if done % PROGRESS_EVERY == 0:
            report(done_items=done)

    try:
        release = publish_release(slug, user, data_dir=data_dir, site_url=site_url, site_name=site_name, progress=advance)
    except ArchiveError as error:
        db.session.rollback()
        report(status="failed", message=str(error), done_items=done, finished_at=dt.datetime.now(dt.timezone.utc))
    except BaseException:
        db.session.rollback()
        report(status="failed", message="The release could not be built because of an internal error; it is in the "
                                        "server's log. Nothing was published.",
               done_items=done, finished_at=dt.datetime.now(dt.timezone.utc))
        raise
    else:
        report(status="done", release_id=release.id, done_items=done, finished_at=dt.datetime.now(dt.timezone.utc))
    db.session.expire_all()
    return db.session.get(ReleaseJob, job_id)


def _remove_published(folder: Path) -> None:
    for path in folder.iterdir():
        path.chmod(0o644)
    shutil.rmtree(folder, ignore_errors=True)


def _read_manifest(data_dir: str | Path, release: Release | None) -> dict[str, Any] | None:
    if release is None:
        return None
    path = release_folder(data_dir, release) / rf.MANIFEST
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def latest_release(dataset: Dataset) -> Release | None:
    return dataset.releases[-1] if dataset.releases else None
