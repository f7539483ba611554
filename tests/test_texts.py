"""What units and the upstream body read is in templates/: Vietnamese, NFC, adaptable."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest
from flask_babel import force_locale

from portal import ROOT
from portal.extensions import db
from portal.models import Dispatch, InboundMessage, Unit
from portal.services.acknowledge import reply_to

TEXT_TEMPLATES = sorted((ROOT / "templates" / "email").iterdir()) + sorted(
    (ROOT / "templates" / "documents").iterdir()
)


@pytest.mark.parametrize("path", TEXT_TEMPLATES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_each_template_is_nfc_and_says_what_it_is_for(path):
    source = path.read_text(encoding="utf-8")
    assert unicodedata.is_normalized("NFC", source)
    # Staff who adapt it read there what it is for and which variables it gets.
    assert source.startswith("{#-")


def test_a_reply_to_an_email_without_subject_says_what_it_is(app):
    with app.app_context():
        unit = Unit(code="NHAI", name="Huyện Đoàn Ninh Hải")
        dispatch = Dispatch(
            number="422-CV/TĐTN-TG",
            subject="V/v tiếp cận thông tin",
            issued_on=dt.date(2018, 6, 20),
            deadline=dt.date(2018, 6, 27),
        )
        message = InboundMessage(
            sha256="1" * 64, subject="", from_address="a@b.example", message_id="<a@b.example>"
        )
        db.session.add_all([unit, dispatch, message])
        db.session.flush()
        triage = dict(subject="", received_at="", unit_known=False, dispatch_known=False)
        rejection = dict(unit=unit, dispatch=dispatch, note="Sai mẫu.")
        with force_locale("vi"):
            assert (
                reply_to(message, "triage", triage).subject
                == "Xác nhận đã nhận thư gửi Ban Tuyên giáo"
            )
            assert (
                reply_to(message, "rejection", rejection).subject
                == "Báo cáo theo Công văn số 422-CV/TĐTN-TG chưa được chấp nhận"
            )
            message.subject = "Báo cáo\r\nBcc: x@evil.example"
            assert reply_to(message, "rejection", rejection).subject == (
                "Re: Báo cáo Bcc: x@evil.example"
            )
            message.subject = "TL: Báo cáo"
            assert reply_to(message, "triage", triage).subject == "TL: Báo cáo"
