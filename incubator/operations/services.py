"""Backup and restore.

An archive is one ``.tar.gz`` holding ``manifest.json`` (format, engine, schema revision, row count of
every table, path/size/SHA-256 of every uploaded file), the database (``database.sqlite3`` made with
SQLite's online backup API, or ``database.dump`` made with ``pg_dump`` of the server's major version in
its custom format) and the upload folder under ``uploads/``. A restore refuses a database or upload
folder that already holds data unless forced, and checks the row counts and file checksums afterwards.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

from flask import current_app
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from .. import clock
from ..extensions import db

FORMAT = "incubator-backup/1"
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite3"
POSTGRES_MEMBER = "database.dump"
UPLOADS = "uploads"

log = logging.getLogger("incubator.operations")


class OperationsError(Exception):
    """A backup or restore that cannot be done; the message says why."""


# --- what is there -------------------------------------------------------------------------------

def engine_name() -> str:
    return db.engine.dialect.name


def row_counts(connection=None) -> dict[str, int]:
    """Rows of every table (the alembic version table included), through ``connection`` or the session's."""
    connection = connection if connection is not None else db.session.connection()
    names = sorted(inspect(connection).get_table_names())
    preparer = connection.dialect.identifier_preparer
    return {name: connection.execute(text(f"SELECT COUNT(*) FROM {preparer.quote(name)}")).scalar_one()
            for name in names}


def schema_revisions(connection=None) -> list[str]:
    connection = connection if connection is not None else db.session.connection()
    if "alembic_version" not in inspect(connection).get_table_names():
        return []
    return sorted(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())


def upload_folder() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"])


def upload_files(folder: Path) -> list[dict]:
    """Every regular file under ``folder``: relative path, size and SHA-256."""
    if not folder.is_dir():
        return []
    files = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()):
        files.append({"path": path.relative_to(folder).as_posix(), "size": path.stat().st_size,
                      "sha256": sha256_of(path)})
    return files


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def database_has_data() -> bool:
    """True when any table other than the schema version holds a row; the one zone the migrations make
    (0022_zones) is not data of its own."""
    counts = row_counts()
    return any(count for name, count in counts.items()
               if name != "alembic_version" and not (name == "zones" and count <= 1))


# --- PostgreSQL tools ----------------------------------------------------------------------------

def _postgres_connection_args() -> tuple[list[str], dict[str, str]]:
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    args = []
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    args += ["--dbname", url.database or "postgres"]
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)  # never on the command line, where ps shows it
    return args, env


def postgres_tool(name: str) -> str:
    """``pg_dump``/``pg_restore`` of the server's major version (a newer client reads an older server;
    an older one refuses). ``PG_BIN_DIR`` overrides the search."""
    configured = current_app.config.get("PG_BIN_DIR")
    major = int(db.session.execute(text("SHOW server_version_num")).scalar_one()) // 10000
    candidates = [Path(configured) / name] if configured else []
    candidates.append(Path(f"/usr/lib/postgresql/{major}/bin") / name)
    candidates += sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
                         key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
                         reverse=True)
    found = shutil.which(name)
    if found:
        candidates.append(Path(found))
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    raise OperationsError(f"{name} for PostgreSQL {major} was not found; install the PostgreSQL client "
                          f"of the server's version or set PG_BIN_DIR.")


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise OperationsError(f"{Path(command[0]).name} failed: {result.stderr.strip()[:2000]}")


# --- backup --------------------------------------------------------------------------------------

def backup(out: str | os.PathLike) -> dict:
    """Write one archive to ``out`` and return its manifest.

    The database copy is consistent (SQLite online backup; ``pg_dump`` runs in one snapshot); the
    archive is written beside ``out`` and renamed into place, so a failed backup leaves no half file.
    """
    out = Path(out)
    engine = engine_name()
    with tempfile.TemporaryDirectory(prefix="incubator-backup-") as work:
        work = Path(work)
        if engine == "sqlite":
            member = SQLITE_MEMBER
            _sqlite_copy(_sqlite_path(), work / member)
            # Counted in the copy itself: the manifest describes exactly what the archive holds.
            copy = create_engine(f"sqlite:///{work / member}", poolclass=NullPool)
            with copy.connect() as connection:
                counts, revisions = row_counts(connection), schema_revisions(connection)
            copy.dispose()
        elif engine == "postgresql":
            member = POSTGRES_MEMBER
            counts, revisions = _pg_dump(work / member)
        else:
            raise OperationsError(f"Backups of a {engine} database are not supported.")
        folder = upload_folder()
        manifest = {
            "format": FORMAT,
            "created_at": clock.utcnow().isoformat(),
            "engine": engine,
            "database": member,
            "schema_revisions": revisions,
            "row_counts": counts,
            "uploads": upload_files(folder),
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(out.name + ".partial")
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(work / MANIFEST, arcname=MANIFEST)
            archive.add(work / member, arcname=member)
            for item in manifest["uploads"]:
                archive.add(folder / item["path"], arcname=f"{UPLOADS}/{item['path']}")
        os.chmod(partial, 0o600)  # the archive holds every account's data
        os.replace(partial, out)
    log.info("backup written", extra={"event": "backup", "engine": engine, "path": str(out),
                                      "files": len(manifest["uploads"])})
    return manifest


def _pg_dump(target: Path) -> tuple[dict[str, int], list[str]]:
    """``pg_dump`` of one exported snapshot, counted in that same snapshot (writes may go on meanwhile)."""
    args, env = _postgres_connection_args()
    tool = postgres_tool("pg_dump")
    with db.engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection:
        with connection.begin():
            snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            _run([tool, "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                  "--file", str(target), *args], env)
            return row_counts(connection), schema_revisions(connection)


def _sqlite_path() -> Path:
    database = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).database
    if not database or database == ":memory:":
        raise OperationsError("An in-memory SQLite database cannot be backed up or restored.")
    return Path(database)


def _sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's online backup API: a consistent copy while the application keeps writing."""
    source_connection = sqlite3.connect(source)
    target_connection = sqlite3.connect(target)
    try:
        source_connection.backup(target_connection)
    finally:
        target_connection.close()
        source_connection.close()


# --- restore -------------------------------------------------------------------------------------

def read_manifest(archive: tarfile.TarFile) -> dict:
    try:
        member = archive.extractfile(MANIFEST)
    except KeyError:
        member = None
    if member is None:
        raise OperationsError("This file is not an Incubator backup (no manifest.json).")
    manifest = json.loads(member.read().decode("utf-8"))
    if manifest.get("format") != FORMAT:
        raise OperationsError(f"Unknown backup format {manifest.get('format')!r}; expected {FORMAT}.")
    return manifest


def restore(path: str | os.PathLike, *, force: bool = False) -> dict:
    """Restore the archive at ``path`` into the configured database and upload folder.

    Refuses when the database has rows or the upload folder has files, unless ``force``: then both are
    replaced. Afterwards the row count of every table and every file's SHA-256 are checked against the
    manifest; a difference raises :class:`OperationsError`.
    """
    engine = engine_name()
    try:
        archive = tarfile.open(path, "r:gz")
    except (tarfile.TarError, OSError) as error:
        raise OperationsError(f"Cannot read {path}: {error}") from error
    with archive, tempfile.TemporaryDirectory(prefix="incubator-restore-") as work:
        work = Path(work)
        manifest = read_manifest(archive)
        if manifest["engine"] != engine:
            raise OperationsError(f"This backup is of a {manifest['engine']} database; the configured database "
                                  f"is {engine}. Restore it into a {manifest['engine']} database.")
        folder = upload_folder()
        if not force:
            if database_has_data():
                raise OperationsError("The database is not empty; restore into an empty database, or use --force "
                                      "to replace everything in it.")
            if upload_files(folder):
                raise OperationsError(f"The upload folder {folder} is not empty; use --force to replace its files.")
        # "data" filter: no absolute paths, no "..", no links out of the folder, no device files.
        archive.extractall(work, filter="data")
        database_file = work / manifest["database"]
        if not database_file.is_file():
            raise OperationsError(f"The archive has no {manifest['database']}.")
        db.session.remove()
        db.engine.dispose()
        if engine == "sqlite":
            _sqlite_copy(database_file, _sqlite_path())
        else:
            _postgres_restore(database_file)
        db.engine.dispose()
        _replace_uploads(work / UPLOADS, folder)
    try:
        verify(manifest)
    finally:
        db.session.remove()
    log.info("backup restored", extra={"event": "restore", "engine": engine, "path": str(path),
                                       "files": len(manifest["uploads"]), "forced": force})
    return manifest


def _postgres_restore(dump: Path) -> None:
    """Empty the public schema (so no table of another schema version is left), then ``pg_restore``."""
    with db.engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    args, env = _postgres_connection_args()
    _run([postgres_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
          "--single-transaction", *args, str(dump)], env)


def _replace_uploads(source: Path, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for child in folder.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()
    if source.is_dir():
        for item in source.iterdir():
            shutil.move(str(item), folder / item.name)


def verify(manifest: dict) -> None:
    """Compare the restored database and upload folder with the manifest."""
    counts = row_counts()
    wrong = {name: (expected, counts.get(name)) for name, expected in manifest["row_counts"].items()
             if counts.get(name) != expected}
    if wrong:
        detail = ", ".join(f"{name}: {found} rows, expected {expected}" for name, (expected, found) in wrong.items())
        raise OperationsError(f"The restored database differs from the backup: {detail}")
    restored = {item["path"]: item for item in upload_files(upload_folder())}
    for item in manifest["uploads"]:
        found = restored.get(item["path"])
        if found is None or found["sha256"] != item["sha256"]:
            raise OperationsError(f"The restored file {item['path']} is missing or differs from the backup.")
