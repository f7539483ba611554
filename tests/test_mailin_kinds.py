"""A return carries a form; everything else a unit writes is correspondence (mailin.kinds).

Pure: bytes in, a verdict with its reasons out. The corpus under tests/data/mail holds
messages as Gmail, Outlook, Apple Mail, Zimbra and phones write them (make_corpus.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mailin.kinds import Carried, Kind, carried_by, classify
from mailin.message import parse_message
from tests.support.form_specs import MEETINGS, MEETINGS_PASTED
from tests.support.mails import XLSX, form_attachment, make_mail

CORPUS = Path(__file__).parent / "data" / "mail"
MANIFEST = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
OWN = (frozenset({"portal.ninhthuan.example"}), frozenset({"tuyengiao@ninhthuan.example"}))

LOGO = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffd9")


def verdict(raw: bytes):
    return classify(parse_message(raw), *OWN)


def entries(expect: str) -> list[dict]:
    return [entry for entry in MANIFEST if entry["expect"] == expect]


@pytest.mark.parametrize("entry", entries("correspondence"), ids=lambda e: e["file"])
def test_a_units_message_without_a_form_is_correspondence(entry):
    found = verdict((CORPUS / entry["file"]).read_bytes())
    assert found.kind == Kind.CORRESPONDENCE, found
    assert found.reasons[0] == entry["correspondence_why"]
    assert ("link_to_online_sheet" in found.reasons) == bool(entry.get("has_link"))
    assert not found.dangers


@pytest.mark.parametrize("entry", entries("return"), ids=lambda e: e["file"])
def test_a_message_carrying_the_form_is_a_return(entry):
    found = verdict((CORPUS / entry["file"]).read_bytes())
    assert found.kind == Kind.RETURN, found
    assert entry["return_why"] in found.reasons


@pytest.mark.parametrize("entry", entries("stranger"), ids=lambda e: e["file"])
def test_machine_headers_make_machine_mail_whoever_sends_it(entry):
    found = verdict((CORPUS / entry["file"]).read_bytes())
    assert (found.kind == Kind.MACHINE) == bool(entry.get("machine")), found


def test_the_corpus_has_what_the_issue_asks_for():
    clients = {entry["client"] for entry in entries("correspondence")}
    assert len(entries("correspondence")) >= 15
    assert {"gmail", "outlook", "apple", "zimbra", "phone"} <= clients
    assert len(entries("stranger")) >= 40


def test_a_text_only_message_is_correspondence():
    found = verdict(make_mail(body="Xin hỏi biểu mẫu có cần đóng dấu không?"))
    assert (found.kind, found.reasons, found.dangers) == (
        Kind.CORRESPONDENCE,
        ("no_attachment",),
        (),
    )


def test_an_xlsx_attachment_makes_a_return():
    found = verdict(make_mail(attachments=[form_attachment()]))
    assert found.kind == Kind.RETURN
    assert found.reasons == ("form_file",)


def test_a_logo_shown_by_cid_is_not_a_form_but_the_same_picture_attached_is_a_photo():
    parsed = parse_message(make_mail(attachments=[("image001.png", LOGO, "image/png")]))
    logo = parsed.attachments[0]
    assert carried_by(logo, set()) == Carried.SCAN  # attached as a file, no Content-ID
    inline = type(logo)(logo.filename, logo.content_type, logo.content, logo.sha256, "abc@01")
    assert carried_by(inline, {"abc@01"}) == Carried.INLINE
    assert carried_by(inline, set()) == Carried.INLINE  # Outlook's image001.png name


def test_a_photo_from_a_phone_is_a_return_to_type_in():
    found = verdict(make_mail(attachments=[("IMG_0421.JPG", JPEG, "image/jpeg")]))
    assert found.kind == Kind.RETURN
    assert found.reasons == ("scan_or_photo",)


def test_an_iphone_heic_photo_or_a_damaged_pdf_is_a_scan_by_its_type():
    heic = b"\x00\x00\x00\x18ftypheic" + b"\x00" * 40
    for name, content, kind in [
        ("IMG_0422.HEIC", heic, "image/heic"),
        ("ban-quet.pdf", b"\x8a\x01garbled", "application/pdf"),
    ]:
        found = verdict(make_mail(attachments=[(name, content, kind)]))
        assert found.reasons == ("scan_or_photo",), name


def test_a_text_file_is_the_form_only_when_it_says_it_is_a_csv():
    csv = "STT,Tên trang,Địa chỉ trang\n1,Tuổi trẻ Ninh Hải,facebook.com/tn\n".encode()
    assert verdict(make_mail(attachments=[("bao cao.csv", csv, "text/csv")])).kind == Kind.RETURN
    note = verdict(make_mail(attachments=[("ghi chu.txt", b"ghi chu", "text/plain")]))
    assert note.kind == Kind.CORRESPONDENCE
    assert note.reasons == ("only_other_files",)


def test_a_calendar_invite_is_correspondence():
    ics = b"BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"
    found = verdict(make_mail(attachments=[("invite.ics", ics, "text/calendar")]))
    assert found.kind == Kind.CORRESPONDENCE
    assert found.reasons == ("calendar_invite",)


def test_a_layout_table_is_not_the_form_but_the_forms_table_is():
    signature = "<table><tr><td>Nguyễn Văn A</td><td>Bí thư</td></tr></table>"
    message = make_mail()
    parsed = parse_message(message)
    parsed.html = signature
    assert classify(parsed).kind == Kind.CORRESPONDENCE
    parsed.html = (
        "<table><tr><th>STT</th><th>Tên trang</th><th>Địa chỉ trang (URL/tên miền)</th></tr>"
        "<tr><td>1</td><td>Tuổi trẻ Ninh Hải</td><td>facebook.com/tuoitreninhhai</td></tr>"
        "</table>"
    )
    assert classify(parsed).reasons == ("form_table",)


def test_a_table_of_a_dispatchs_own_form_pasted_in_the_email_is_a_return():
    """The caller names the open dispatches' own forms; their tables count as the
    sites-and-pages form's does, and a layout table still does not."""
    parsed = parse_message(make_mail(html=MEETINGS_PASTED))
    assert classify(parsed, *OWN).kind == Kind.CORRESPONDENCE  # no form named
    assert classify(parsed, *OWN, forms=(MEETINGS,)).reasons == ("form_table",)
    parsed.html = "<table><tr><td>Nguyễn Văn A</td><td>Bí thư</td></tr></table>"
    assert classify(parsed, *OWN, forms=(MEETINGS,)).kind == Kind.CORRESPONDENCE


@pytest.mark.parametrize(
    "name, danger",
    [
        ("hoa_don.pdf.exe", "executable_file"),
        ("bao cao.xlsx.lnk", "executable_file"),
        ("../../etc/passwd", "path_in_file_name"),
        ("..\\..\\Windows\\evil.xlsx", "path_in_file_name"),
    ],
)
def test_programs_and_paths_in_names_are_dangers(name, danger):
    _, content, _ = form_attachment()
    found = verdict(make_mail(attachments=[(name, content, XLSX)]))
    assert danger in found.dangers


def test_machine_mail_stays_machine_mail_with_a_form_attached():
    found = verdict(
        make_mail(headers={"Auto-Submitted": "auto-replied"}, attachments=[form_attachment()])
    )
    assert found.kind == Kind.MACHINE
    assert found.reasons == ("auto_submitted",)
