"""Write the realistic mail corpus: correspondence/, returns/, strangers/ + manifest.json.

Run: cd /work/main && .venv/bin/python tests/data/mail/make_corpus.py
(or ``-m tests.data.mail.make_corpus``). Deterministic: re-running writes the same bytes.
Every message is raw MIME written by hand (see mimekit.py) with CRLF line ends.
"""

from __future__ import annotations

import email
import email.policy
import json
import re
import sys
from email.utils import getaddresses
from pathlib import Path

HERE = Path(__file__).resolve().parent
if __package__ in (None, ""):
    sys.path.insert(0, str(HERE.parents[2]))

from tests.data.mail import corpus_correspondence, corpus_returns, corpus_strangers  # noqa: E402
from tests.data.mail.mimekit import UNIT_HAI, UNIT_SON  # noqa: E402

FOLDERS = {"correspondence": "correspondence", "return": "returns", "stranger": "strangers"}
META_KEYS = (
    "file",
    "client",
    "expect",
    "what",
    "correspondence_why",
    "has_link",
    "return_why",
    "machine",
    "malicious",
)
LINK_RE = re.compile(
    r"docs\.google\.com/spreadsheets|drive\.google\.com|1drv\.ms|onedrive\.live\.com|sharepoint\.com"
)
FORM_EXT = (".xlsx", ".xls", ".ods", ".csv", ".docx")


def build() -> list[dict]:
    entries = corpus_correspondence.build() + corpus_returns.build() + corpus_strangers.build()
    names = [e["file"] for e in entries]
    assert len(names) == len(set(names)), "duplicate file names"
    return entries


def write(entries: list[dict]) -> None:
    for folder in FOLDERS.values():
        directory = HERE / folder
        directory.mkdir(exist_ok=True)
        for old in directory.glob("*.eml"):
            old.unlink()
    for entry in entries:
        (HERE / entry["file"]).write_bytes(entry["data"])
    manifest = [{k: e[k] for k in META_KEYS if k in e} for e in entries]
    (HERE / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )


# ---- checking ----------------------------------------------------------------


def _leaves(msg):
    return [p for p in msg.walk() if not p.is_multipart()]


def _html(msg) -> str:
    out = []
    for p in _leaves(msg):
        if p.get_content_type() == "text/html":
            out.append(
                p.get_payload(decode=True).decode(p.get_content_charset() or "utf-8", "replace")
            )
    return "\n".join(out)


def _all_text(msg) -> str:
    out = []
    for p in _leaves(msg):
        if p.get_content_maintype() == "text":
            raw = p.get_payload(decode=True) or b""
            out.append(raw.decode(p.get_content_charset() or "utf-8", "replace"))
    return "\n".join(out)


def attachments(msg) -> list:
    """Leaves that are not the text/plain or text/html body."""
    found = []
    for p in _leaves(msg):
        body = p.get_content_type() in ("text/plain", "text/html")
        if body and p.get_content_disposition() != "attachment" and not p.get_filename():
            continue
        found.append(p)
    return found


def _cid(p) -> str:
    return (p.get("Content-ID") or "").strip().strip("<>")


def is_inline_image(p, html: str) -> bool:
    if p.get_content_maintype() != "image" or not _cid(p):
        return False
    outlook_name = re.fullmatch(r"image\d{3}\.(png|jpg|jpeg|gif)", p.get_filename() or "")
    return ("cid:" + _cid(p)) in html or bool(outlook_name)


def correspondence_why(msg) -> str:
    atts, html = attachments(msg), _html(msg)
    if not atts:
        return "no_attachment"
    if all(is_inline_image(p, html) for p in atts):
        return "only_inline_images"
    if any(
        p.get_content_type() in ("text/calendar", "application/ics")
        or (p.get_filename() or "").lower().endswith(".ics")
        for p in atts
    ):
        return "calendar_invite"
    return "only_other_files"


def is_machine(msg, raw: bytes) -> bool:
    auto = (msg.get("Auto-Submitted") or "").strip().lower()
    if auto and auto != "no":
        return True
    if (msg.get("Precedence") or "").strip().lower() in ("bulk", "list", "junk"):
        return True
    if any(k.lower().startswith("list-") for k in msg.keys()):
        return True
    if msg.get("X-Auto-Response-Suppress") is not None or msg.get("X-Autoreply") is not None:
        return True
    if msg.get("Return-Path") is not None and msg.get("Return-Path").strip() == "<>":
        return True
    if msg.get_content_type() == "multipart/report":
        return True
    senders = [a.lower() for _, a in getaddresses(msg.get_all("From", []))]
    return any(
        re.match(r"(mailer-daemon|postmaster|no-?reply|do-?not-?reply)@", a) for a in senders
    )


def check(entries: list[dict]) -> None:  # noqa: C901 - one assertion list per folder
    units = {UNIT_HAI, UNIT_SON}
    for e in entries:
        name, raw = e["file"], (HERE / e["file"]).read_bytes()
        assert raw == e["data"], name
        assert b"\n" not in raw.replace(b"\r\n", b""), f"{name}: bare LF"
        assert b"\r" not in raw.replace(b"\r\n", b""), f"{name}: bare CR"
        assert len(raw) < 300_000, f"{name}: too big"
        assert name.startswith(FOLDERS[e["expect"]] + "/"), name
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        assert not msg.defects or e.get("broken"), f"{name}: defects {msg.defects}"
        senders = [a.lower() for _, a in getaddresses([str(v) for v in msg.get_all("From", [])])]
        subject = str(msg.get("Subject", ""))
        atts, html = attachments(msg), _html(msg)
        if "n_att" in e:
            assert len(atts) == e["n_att"], (
                f"{name}: {len(atts)} attachments, expected {e['n_att']}"
            )
        for cid in e.get("cids", ()):
            assert f"cid:{cid}" in html, f"{name}: cid:{cid} not in HTML"
            assert any(_cid(p) == cid for p in atts), f"{name}: no part with Content-ID {cid}"
        for needle in e.get("contains", ()):
            assert needle in _all_text(msg) or needle in raw.decode("utf-8", "replace"), (
                f"{name}: {needle!r}"
            )
        if e["expect"] in ("correspondence", "return"):
            assert len(senders) == 1 and senders[0] in units, f"{name}: sender {senders}"
            assert not is_machine(msg, raw), f"{name}: machine headers"
            assert not re.match(
                r"(Trả lời tự động|Automatic reply|Out of office)", subject, re.I
            ), name
        if e["expect"] == "correspondence":
            assert correspondence_why(msg) == e["correspondence_why"], (
                f"{name}: {correspondence_why(msg)}"
            )
            assert bool(LINK_RE.search(_all_text(msg))) == e.get("has_link", False), (
                f"{name}: has_link"
            )
            assert not any((p.get_filename() or "").lower().endswith(FORM_EXT) for p in atts), name
        if e["expect"] == "return":
            why = e["return_why"]
            if why == "form_file":
                assert any((p.get_filename() or "").lower().endswith(FORM_EXT) for p in atts), name
            elif why == "form_table":
                for cell in (
                    "STT",
                    "Tên trang",
                    "Địa chỉ trang (URL/tên miền)",
                    "Cơ quan chủ quản",
                ):
                    assert re.search(r"<t[hd][^>]*>\s*(<[^>]+>\s*)*" + re.escape(cell), html), (
                        f"{name}: {cell}"
                    )
            else:
                assert any(
                    (
                        p.get_content_type() == "application/pdf"
                        or p.get_content_maintype() == "image"
                    )
                    and not is_inline_image(p, html)
                    for p in atts
                ), name
        if e["expect"] == "stranger":
            assert not (len(senders) == 1 and senders[0] in units), f"{name}: unit sender"
            assert is_machine(msg, raw) == e.get("machine", False), f"{name}: machine"
    print(f"checked {len(entries)} messages")


def main() -> None:
    entries = build()
    write(entries)
    again = build()
    assert [e["data"] for e in again] == [e["data"] for e in entries], "not deterministic"
    check(entries)
    counts = {}
    for e in entries:
        counts[e["expect"]] = counts.get(e["expect"], 0) + 1
    print(counts)


if __name__ == "__main__":
    main()
