"""Header sets, Message-IDs and MIME boundaries as each mail client writes them."""

from __future__ import annotations

import base64
import hashlib

from tests.data.mail.mimekit import DEPT, addr, date, enc


def _h(seed: str, n: int = 64) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:n]


def _b64(seed: str, n: int) -> str:
    raw = hashlib.sha256(seed.encode()).digest() + hashlib.sha256(seed.encode() + b"2").digest()
    return base64.b64encode(raw).decode().replace("/", "_").replace("+", "-")[:n]


def mid(client: str, seed: str) -> str:
    if client in ("gmail", "android"):
        return f"<CA{_b64(seed, 8)}{_b64(seed + 'x', 50)}@mail.gmail.com>"
    if client == "outlook":
        return f"<HK2PR03MB{_h(seed, 4).upper()}{_h(seed + 'o', 12).upper()}@HK2PR03MB{_h(seed, 4).upper()}.apcprd03.prod.outlook.com>"
    if client in ("apple", "iphone"):
        u = _h(seed, 32).upper()
        return f"<{u[:8]}-{u[8:12]}-{u[12:16]}-{u[16:20]}-{u[20:32]}@ninhthuan.example>"
    if client == "zimbra":
        n = int(_h(seed, 8), 16)
        return f"<{n % 2000000000}.{n % 987654}.{1529900000000 + n % 900000}.JavaMail.zimbra@ninhthuan.example>"
    if client == "samsung":
        return f"<{_h(seed, 20)}.{_h(seed + 's', 8)}@email.android.com>"
    if client == "yahoo":
        n = int(_h(seed, 8), 16)
        return f"<{n % 900000000}.{n % 1234567}.{1529910000000 + n % 90000}@mail.yahoo.com>"
    return f"<{_h(seed, 24)}@{client}>"


def boundary(client: str, seed: str, n: int = 0) -> str:
    seed = f"{seed}/{n}"
    if client in ("gmail", "android"):
        return "000000000000" + _h(seed, 16)
    if client == "outlook":
        return f"_00{n * 4 if n < 3 else n}_HK2PR03MB{_h(seed, 4).upper()}{_h(seed + 'b', 12).upper()}apcp_"
    if client in ("apple", "iphone"):
        u = _h(seed, 32).upper()
        return f"Apple-Mail=_{u[:8]}-{u[8:12]}-{u[12:16]}-{u[16:20]}-{u[20:32]}"
    if client == "zimbra":
        u = _h(seed, 32)
        return f"=_{u[:8]}-{u[8:12]}-{u[12:16]}-{u[16:20]}-{u[20:32]}"
    if client == "samsung":
        return f"--_com.samsung.android.email_{int(_h(seed, 12), 16) % 10**14}"
    if client == "yahoo":
        return (
            f"----=_Part_{int(_h(seed, 6), 16) % 9999}_{int(_h(seed, 8), 16)}.{1529910000000 + n}"
        )
    return "----=_NextPart_" + _h(seed, 24)


def headers(
    client: str,
    seed: str,
    sender: tuple[str, str],
    subject: str,
    when: tuple[int, int, int],
    to: str | None = None,
    cc: str | None = None,
    reply: str | None = None,
    refs: str | None = None,
    topic: str | None = None,
    attach: bool = False,
    extra: tuple[str, ...] = (),
) -> list[str]:
    """Top-level header lines (Content-Type follows from the body part)."""
    day, hh, mm = when
    frm = "From: " + addr(*sender)
    to_line = "To: " + (to or addr("Ban Tuyên giáo Tỉnh Đoàn Ninh Thuận", DEPT))
    subj = "Subject: " + enc(subject)
    d = date(day, hh, mm, int(_h(seed, 2), 16) % 60)
    msgid = mid(client, seed)
    thread = []
    if reply:
        thread = [f"In-Reply-To: {reply}", f"References: {refs or reply}"]
    cc_line = [f"Cc: {cc}"] if cc else []
    received = (
        f"Received: from {client}-relay.example ([203.113.{int(_h(seed, 2), 16) % 250}.{int(_h(seed + 'r', 2), 16) % 250}])\n"
        f"\tby mx.ninhthuan.example (Postfix) with ESMTPS id {_h(seed, 10).upper()}\n"
        f"\tfor <{DEPT}>; {d}"
    )
    if client in ("gmail", "android"):
        return [
            received,
            f"X-Gm-Message-State: AOUpUl{_b64(seed + 'g', 60)}",
            f"X-Google-Smtp-Source: AAOMgp{_b64(seed + 's', 40)}",
            "MIME-Version: 1.0",
            *thread,
            frm,
            f"Date: {d}",
            f"Message-ID: {msgid}",
            subj,
            to_line,
            *cc_line,
            *extra,
        ]
    if client == "outlook":
        ti = base64.b64encode(bytes.fromhex("01d40c1a" + _h(seed, 36))).decode()
        return [
            received,
            frm,
            to_line,
            *cc_line,
            subj,
            "Thread-Topic: " + enc(topic or subject.split(": ", 1)[-1]),
            f"Thread-Index: {ti}",
            f"Date: {d}",
            f"Message-ID: {msgid}",
            *thread,
            "Accept-Language: vi-VN, en-US",
            "Content-Language: vi-VN",
            f"X-MS-Has-Attach: {'yes' if attach else ''}".rstrip(),
            "X-MS-TNEF-Correlator:",
            f"x-originating-ip: [113.161.{int(_h(seed, 2), 16) % 250}.12]",
            *extra,
            "MIME-Version: 1.0",
        ]
    if client == "apple":
        return [
            received,
            frm,
            "Mime-Version: 1.0 (Mac OS X Mail 11.4 \\(3445.8.2\\))",
            subj,
            f"Date: {d}",
            *thread,
            to_line,
            *cc_line,
            f"Message-Id: {msgid}",
            "X-Mailer: Apple Mail (2.3445.8.2)",
            *extra,
        ]
    if client == "iphone":
        return [
            received,
            frm,
            "Mime-Version: 1.0 (1.0)",
            f"Date: {d}",
            subj,
            f"Message-Id: {msgid}",
            *thread,
            to_line,
            *cc_line,
            "X-Mailer: iPhone Mail (15F79)",
            *extra,
        ]
    if client == "zimbra":
        return [
            received,
            f"Date: {d}",
            frm,
            to_line,
            *cc_line,
            f"Message-ID: {msgid}",
            *thread,
            subj,
            "MIME-Version: 1.0",
            f"X-Originating-IP: [113.161.{int(_h(seed, 2), 16) % 250}.45]",
            "X-Mailer: Zimbra 8.8.15_GA_3869 (ZimbraWebClient - GC86 (Win)/8.8.15_GA_3869)",
            "Thread-Topic: " + enc(topic or subject.split(": ", 1)[-1]),
            "Thread-Index: " + base64.b64encode(bytes.fromhex(_h(seed + "t", 40))).decode(),
            *extra,
        ]
    if client == "samsung":
        return [
            received,
            f"Message-ID: {msgid}",
            *thread,
            "MIME-Version: 1.0",
            subj,
            frm,
            to_line,
            *cc_line,
            f"Date: {d}",
            *extra,
        ]
    if client == "yahoo":
        return [
            received,
            f"Date: {d}",
            frm,
            "Reply-To: " + addr(*sender),
            to_line,
            *cc_line,
            f"Message-ID: {msgid}",
            *thread,
            subj,
            "MIME-Version: 1.0",
            "X-Mailer: WebService/1.1.11980 YahooMailAndroidMobile YMobile/1.0 (com.yahoo.mobile.client.android.mail/5.27.3; Android/8.0.0; R16NW; dreamlte; samsung; SM-G950F; 5.55; 2220x1080; )",
            *extra,
        ]
    return [
        received,
        frm,
        to_line,
        *cc_line,
        subj,
        f"Date: {d}",
        f"Message-ID: {msgid}",
        *thread,
        "MIME-Version: 1.0",
        *extra,
    ]
