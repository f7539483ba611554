"""returns/: messages from the two units that carry the completed form (file, table or scan)."""

from __future__ import annotations

import io
from html import escape

from tests.data.mail.clients import boundary, headers
from tests.data.mail.corpus_correspondence import (
    CV_QUOTE,
    HAI,
    RE_CV,
    SON,
    gmail_alt,
    gmail_quote,
    outlook_html,
    outlook_related,
    outlook_sig,
)
from tests.data.mail.mimekit import (
    CV_ID,
    DOCX,
    FORM_HEADER,
    PDF_SCAN,
    TINY_JPEG,
    XLSX,
    attach,
    b64,
    crlf,
    finish,
    message,
    multipart,
    normalize_zip,
    part,
    text,
)
from tests.support.mails import form_attachment

MAKERS = []
ROWS_HAI = [
    ["Tuổi trẻ Ninh Hải", "facebook.com/tuoitreninhhai", "Huyện Đoàn Ninh Hải"],
    ["Đoàn xã Vĩnh Hải", "facebook.com/doanxavinhhai", "Đoàn xã Vĩnh Hải"],
]
ROWS_SON = [
    ["Tuổi trẻ Ninh Sơn", "facebook.com/tuoitreninhson", "Huyện Đoàn Ninh Sơn"],
    ["Thanh niên Ninh Sơn", "youtube.com/c/thanhnienninhson", "Huyện Đoàn Ninh Sơn"],
]


def build() -> list[dict]:
    return [make() for make in MAKERS]


def msg(fn):
    MAKERS.append(fn)
    return fn


def entry(file, client, what, data, why, **kw) -> dict:
    return dict(
        file="returns/" + file,
        client=client,
        expect="return",
        what=what,
        return_why=why,
        data=finish(data),
        **kw,
    )


def xlsx(name, rows):
    _, data, _ = form_attachment(name, rows)
    return normalize_zip(data)  # openpyxl stamps zip entries with the current time


def docx_bytes() -> bytes | None:
    try:
        import docx  # python-docx
    except ImportError:
        return None
    import datetime as dt

    doc = docx.Document()
    doc.core_properties.created = doc.core_properties.modified = dt.datetime(2018, 6, 27, 8, 0)
    doc.core_properties.author = "Huyện Đoàn Ninh Sơn"
    doc.add_paragraph("BÁO CÁO CÁC TRANG MẠNG XÃ HỘI DO ĐƠN VỊ QUẢN LÝ")
    table = doc.add_table(rows=1, cols=4)
    for cell, value in zip(table.rows[0].cells, FORM_HEADER, strict=True):
        cell.text = value
    for n, row in enumerate(ROWS_SON, 1):
        for cell, value in zip(table.add_row().cells, [str(n), *row], strict=True):
            cell.text = value
    buf = io.BytesIO()
    doc.save(buf)
    return normalize_zip(buf.getvalue())


@msg
def r01():
    s = "r01"
    body = "Kính gửi Ban Tuyên giáo,\n\nHuyện Đoàn Ninh Hải gửi báo cáo theo Công văn 422 (file đính kèm).\n\nTrân trọng."
    att = attach(
        XLSX,
        xlsx("Báo cáo trang mạng xã hội.xlsx", ROWS_HAI),
        "Báo cáo trang mạng xã hội.xlsx",
        extra=("X-Attachment-Id: f_jiwq3x1p0",),
    )
    data = message(
        headers("gmail", s, HAI, "Báo cáo theo CV 422-CV/TĐTN-TG", (27, 10, 2)),
        multipart("mixed", boundary("gmail", s, 0), [gmail_alt(s, body, n=1), att]),
    )
    return entry(
        "01-gmail-xlsx.eml",
        "gmail",
        "Gmail return with the xlsx form attached",
        data,
        "form_file",
        n_att=1,
    )


@msg
def r02():
    s = "r02"
    body = "Kính gửi Ban,\n\nĐơn vị gửi báo cáo dạng CSV.\n\nTrân trọng."
    rows = [",".join(FORM_HEADER)] + [",".join([str(n), *r]) for n, r in enumerate(ROWS_SON, 1)]
    csv = b"\xef\xbb\xbf" + crlf("\n".join(rows) + "\n")
    alt = multipart(
        "alternative",
        boundary("outlook", s, 0),
        [
            text(body, charset='"utf-8"', cte="base64"),
            text(outlook_html(body, ""), "html", charset='"utf-8"', cte="base64"),
        ],
    )
    att = attach("text/csv", csv, "BaoCao_NinhSon_CV422.csv", style="raw", size=True)
    data = message(
        headers(
            "outlook", s, SON, "Báo cáo CV 422 - Huyện Đoàn Ninh Sơn", (27, 14, 40), attach=True
        ),
        multipart("mixed", boundary("outlook", s, 1), [alt, att]),
    )
    return entry(
        "02-outlook-csv.eml",
        "outlook",
        "Outlook return with a UTF-8 (BOM) CSV of the form attached",
        data,
        "form_file",
        n_att=1,
    )


DOCX_DATA = docx_bytes()
if DOCX_DATA is not None:

    @msg
    def r03():
        s = "r03"
        body = "Kính gửi Ban Tuyên giáo,\n\nĐơn vị gửi báo cáo (file Word).\n\nTrân trọng,\nHuyện Đoàn Ninh Sơn"
        att = attach(
            DOCX, DOCX_DATA, "Báo cáo CV422 Ninh Sơn.docx", extra=("X-Attachment-Id: f_jix0a9b30",)
        )
        data = message(
            headers("gmail", s, SON, "Báo cáo CV 422", (28, 8, 55)),
            multipart("mixed", boundary("gmail", s, 0), [gmail_alt(s, body, n=1), att]),
        )
        return entry(
            "03-gmail-docx.eml",
            "gmail",
            "Gmail return with the form as a Word .docx table",
            data,
            "form_file",
            n_att=1,
        )


@msg
def r04():
    s = "r04"
    cell = 'style="border:1px solid rgb(0,0,0);padding:2px 3px"'
    head = "".join(f"<td {cell}><b>{escape(h)}</b></td>" for h in FORM_HEADER)
    body_rows = "".join(
        "<tr>" + "".join(f"<td {cell}>{escape(v)}</td>" for v in [str(n), *r]) + "</tr>"
        for n, r in enumerate(ROWS_HAI, 1)
    )
    html = (
        '<div dir="ltr"><div>Kính gửi Ban Tuyên giáo,</div><div>Đơn vị báo cáo như bảng dưới đây:</div><br>'
        '<table cellspacing="0" cellpadding="0" dir="ltr" border="1" style="table-layout:fixed;font-size:10pt;'
        f'font-family:Arial;width:0px;border-collapse:collapse;border:none"><tbody><tr>{head}</tr>{body_rows}'
        "</tbody></table><br><div>Trân trọng.</div></div>"
    )
    plain = (
        "Kính gửi Ban Tuyên giáo,\nĐơn vị báo cáo như bảng dưới đây:\n\n"
        + "\t".join(FORM_HEADER)
        + "\n"
        + "\n".join("\t".join([str(n), *r]) for n, r in enumerate(ROWS_HAI, 1))
        + "\n\nTrân trọng."
    )
    alt = multipart("alternative", boundary("gmail", s), [text(plain), text(html, "html")])
    data = message(headers("gmail", s, HAI, RE_CV, (28, 16, 7), reply=CV_ID), alt)
    return entry(
        "04-gmail-table-in-body.eml",
        "gmail",
        "Gmail return with the form's table pasted in the HTML body",
        data,
        "form_table",
        n_att=0,
    )


@msg
def r05():
    s = "r05"
    pdf = attach("application/pdf", PDF_SCAN, "Scan_BaoCao_CV422.pdf", style="raw")
    data = message(
        headers("apple", s, SON, "Bản scan báo cáo CV 422", (29, 9, 20)),
        multipart(
            "mixed",
            boundary("apple", s),
            [
                text(
                    "Kính gửi Ban,\n\nĐơn vị gửi bản scan báo cáo có chữ ký, đóng dấu.\n",
                    charset="utf-8",
                ),
                pdf,
                text("\nTrân trọng,\nHuyện Đoàn Ninh Sơn\n", charset="utf-8"),
            ],
        ),
    )
    return entry(
        "05-apple-scanned-pdf.eml",
        "apple",
        "Apple Mail return with a scanned PDF attached",
        data,
        "scan_or_photo",
        n_att=1,
    )


@msg
def r06():
    s = "r06"
    photo = part(
        [
            "Content-Type: image/jpeg;\n\tname=IMG_0421.JPG;\n\tx-apple-part-url=A1C2E3F4-5B6D-4E7F-8A9B-0C1D2E3F4A5B",
            "Content-Disposition: inline;\n\tfilename=IMG_0421.JPG",
            "Content-Transfer-Encoding: base64",
        ],
        b64(TINY_JPEG),
    )
    data = message(
        headers("iphone", s, HAI, "Báo cáo CV 422", (29, 17, 3)),
        multipart(
            "mixed",
            boundary("apple", s),
            [
                text("Em gửi ảnh chụp báo cáo ạ.", charset="utf-8"),
                photo,
                text("\n\nGửi từ iPhone của tôi", charset="utf-8"),
            ],
        ),
    )
    return entry(
        "06-iphone-photo.eml",
        "apple",
        "iPhone return: photo IMG_0421.JPG attached inline without Content-ID, text/plain body",
        data,
        "scan_or_photo",
        n_att=1,
    )


@msg
def r07():
    s = "r07"
    body = "Dạ Ban,\n\nĐơn vị gửi lại báo cáo đã bổ sung theo góp ý của Ban.\n\nTrân trọng."
    quoted = "Đề nghị đơn vị bổ sung cột Cơ quan chủ quản.\n\n" + CV_QUOTE
    from tests.data.mail.corpus_correspondence import outlook_reply_block

    html = outlook_html(
        body,
        outlook_sig("Trần Văn Minh", "Phó Bí thư Huyện Đoàn Ninh Hải", "0259 3873 123"),
        outlook_reply_block("Tuesday, June 26, 2018 3:10 PM", CV_SUBJECT_RE, quoted),
    )
    related = outlook_related(s, body + "\n\nTrần Văn Minh\nPhó Bí thư Huyện Đoàn Ninh Hải", html)
    att = attach(
        XLSX,
        xlsx("BC_NinhHai_bosung.xlsx", ROWS_HAI),
        "BC_NinhHai_bosung.xlsx",
        style="raw",
        size=True,
    )
    data = message(
        headers("outlook", s, HAI, "RE: " + CV_SUBJECT_RE, (27, 8, 12), reply=CV_ID, attach=True),
        multipart("mixed", boundary("outlook", s, 2), [related, att]),
    )
    return entry(
        "07-outlook-logo-and-xlsx.eml",
        "outlook",
        "Outlook reply with both the cid signature logo and the xlsx form attached",
        data,
        "form_file",
        n_att=2,
        cids=("image001.png@01D40C1A.2B3C4D50",),
    )


CV_SUBJECT_RE = RE_CV[4:]


@msg
def r08():
    s = "r08"
    fwd = (
        '----- Thư chuyển tiếp -----\nTừ: "Huyện Đoàn Ninh Sơn" <huyendoan.ninhson@ninhthuan.example>\n'
        'Đến: "Ban Tuyên giáo Tỉnh Đoàn" <tuyengiao@ninhthuan.example>\n'
        "Đã gửi: Thứ Ba, 26 Tháng Sáu 2018 16:20:11\nChủ đề: Báo cáo CV 422\n\nĐơn vị gửi báo cáo (đính kèm)."
    )
    body = (
        "Kính gửi Ban,\n\nĐơn vị chuyển lại báo cáo đã gửi hôm 26/6 do chưa thấy thư xác nhận.\n\n"
    )
    html = (
        '<html><body><div style="font-family: arial, helvetica, sans-serif; font-size: 12pt; color: #000000">'
        + "".join(f"<div>{escape(line) or '<br>'}</div>" for line in (body + fwd).split("\n"))
        + "</div></body></html>"
    )
    alt = multipart(
        "alternative",
        boundary("zimbra", s, 1),
        [text(body + fwd, charset="utf-8"), text(html, "html", charset="utf-8")],
    )
    att = attach(
        XLSX,
        xlsx("Bao cao CV422 Ninh Son.xlsx", ROWS_SON),
        "Bao cao CV422 Ninh Son.xlsx",
        style="raw",
    )
    data = message(
        headers("zimbra", s, SON, "Fwd: Báo cáo CV 422", (28, 7, 58)),
        multipart("mixed", boundary("zimbra", s, 0), [alt, att]),
    )
    return entry(
        "08-zimbra-forward-own-return.eml",
        "zimbra",
        "Zimbra: the unit forwards its own earlier return with the xlsx",
        data,
        "form_file",
        n_att=1,
    )


@msg
def r09():
    s = "r09"
    qh, qp_ = gmail_quote(
        "09:30, Th 2, 25 thg 6, 2018",
        "Ban Tuyên giáo Tỉnh Đoàn",
        "tuyengiao@ninhthuan.example",
        CV_QUOTE,
    )
    alt = multipart(
        "alternative",
        boundary("android", s, 1),
        [
            text("Em gửi báo cáo ạ\n\n" + qp_, params="; format=flowed; delsp=yes", cte="base64"),
            text(
                f'<div dir="auto">Em gửi báo cáo ạ</div><br><div class="gmail_quote">{qh}</div>',
                "html",
            ),
        ],
    )
    att = attach(
        XLSX,
        xlsx("Biểu mẫu Ninh Hải.xlsx", ROWS_HAI[:1]),
        "Biểu mẫu Ninh Hải.xlsx",
        style="rfc2231",
    )
    data = message(
        headers("android", s, HAI, RE_CV, (29, 21, 46), reply=CV_ID),
        multipart("mixed", boundary("android", s, 0), [alt, att]),
    )
    return entry(
        "09-phone-gmail-xlsx-rfc2231.eml",
        "phone",
        "Android Gmail app reply with the xlsx (RFC 2231 filename*) attached",
        data,
        "form_file",
        n_att=1,
    )
