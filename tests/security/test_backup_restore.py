"""``flask backup`` / ``flask restore``: an archive restored into an empty database has every row and file."""
from __future__ import annotations

import json
import tarfile

import pytest

from sqlalchemy import func, select

from incubator.auth.models import User
from incubator.extensions import db
from incubator.operations import services
from incubator.organisations.models import Organisation
from incubator.uploads import StoredFile, path_of, store_bytes
from tests import factories

# On PostgreSQL the restore drops and recreates a database; a pooled connection of another engine may be
# collected at that moment and psycopg reports it from ``__del__``: not a failure of what is tested.
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n" + bytes(range(256))


def _restore(target_app, *args):
    """Run ``flask restore`` on ``target_app`` (its own app context: the CLI uses the current app)."""
    with target_app.app_context():
        return target_app.test_cli_runner().invoke(args=["restore", *map(str, args)])


def _zone_with_a_file(make_user):
    founder = make_user("startup", email="founder@backup.cn", name="张三")
    company = factories.organisation(name="备份测试科技有限公司")
    stored = store_bytes(PDF, "商业计划书.pdf", kind="business_plan", organisation_id=company.id, owner=founder)
    db.session.commit()
    return company, stored


def test_backup_restored_into_an_empty_database_has_every_row_and_uploaded_file(app, runner, make_user,
                                                                                 scratch_app, tmp_path):
    company, stored = _zone_with_a_file(make_user)
    key, company_id, source_counts = stored.storage_key, company.id, services.row_counts()
    db.session.commit()
    archive = tmp_path / "zone.tar.gz"

    result = runner.invoke(args=["backup", str(archive)])
    assert result.exit_code == 0, result.output
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))
    assert f"uploads/{key[:2]}/{key}" in names
    assert manifest["engine"] == db.engine.dialect.name
    assert manifest["row_counts"]["users"] == 1 and manifest["uploads"][0]["size"] == len(PDF)

    result = _restore(scratch_app, archive)
    assert result.exit_code == 0, result.output
    with scratch_app.app_context():
        assert services.row_counts() == source_counts
        assert db.session.scalar(select(User.email)) == "founder@backup.cn"
        assert db.session.scalar(select(Organisation.name).where(Organisation.id == company_id)) == "备份测试科技有限公司"
        restored = db.session.scalar(select(StoredFile).where(StoredFile.storage_key == key))
        assert restored.original_name == "商业计划书.pdf"
        assert path_of(restored).read_bytes() == PDF
        # The restored database works: new rows get fresh ids (sequences restored on PostgreSQL).
        db.session.add(factories.organisation(name="恢复后新增"))
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(Organisation)) == source_counts["organisations"] + 1


def test_restore_refuses_a_database_with_data_unless_forced(app, runner, make_user, scratch_app, tmp_path):
    _zone_with_a_file(make_user)
    archive = tmp_path / "zone.tar.gz"
    assert runner.invoke(args=["backup", str(archive)]).exit_code == 0
    assert _restore(scratch_app, archive).exit_code == 0
    with scratch_app.app_context():
        db.session.add(factories.organisation(name="备份之后的新公司"))
        db.session.commit()

    refused = _restore(scratch_app, archive)
    assert refused.exit_code != 0
    assert "not empty" in refused.output
    with scratch_app.app_context():
        assert db.session.scalar(select(func.count()).where(Organisation.name == "备份之后的新公司")) == 1

    forced = _restore(scratch_app, "--force", archive)
    assert forced.exit_code == 0, forced.output
    with scratch_app.app_context():
        assert db.session.scalar(select(func.count()).where(Organisation.name == "备份之后的新公司")) == 0
        assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_restore_refuses_files_already_in_the_upload_folder(app, runner, make_user, scratch_app, tmp_path):
    _zone_with_a_file(make_user)
    archive = tmp_path / "zone.tar.gz"
    assert runner.invoke(args=["backup", str(archive)]).exit_code == 0
    with scratch_app.app_context():
        folder = services.upload_folder()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "left-over.bin").write_bytes(b"x")

    refused = _restore(scratch_app, archive)
    assert refused.exit_code != 0
    assert "upload folder" in refused.output
    assert (folder / "left-over.bin").exists()


def test_restore_refuses_a_file_that_is_not_a_backup(scratch_app, tmp_path):
    bogus = tmp_path / "bogus.tar.gz"
    with tarfile.open(bogus, "w:gz") as tar:
        note = tmp_path / "note.txt"
        note.write_text("hello")
        tar.add(note, arcname="note.txt")
    result = _restore(scratch_app, bogus)
    assert result.exit_code != 0
    assert "not an Incubator backup" in result.output
    with scratch_app.app_context():
        assert services.row_counts() == {}


def test_a_backup_of_one_engine_is_not_restored_into_the_other(app, runner, make_user, scratch_app, tmp_path):
    _zone_with_a_file(make_user)
    archive = tmp_path / "zone.tar.gz"
    assert runner.invoke(args=["backup", str(archive)]).exit_code == 0
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        members = {name: tar.extractfile(name).read() for name in tar.getnames()}
    manifest["engine"] = "postgresql" if manifest["engine"] == "sqlite" else "sqlite"
    members["manifest.json"] = json.dumps(manifest).encode()
    forged = tmp_path / "other.tar.gz"
    with tarfile.open(forged, "w:gz") as tar:
        for name, data in members.items():
            path = tmp_path / "m"
            path.write_bytes(data)
            tar.add(path, arcname=name)
    result = _restore(scratch_app, forged)
    assert result.exit_code != 0
    assert f"This backup is of a {manifest['engine']} database" in result.output
