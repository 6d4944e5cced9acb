"""A page's notification to many users: up to NOTIFY_JOB_MIN_USERS sent in the request, above it a
``notify`` job (in-process, and on a real Redis worker) that tells each user the same words in their
language, shows its progress to the user who asked, and to no one else."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from incubator.extensions import db
from incubator.jobs import services
from incubator.jobs.models import Job
from incubator.notifications.models import Notification



def platform_form(code: str) -> dict:
    return {"code": code, "name": "新星众创空间", "kind": "maker_space", "level": "municipal", "host_id": "",
            "operating_since": "2024-05-01", "area_m2": "1200", "stations": "80", "description": "",
            "attr_focus": "硬件创新", "attr_open_stations": "40", "attr_discipline": "不属于此类"}


@pytest.fixture(params=["in-process", "redis"])
def mode(request):
    return request.param


@pytest.fixture
def config_overrides(request, mode):
    settings = {"NOTIFY_JOB_MIN_USERS": 2}
    if mode == "redis":
        settings.update(request.getfixturevalue("redis_settings"))
    return settings


def run_queue(app, mode) -> None:
    if mode == "redis":
        from rq import SimpleWorker

        SimpleWorker([app.config["JOB_QUEUE_NAME"]], connection=services.redis_connection()).work(burst=True)
    db.session.expire_all()


def notes_of(user) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                   .order_by(Notification.id)))


def test_a_registration_told_to_many_admins_goes_through_a_job_with_the_same_words(app, login_as, make_user,
                                                                                     mode):
    reader = make_user("admin", locale="zh")
    second = make_user("admin")
    client, manager = login_as("manager")
    # Two administrators: told in the request, no job.
    assert client.post("/platforms/new", data=platform_form(code="zc-one")).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Job)) == 0
    inline = notes_of(reader)
    assert len(inline) == 1

    make_user("admin", is_enabled=False)  # not told, and not counted
    third = make_user("admin")
    assert client.post("/platforms/new", data=platform_form(code="zc-two")).status_code == 302
    job = db.session.scalar(select(Job))
    assert (job.kind, job.user_id, job.params["user_ids"]) == ("notify", manager.id,
                                                               sorted([reader.id, second.id, third.id]))
    if mode == "redis":
        assert (job.status, len(notes_of(third))) == ("queued", 0)  # nobody is told before a worker runs
    run_queue(app, mode)
    job = db.session.get(Job, job.id)
    assert (job.status, job.result, job.total, job.percent) == ("finished", {"sent": 3}, 3, 100)
    told = notes_of(reader)
    assert len(told) == 2 and len(notes_of(third)) == 1
    # The job's words are the page's: same subject in Chinese, the body differs only by the code.
    assert told[1].subject == inline[0].subject
    assert told[1].body == inline[0].body.replace("ZC-ONE", "ZC-TWO")
    assert told[1].link == job.params["link"] and told[1].link != inline[0].link

    status = client.get(f"/jobs/{job.id}/status.json").get_json()
    assert (status["status"], status["percent"]) == ("finished", 100)
    assert f"/jobs/{job.id}" in client.get("/jobs/").get_data(as_text=True)
    for role in ("manager", "startup", "partner"):  # nobody else sees the job or whom it told
        other, _user = login_as(role)
        assert other.get(f"/jobs/{job.id}").status_code == 404
        assert other.get(f"/jobs/{job.id}/status.json").status_code == 404
        assert other.post(f"/jobs/{job.id}/cancel").status_code == 404
