"""Is the From address proven? Only the mailbox's own server's top-most header decides."""

from __future__ import annotations

import pytest

from mailin.authres import (
    MICROSOFT_365,
    SenderProof,
    check_sender,
    parse_header,
    strip_comments,
)
from mailin.message import parse_message
from tests.support.mails import make_mail

GMAIL = "mx.google.com"
UNIT_DOMAIN = "ninhthuan.example"

GENUINE = (
    "mx.google.com; dkim=pass header.i=@ninhthuan.example header.s=s1 header.b=Ab12Cd34; "
    "spf=pass (google.com: domain of huyendoan.ninhhai@ninhthuan.example designates "
    "203.0.113.5 as permitted sender) smtp.mailfrom=huyendoan.ninhhai@ninhthuan.example; "
    "dmarc=pass (p=QUARANTINE sp=QUARANTINE dis=NONE) header.from=ninhthuan.example"
)
DMARC_FAIL = (
    "mx.google.com; spf=fail (google.com: domain of huyendoan.ninhhai@ninhthuan.example "
    "does not designate 198.51.100.7 as permitted sender) "
    "smtp.mailfrom=huyendoan.ninhhai@ninhthuan.example; "
    "dmarc=fail (p=NONE sp=NONE dis=NONE) header.from=ninhthuan.example"
)


def check(*values: str, server: str = GMAIL, domain: str = UNIT_DOMAIN):
    return check_sender(list(values), server, domain)


def test_no_setting_no_judgement():
    assert check(DMARC_FAIL, server="").proof == SenderProof.UNCHECKED


def test_a_genuine_gmail_header_proves_the_sender():
    assert check(GENUINE).proof == SenderProof.PROVEN


def test_dmarc_fail_from_the_trusted_server_is_not_proven():
    result = check(DMARC_FAIL)
    assert result.proof == SenderProof.NOT_PROVEN
    assert result.reasons == ("dmarc=fail",)


def test_spf_fail_without_aligned_dkim_is_not_proven():
    header = (
        "mx.google.com; spf=fail smtp.mailfrom=ninhthuan.example; "
        "dkim=pass header.d=mailer.evil.example"  # a signature, but not the From domain's
    )
    assert check(header).proof == SenderProof.NOT_PROVEN


def test_spf_fail_with_an_aligned_dkim_pass_is_proven():
    # A forwarder broke SPF; the unit's own DKIM signature still vouches for it.
    header = (
        "mx.google.com; spf=fail smtp.mailfrom=fwd.example; dkim=pass header.d=ninhthuan.example"
    )
    assert check(header).proof == SenderProof.PROVEN


def test_a_subdomain_signature_is_aligned_relaxed():
    header = "mx.google.com; dkim=pass header.i=@mail.ninhthuan.example"
    assert check(header).proof == SenderProof.PROVEN


def test_a_forged_pass_below_the_trusted_fail_is_ignored():
    # The sender wrote its own "pass" before our server added the real verdict on top.
    forged_pass = GENUINE
    assert check(DMARC_FAIL, forged_pass).proof == SenderProof.NOT_PROVEN


def test_a_pass_from_another_server_above_the_trusted_fail_is_ignored():
    other = "mx.evil.example; spf=pass smtp.mailfrom=ninhthuan.example; dmarc=pass"
    assert check(other, DMARC_FAIL).proof == SenderProof.NOT_PROVEN


def test_a_pass_hidden_in_a_comment_is_not_a_pass():
    header = (
        "mx.google.com; spf=fail (dmarc=pass dkim=pass header.d=ninhthuan.example) "
        "smtp.mailfrom=ninhthuan.example"
    )
    assert check(header).proof == SenderProof.NOT_PROVEN


def test_the_server_name_is_compared_whole_and_without_case():
    lookalike = "mx.google.com.evil.example; dmarc=pass header.from=ninhthuan.example"
    assert check(lookalike).proof == SenderProof.UNKNOWN
    assert check(DMARC_FAIL.replace("mx.google.com", "MX.Google.COM")).proof == (
        SenderProof.NOT_PROVEN
    )


def test_no_header_from_the_trusted_server_is_unknown_not_forged():
    assert check().proof == SenderProof.UNKNOWN
    assert check("mx.other.example; dmarc=fail").proof == SenderProof.UNKNOWN


def test_a_version_after_the_server_name_is_allowed():
    assert check("mx.google.com 1; dmarc=fail header.from=x").proof == SenderProof.NOT_PROVEN


@pytest.mark.parametrize(
    "header, proof",
    [
        (
            "spf=pass (sender IP is 203.0.113.5) smtp.mailfrom=ninhthuan.example; "
            "dkim=pass (signature was verified) header.d=ninhthuan.example;"
            "dmarc=pass action=none header.from=ninhthuan.example;compauth=pass reason=100",
            SenderProof.PROVEN,
        ),
        (
            "spf=fail (sender IP is 198.51.100.7) smtp.mailfrom=ninhthuan.example; "
            "dkim=none (message not signed) header.d=none;"
            "dmarc=fail action=quarantine header.from=ninhthuan.example;compauth=fail reason=000",
            SenderProof.NOT_PROVEN,
        ),
    ],
)
def test_exchange_online_writes_no_server_name(header, proof):
    assert check(header, server=MICROSOFT_365).proof == proof
    # Named as any other server, the id-less header is not taken for it.
    assert check(header, server="outlook.com").proof == SenderProof.UNKNOWN


def test_parse_header_reads_methods_results_and_properties():
    server, results = parse_header(GENUINE)
    assert server == GMAIL
    assert [(r.method, r.result) for r in results] == [
        ("dkim", "pass"),
        ("spf", "pass"),
        ("dmarc", "pass"),
    ]
    assert results[2].properties["header.from"] == UNIT_DOMAIN


def test_comments_nest_and_quotes_keep_parentheses():
    assert strip_comments('a (b (c) d) e "(kept)"') == 'a  e "(kept)"'


def test_the_parser_reads_every_header_top_most_first():
    # The receiving server prepends its header above any the message came with.
    written_by_sender = make_mail(headers={"Authentication-Results": DMARC_FAIL})
    raw = b"Authentication-Results: " + GENUINE.encode() + b"\r\n" + written_by_sender
    parsed = parse_message(raw)
    assert len(parsed.authentication_results) == 2
    assert parsed.authentication_results[0].startswith("mx.google.com; dkim=pass")
    assert check_sender(parsed.authentication_results, GMAIL, UNIT_DOMAIN).proof == (
        SenderProof.PROVEN
    )
