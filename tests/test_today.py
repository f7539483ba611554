"""The "today" page (Việc cần làm hôm nay): each queue counted and linked, the returns
waiting for review, the units due tomorrow that have not reported, the mailboxes' health
(issue 20). Both engines."""

from __future__ import annotations

import datetime as dt

from portal.extensions import db
from portal.i18n import VIETNAM
from portal.models import InboundMessage, Submission, SubmissionStatus
from tests.support.factories import make_dispatch, make_unit


def test_today_counts_each_queue_and_names_the_units_due_tomorrow(app, client, as_role):
    tomorrow = dt.datetime.now(VIETNAM).date() + dt.timedelta(days=1)
    with app.app_context():
        hai = make_unit("NHAI", "Huyện Đoàn Ninh Hải")
        son = make_unit("NSON", "Huyện Đoàn Ninh Sơn")
        due = make_dispatch("431-CV", "V/v báo cáo quý", tomorrow - dt.timedelta(days=10), tomorrow)
        make_dispatch("432-CV", "V/v khác", tomorrow, tomorrow + dt.timedelta(days=5))
        waiting = Submission(unit=hai, dispatch=due, status=SubmissionStatus.NEEDS_REVIEW)
        db.session.add(waiting)
        due.recipients[0].state = "needs_review"  # Ninh Hải sent one; Ninh Sơn has not
        db.session.add_all(
            [
                InboundMessage(sha256="1" * 64, status="triage", subject="?"),
                InboundMessage(sha256="2" * 64, status="correspondence", needs_answer=True),
                InboundMessage(sha256="3" * 64, status="correspondence", needs_answer=False),
            ]
        )
        db.session.commit()
        waiting_id, son_name = waiting.id, son.name
    as_role("viewer")
    page = client.get("/admin/today/").text
    assert "Việc cần làm hôm nay" in page
    counts = {
        task: page.split(f'id="task-{task}"')[1].split("</a>")[0].rsplit(">", 2)[-2]
        for task in ("review", "correspondence", "triage", "failed-mail")
    }
    assert {task: text.split("<")[0] for task, text in counts.items()} == {
        "review": "1",
        "correspondence": "1",
        "triage": "1",
        "failed-mail": "0",
    }
    assert f"/admin/submission/review/{waiting_id}" in page
    due_block = page.split('class="card card-body mb-2 due-tomorrow"')[1]
    assert "431-CV" in due_block and son_name in due_block and "Ninh Hải" not in due_block
    assert "432-CV" not in page.split("Hạn báo cáo ngày mai")[1]


def test_the_overviews_chart_says_in_text_what_it_shows(app, client, as_role):
    """The per-day chart is a picture: its days and counts are also text for a screen
    reader, and the picture itself is hidden from it (issue 20)."""
    with app.app_context():
        unit = make_unit("NHAI", "Huyện Đoàn Ninh Hải")
        dispatch = make_dispatch("431-CV", "V/v", dt.date(2026, 11, 20), dt.date(2026, 12, 20))
        received = dt.datetime(2026, 12, 3, 3, 0, tzinfo=dt.UTC)
        db.session.add(Submission(unit=unit, dispatch=dispatch, received_at=received))
        db.session.commit()
    as_role("viewer")
    page = client.get("/admin/").text
    chart = page.split('id="chart-1"')[1].split("</figure>")[0]
    assert '<div aria-hidden="true"><svg' in chart
    assert "03/12/2026: 1" in chart and "Hạn báo cáo: 20/12/2026" in chart
