"""Machine mail is recognised (RFC 3834 and what helpdesks check); people's mail is not."""

from __future__ import annotations

import pytest

from mailin.machine import machine_reason
from mailin.matching import dispatch_by_subject, dispatch_key
from mailin.message import parse_message
from tests.support.mails import MACHINE_MAIL, make_mail


@pytest.mark.parametrize("kind", sorted(MACHINE_MAIL))
def test_machine_mail_of_every_kind_is_recognised(kind):
    parsed = parse_message(make_mail(**MACHINE_MAIL[kind]))
    assert machine_reason(parsed, frozenset({"portal.ninhthuan.example"})) != ""


def test_a_delivery_report_names_the_message_it_bounces():
    raw = (
        b"From: MAILER-DAEMON@mx.example\r\nSubject: Undelivered Mail\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="r"\r\n\r\n'
        b"--r\r\nContent-Type: text/plain\r\n\r\nCould not deliver.\r\n"
        b"--r\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example\r\n"
        b"\r\nFinal-Recipient: rfc822; x@doan.example\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        b"--r\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        b"Message-ID: <ack.7@portal.ninhthuan.example>\r\nSubject: Re: Bao cao\r\n--r--\r\n"
    )
    parsed = parse_message(raw)
    assert machine_reason(parsed) == "delivery_report"
    assert parsed.reported_message_ids == ["<ack.7@portal.ninhthuan.example>"]


@pytest.mark.parametrize("headers", [{}, {"Auto-Submitted": "no"}, {"Precedence": "normal"}])
def test_a_person_is_a_person(headers):
    parsed = parse_message(make_mail(headers=headers))
    assert machine_reason(parsed, frozenset({"portal.ninhthuan.example"})) == ""


NUMBERS = {1: "422-CV/TĐTN-TG", 2: "15-CV/ĐK", 3: "DK-FANPAGE-2021"}


@pytest.mark.parametrize(
    "subject, expected",
    [
        ("422", 1),
        ("CV 422", 1),
        ("422-CV/TĐTN-TG", 1),
        ("Báo cáo theo CV số 422", 1),
        ("Re: Bao cao theo cong van so 422-cv/tdtn-tg", 1),
        ("báo cáo cv 15", 2),
        ("Báo cáo ngày 27/6/2018", None),
        ("CV 15 và CV 422", None),
        ("Báo cáo", None),
        ("Trả lời DK-FANPAGE-2021", 3),
    ],
)
def test_the_dispatch_number_is_found_in_the_subject(subject, expected):
    assert dispatch_by_subject(subject, NUMBERS) == expected


def test_dispatch_key_is_the_leading_number():
    assert dispatch_key("422-CV/TĐTN-TG") == "422"
    assert dispatch_key("Số: 0422/CV") == "422"
    assert dispatch_key("DK-FANPAGE-2021") == ""
