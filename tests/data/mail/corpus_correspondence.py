"""correspondence/: messages from the two units that are not returns (no form)."""

from __future__ import annotations

from html import escape

from tests.data.mail.clients import boundary, headers
from tests.data.mail.mimekit import (
    CV_ID,
    CV_NO,
    CV_SUBJECT,
    DEPT,
    NAME_DEPT,
    NAME_HAI,
    NAME_SON,
    PNG_LOGO,
    PNG_SHOT,
    UNIT_HAI,
    UNIT_SON,
    ack_id,
    addr,
    attach,
    crlf,
    finish,
    message,
    multipart,
    noise,
    text,
)

HAI = (NAME_HAI, UNIT_HAI)
SON = (NAME_SON, UNIT_SON)
MAKERS = []
RE_CV = "Re: " + CV_SUBJECT
CV_QUOTE = (
    f"Căn cứ Công văn số {CV_NO}, Ban Tuyên giáo Tỉnh Đoàn đề nghị các đơn vị rà soát, "
    "thống kê các trang mạng xã hội do đơn vị quản lý và gửi về trước ngày 30/6/2018."
)


def build() -> list[dict]:
    return [make() for make in MAKERS]


def msg(fn):
    MAKERS.append(fn)
    return fn


def entry(file, client, what, data, why, **kw) -> dict:
    return dict(
        file="correspondence/" + file,
        client=client,
        expect="correspondence",
        what=what,
        correspondence_why=why,
        data=finish(data),
        **kw,
    )


def html_of(plain: str) -> str:
    return "".join(f"<div>{escape(line) or '<br>'}</div>" for line in plain.split("\n"))


def gmail_alt(seed, plain, html_extra_quote="", plain_quote="", n=0):
    html = f'<div dir="ltr">{html_of(plain)}</div>'
    if html_extra_quote:
        html += f'<br><div class="gmail_quote">{html_extra_quote}</div>'
    return multipart(
        "alternative",
        boundary("gmail", seed, n),
        [
            text(plain + ("\n\n" + plain_quote if plain_quote else "")),
            text(html + "\n", "html", cte="quoted-printable"),
        ],
    )


def gmail_quote(when: str, who: str, email: str, quoted: str) -> tuple[str, str]:
    """(html, plain) for a Gmail quote block."""
    html = (
        f'<div dir="ltr">Vào {when} {escape(who)} &lt;<a href="mailto:{email}">{email}</a>&gt; '
        'đã viết:<br></div><blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;'
        f'border-left:1px solid rgb(204,204,204);padding-left:1ex">{html_of(quoted)}</blockquote>'
    )
    plain = f"Vào {when} {who} <{email}> đã viết:\n\n" + "\n".join(
        "> " + line for line in quoted.split("\n")
    )
    return html, plain


def outlook_sig(name, role, phone, cids=("image001.png@01D40C1A.2B3C4D50",)) -> str:
    logos = "".join(
        f'<img width="64" height="64" style="width:.6666in;height:.6666in" id="Picture_{i + 1}" '
        f'src="cid:{c}" alt="logo">'
        for i, c in enumerate(cids)
    )
    return (
        '<table class="MsoNormalTable" border="0" cellspacing="0" cellpadding="0" '
        'style="border-collapse:collapse"><tbody><tr>'
        f'<td width="80" valign="top" style="padding:0in 5.4pt">{logos}</td>'
        '<td valign="top" style="border-left:solid #1F4E79 1.0pt;padding:0in 5.4pt">'
        f'<p class="MsoNormal"><b><span style="color:#1F4E79">{escape(name)}</span></b></p>'
        f'<p class="MsoNormal"><span style="font-size:9pt">{escape(role)}</span></p>'
        f'<p class="MsoNormal"><span style="font-size:9pt">ĐT: {phone}</span></p>'
        "</td></tr></tbody></table>"
    )


def outlook_html(body_plain: str, sig: str, reply_block: str = "") -> str:
    paras = "".join(
        f'<p class="MsoNormal">{escape(line) or "&nbsp;"}<o:p></o:p></p>'
        for line in body_plain.split("\n")
    )
    return (
        '<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:w="urn:schemas-microsoft-com:office:word" xmlns:m="http://schemas.microsoft.com/office/2004/12/omml" '
        'xmlns="http://www.w3.org/TR/REC-html40">\n<head>\n<meta http-equiv="Content-Type" '
        'content="text/html; charset=utf-8">\n<meta name="Generator" content="Microsoft Word 15 (filtered medium)">\n'
        '<style><!-- p.MsoNormal {margin:0in;font-size:11.0pt;font-family:"Calibri",sans-serif;} --></style>\n'
        '</head>\n<body lang="EN-US" link="#0563C1" vlink="#954F72">\n<div class="WordSection1">\n'
        f"{paras}\n{sig}\n{reply_block}\n</div>\n</body>\n</html>\n"
    )


def outlook_reply_block(sent: str, subject: str, quoted: str) -> str:
    return (
        '<div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0in 0in 0in">'
        '<div id="divRplyFwdMsg"><p class="MsoNormal"><b>From:</b> '
        f"{escape(NAME_DEPT)} &lt;{DEPT}&gt;<br><b>Sent:</b> {sent}<br><b>To:</b> {UNIT_HAI}; {UNIT_SON}"
        f"<br><b>Subject:</b> {escape(subject)}</p></div></div>{html_of(quoted)}"
    )


def outlook_related(seed, plain, html, logos=(("image001.png", "image001.png@01D40C1A.2B3C4D50"),)):
    alt = multipart(
        "alternative",
        boundary("outlook", seed, 0),
        [
            text(plain, charset='"utf-8"', cte="base64"),
            text(html, "html", charset='"utf-8"', cte="base64"),
        ],
    )
    imgs = [
        attach(
            "image/png",
            PNG_LOGO,
            name,
            "inline",
            cid=cid,
            style="raw",
            size=True,
            extra=(f"Content-Description: {name}",),
        )
        for name, cid in logos
    ]
    return multipart(
        "related",
        boundary("outlook", seed, 1),
        [alt, *imgs],
        params=';\n\ttype="multipart/alternative"',
    )


@msg
def m01():
    s = "c01"
    body = (
        'Kính gửi Ban Tuyên giáo,\n\nĐơn vị em xin hỏi: cột "Cơ quan chủ quản" trong biểu mẫu '
        "ghi tên chi đoàn hay ghi Huyện Đoàn ạ? Trang do các xã quản lý thì có phải kê khai không ạ?\n\n"
        "Em cảm ơn.\nNguyễn Thị Lan\nHuyện Đoàn Ninh Hải"
    )
    qh, qp_ = gmail_quote("Th 2, 25 thg 6, 2018 lúc 09:30", NAME_DEPT, DEPT, CV_QUOTE)
    data = message(
        headers("gmail", s, HAI, RE_CV, (25, 14, 12), reply=CV_ID), gmail_alt(s, body, qh, qp_)
    )
    return entry(
        "01-gmail-question.eml",
        "gmail",
        "Gmail question on how to fill the form, quoting the dispatch",
        data,
        "no_attachment",
        n_att=0,
        contains=("Cơ quan chủ quản", "gmail_quote"),
    )


@msg
def m02():
    s = "c02"
    body = (
        "Đã nhận, cảm ơn Ban.\n\nGửi từ iPhone của tôi\n\n"
        "> Vào 10:02, ngày 26 thg 6, 2018, Ban Tuyên giáo Tỉnh Đoàn <tuyengiao@ninhthuan.example> đã viết:\n"
        ">\n> Ban Tuyên giáo đã nhận báo cáo của đơn vị (1 tệp đính kèm). Trân trọng.\n"
    )
    part = text(body, charset="utf-8")
    data = message(
        headers(
            "iphone",
            s,
            SON,
            "Re: Đã nhận báo cáo của Huyện Đoàn Ninh Sơn",
            (26, 10, 20),
            reply=ack_id(1),
        ),
        part,
    )
    return entry(
        "02-iphone-received-thanks.eml",
        "apple",
        "iPhone 'Đã nhận, cảm ơn' answering our acknowledgement (In-Reply-To @portal)",
        data,
        "no_attachment",
        n_att=0,
        contains=("Gửi từ iPhone của tôi",),
    )


@msg
def m03():
    s = "c03"
    body = (
        "Kính gửi Ban Tuyên giáo Tỉnh Đoàn,\n\nDo đang tổ chức Chiến dịch Thanh niên tình nguyện hè, "
        "Huyện Đoàn Ninh Hải xin phép Ban cho đơn vị thêm 3 ngày (đến 03/7/2018) để tổng hợp báo cáo.\n\n"
        "Trân trọng."
    )
    sig_plain = "\nTrần Văn Minh\nPhó Bí thư Huyện Đoàn Ninh Hải\nĐT: 0259 3873 123"
    html = outlook_html(
        body, outlook_sig("Trần Văn Minh", "Phó Bí thư Huyện Đoàn Ninh Hải", "0259 3873 123")
    )
    data = message(
        headers("outlook", s, HAI, "Xin gia hạn báo cáo theo CV 422", (27, 8, 41)),
        outlook_related(s, body + "\n" + sig_plain, html),
    )
    return entry(
        "03-outlook-more-days.eml",
        "outlook",
        "Outlook request for three more days, signature logo as cid image001.png",
        data,
        "only_inline_images",
        n_att=1,
        cids=("image001.png@01D40C1A.2B3C4D50",),
    )


@msg
def m04():
    s = "c04"
    body = "Dạ Ban Tuyên giáo,\n\nĐơn vị đã nhận công văn và sẽ triển khai đến các cơ sở Đoàn.\n\nTrân trọng."
    quoted = CV_QUOTE
    html = outlook_html(
        body,
        outlook_sig("Lê Thị Hồng", "Chánh Văn phòng Huyện Đoàn Ninh Sơn", "0259 3854 456"),
        outlook_reply_block("Monday, June 25, 2018 9:30 AM", CV_SUBJECT, quoted),
    )
    plain = (
        body + "\n\nLê Thị Hồng\nChánh Văn phòng Huyện Đoàn Ninh Sơn\nĐT: 0259 3854 456\n\n"
        f"________________________________\nFrom: {NAME_DEPT} <{DEPT}>\nSent: Monday, June 25, 2018 9:30 AM\n"
        f"Subject: {CV_SUBJECT}\n\n{quoted}"
    )
    data = message(
        headers("outlook", s, SON, "RE: " + CV_SUBJECT, (25, 15, 3), reply=CV_ID),
        outlook_related(s, plain, html),
    )
    return entry(
        "04-outlook-reply-logo-table-signature.eml",
        "outlook",
        "Outlook reply (divRplyFwdMsg) whose only attachment is the cid logo in a layout-table signature",
        data,
        "only_inline_images",
        n_att=1,
        cids=("image001.png@01D40C1A.2B3C4D50",),
        contains=("divRplyFwdMsg", "<table"),
    )


@msg
def m05():
    s = "c05"
    body = "Kính gửi Ban Tuyên giáo và các đơn vị,\n\nHuyện Đoàn Ninh Hải đã nhận công văn, sẽ gửi báo cáo đúng hạn.\n\nTrân trọng."
    qh, qp_ = gmail_quote("Th 2, 25 thg 6, 2018 lúc 09:30", NAME_DEPT, DEPT, CV_QUOTE)
    cc = (
        addr("Văn phòng Tỉnh Đoàn", "vanphong@tinhdoan.ninhthuan.example")
        + ",\n "
        + addr(NAME_SON, UNIT_SON)
        + ",\n "
        + "huyendoan.ninhphuoc@ninhthuan.example"
    )
    data = message(
        headers("gmail", s, HAI, RE_CV, (25, 10, 5), cc=cc, reply=CV_ID),
        gmail_alt(s, body, qh, qp_),
    )
    return entry(
        "05-gmail-reply-all-cc.eml",
        "gmail",
        "Gmail reply-all to the dispatch with the other recipients in Cc",
        data,
        "no_attachment",
        n_att=0,
    )


@msg
def m06():
    s = "c06"
    fwd = (
        f'----- Thư chuyển tiếp -----\nTừ: "{NAME_DEPT}" <{DEPT}>\nĐến: "{NAME_SON}" <{UNIT_SON}>\n'
        f"Đã gửi: Thứ Hai, 25 Tháng Sáu 2018 9:30:00\nChủ đề: {CV_SUBJECT}\n\n{CV_QUOTE}\n\n"
        '----- Thư gốc -----\nTừ: "Văn phòng Tỉnh Đoàn" <vanphong@tinhdoan.ninhthuan.example>\n'
        "Đã gửi: Thứ Hai, 25 Tháng Sáu 2018 8:05:00\nChủ đề: Chuyển Ban Tuyên giáo phát hành CV 422\n\nĐề nghị phát hành."
    )
    body = "Chuyển lại Ban để xác nhận đơn vị đã nhận, đồng thời chuyển tiếp cho các Đoàn xã.\n\n"
    html = (
        '<html><body><div style="font-family: arial, helvetica, sans-serif; font-size: 12pt; color: #000000">'
        f'{html_of(body)}<hr id="zwchr">{html_of(fwd)}</div></body></html>'
    )
    data = message(
        headers("zimbra", s, SON, "Fwd: " + CV_SUBJECT, (25, 11, 47)),
        multipart(
            "alternative",
            boundary("zimbra", s),
            [text(body + fwd, charset="utf-8"), text(html, "html", charset="utf-8")],
        ),
    )
    return entry(
        "06-zimbra-forwarded-chain.eml",
        "zimbra",
        "Zimbra forward of the dispatch chain (----- Thư chuyển tiếp ----- / Thư gốc), no attachment",
        data,
        "no_attachment",
        n_att=0,
        contains=("----- Thư chuyển tiếp -----", "----- Thư gốc -----"),
    )


ICS = """BEGIN:VCALENDAR
PRODID:-//Google Inc//Google Calendar 70.9054//EN
VERSION:2.0
CALSCALE:GREGORIAN
METHOD:REQUEST
BEGIN:VEVENT
DTSTART:20180628T013000Z
DTEND:20180628T030000Z
DTSTAMP:20180626T020000Z
ORGANIZER;CN=Huyện Đoàn Ninh Hải:mailto:huyendoan.ninhhai@ninhthuan.example
UID:5q1d2k3j4h5g6f7d8s9a0p@google.com
ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=
 TRUE;CN=tuyengiao@ninhthuan.example;X-NUM-GUESTS=0:mailto:tuyengiao@ninhthua
 n.example
CREATED:20180626T020000Z
DESCRIPTION:Trao đổi về việc rà soát các trang mạng xã hội theo CV 422.
LAST-MODIFIED:20180626T020000Z
LOCATION:Hội trường Huyện Đoàn Ninh Hải
SEQUENCE:0
STATUS:CONFIRMED
SUMMARY:Họp trao đổi CV 422
TRANSP:OPAQUE
END:VEVENT
END:VCALENDAR
"""


@msg
def m07():
    s = "c07"
    plain = (
        "Bạn đã được mời tham gia sự kiện sau.\n\nTiêu đề: Họp trao đổi CV 422\n"
        "Thời gian: Th 5 28 thg 6, 2018 08:30 – 10:00 Giờ Đông Dương - Hà Nội\n"
        "Địa điểm: Hội trường Huyện Đoàn Ninh Hải\n\nLịch Google\n"
    )
    html = (
        '<span itemscope itemtype="http://schema.org/InformAction"><div style="">'
        f"{html_of(plain)}</div></span>"
    )
    alt = multipart(
        "alternative",
        boundary("gmail", s, 1),
        [
            text(plain, params="; format=flowed; delsp=yes", cte="base64"),
            text(html, "html", cte="quoted-printable"),
            text(ICS, "calendar", params="; method=REQUEST", cte="base64"),
        ],
    )
    ics = attach("application/ics", crlf(ICS), "invite.ics", style="raw")
    data = message(
        headers(
            "gmail",
            s,
            HAI,
            "Lời mời: Họp trao đổi CV 422 @ Th 5 28 thg 6, 2018 08:30 - 10:00 (ICT)",
            (26, 9, 0),
            extra=(f"Reply-To: {UNIT_HAI}",),
        ),
        multipart("mixed", boundary("gmail", s, 0), [alt, ics]),
    )
    return entry(
        "07-gmail-calendar-invite.eml",
        "gmail",
        "Google Calendar invite: text/calendar method=REQUEST in the alternative plus invite.ics",
        data,
        "calendar_invite",
        n_att=2,
        contains=("BEGIN:VCALENDAR",),
    )


@msg
def m08():
    s = "c08"
    url = "https://docs.google.com/spreadsheets/d/1Xq3bT9kLmN0pQrStUvWxYz_AbCdEfGhIjKlMnOpQrS/edit?usp=sharing"
    plain = (
        "Kính gửi Ban,\n\nĐơn vị gửi báo cáo qua Google Trang tính, Ban xem giúp tại đường dẫn:\n"
        f"{url}\n\nTrân trọng,\nHuyện Đoàn Ninh Sơn"
    )
    html = (
        f'<div dir="ltr"><div>Kính gửi Ban,</div><div><br></div><div>Đơn vị gửi báo cáo qua Google Trang tính, '
        f'Ban xem giúp tại đường dẫn:</div><div><a href="{url}">{url}</a></div><div><br></div>'
        "<div>Trân trọng,</div><div>Huyện Đoàn Ninh Sơn</div></div>"
    )
    alt = multipart("alternative", boundary("gmail", s), [text(plain), text(html, "html")])
    data = message(
        headers("gmail", s, SON, "Báo cáo CV 422 (link Google Sheets)", (27, 16, 20)), alt
    )
    return entry(
        "08-gmail-sheets-link.eml",
        "gmail",
        "Gmail message giving a Google Sheets link instead of a file",
        data,
        "no_attachment",
        has_link=True,
        n_att=0,
    )


@msg
def m09():
    s = "c09"
    url = "https://1drv.ms/x/s!AbcDeFgHiJkLmNoPq7RsTuVw?e=Xy12Zw"
    body = (
        f"Kính gửi Ban Tuyên giáo,\n\nĐơn vị chia sẻ bảng tổng hợp trên OneDrive: {url}\n"
        "Nếu không mở được, Ban báo lại để đơn vị gửi tệp.\n\nTrân trọng."
    )
    html = outlook_html(
        body, '<p class="MsoNormal">Nguyễn Văn Hùng – Huyện Đoàn Ninh Hải</p>'
    ).replace(escape(url), f'<a href="{url}">{url}</a>')
    alt = multipart(
        "alternative",
        boundary("outlook", s),
        [
            text(
                body + "\n\nNguyễn Văn Hùng – Huyện Đoàn Ninh Hải", charset='"utf-8"', cte="base64"
            ),
            text(html, "html", charset='"utf-8"', cte="base64"),
        ],
    )
    data = message(
        headers("outlook", s, HAI, "Bảng tổng hợp trang MXH (OneDrive)", (28, 9, 12)), alt
    )
    return entry(
        "09-outlook-onedrive-link.eml",
        "outlook",
        "Outlook message sharing a OneDrive 1drv.ms link",
        data,
        "no_attachment",
        has_link=True,
        n_att=0,
    )


BR_APPLE = '<br class="">'


def apple_html(plain: str) -> str:
    return (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head>'
        '<body style="word-wrap: break-word; -webkit-nbsp-mode: space; line-break: after-white-space;" class="">'
        + "".join(f'<div class="">{escape(line) or BR_APPLE}</div>' for line in plain.split("\n"))
        + "</body></html>"
    )


@msg
def m10():
    s = "c10"
    plain = (
        "Kính gửi Ban Tuyên giáo,\n\nQua rà soát, Huyện Đoàn Ninh Sơn hiện chưa có trang mạng xã hội "
        "nào do đơn vị quản lý (đơn vị không có trang), nên không có nội dung để kê khai vào biểu mẫu.\n\n"
        "Trân trọng,\nPhạm Quốc Bảo"
    )
    alt = multipart(
        "alternative",
        boundary("apple", s),
        [text(plain, charset="utf-8"), text(apple_html(plain), "html", charset="utf-8")],
    )
    data = message(headers("apple", s, SON, RE_CV, (28, 20, 33), reply=CV_ID), alt)
    return entry(
        "10-apple-no-page.eml",
        "apple",
        "Apple Mail: the unit has no page to report",
        data,
        "no_attachment",
        n_att=0,
        contains=("không có trang",),
    )


@msg
def m11():
    s = "c11"
    qh, qp_ = gmail_quote(
        "10:15, Th 3, 26 thg 6, 2018",
        NAME_DEPT,
        DEPT,
        "Đề nghị đơn vị gửi bổ sung địa chỉ trang Fanpage.\n\n" + CV_QUOTE,
    )
    alt = multipart(
        "alternative",
        boundary("android", s),
        [
            text("Ok\n\n" + qp_, params="; format=flowed; delsp=yes", cte="base64"),
            text(f'<div dir="auto">Ok</div><br><div class="gmail_quote">{qh}</div>', "html"),
        ],
    )
    data = message(headers("android", s, HAI, RE_CV, (26, 10, 31), reply=CV_ID), alt)
    return entry(
        "11-phone-ok-quoted.eml",
        "phone",
        "Android Gmail app reply 'Ok' with the quoted thread",
        data,
        "no_attachment",
        n_att=0,
    )


@msg
def m12():
    s = "c12"
    body = (
        "Kính gửi Ban,\n\nĐơn vị xác nhận đã nhận CV 422 và sẽ báo cáo trước 30/6.\n\nTrân trọng."
    )
    alt = multipart(
        "alternative",
        boundary("outlook", s, 0),
        [
            text(body, charset='"utf-8"', cte="base64"),
            text(outlook_html(body, ""), "html", charset='"utf-8"', cte="base64"),
        ],
    )
    p7s = b"\x30\x82\x0b\x2a\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02\xa0\x82" + noise(12, 2800)
    sig = attach("application/pkcs7-signature", p7s, "smime.p7s", style="raw")
    signed = multipart(
        "signed",
        boundary("outlook", s, 5),
        [alt, sig],
        params=';\n\tprotocol="application/pkcs7-signature"; micalg=sha-256',
    )
    data = message(
        headers("outlook", s, SON, "Xác nhận đã nhận CV 422", (25, 16, 45), attach=True), signed
    )
    return entry(
        "12-outlook-smime-signed.eml",
        "outlook",
        "Outlook S/MIME multipart/signed; the only attachment is smime.p7s",
        data,
        "only_other_files",
        n_att=1,
    )


VCARD = """BEGIN:VCARD
VERSION:3.0
N:Nguyễn;Thị Lan;;;
FN:Nguyễn Thị Lan
ORG:Huyện Đoàn Ninh Hải
TITLE:Cán bộ Văn phòng
TEL;TYPE=CELL:+84 905 123 456
EMAIL;TYPE=INTERNET:huyendoan.ninhhai@ninhthuan.example
END:VCARD
"""


@msg
def m13():
    s = "c13"
    body = "Kính gửi Ban,\n\nEm gửi thông tin liên hệ của cán bộ phụ trách báo cáo CV 422 tại đơn vị.\n\nEm cảm ơn."
    alt = gmail_alt(s, body, n=1)
    vcf = attach(
        "text/vcard; charset=utf-8",
        crlf(VCARD),
        "Nguyen Thi Lan.vcf",
        style="raw",
        extra=("X-Attachment-Id: f_jiv3k2a10",),
    )
    data = message(
        headers("gmail", s, HAI, "Thông tin cán bộ phụ trách CV 422", (26, 14, 2)),
        multipart("mixed", boundary("gmail", s, 0), [alt, vcf]),
    )
    return entry(
        "13-gmail-vcard.eml",
        "gmail",
        "Gmail message with only a vCard (.vcf, text/vcard) attached",
        data,
        "only_other_files",
        n_att=1,
    )


@msg
def m14():
    s = "c14"
    plain = "Dạ em sẽ gửi báo cáo trong chiều nay ạ.\n\n\n\nĐã gửi từ điện thoại Samsung Galaxy"
    html = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=UTF-8"></head><body dir="auto">'
        '<div dir="auto">Dạ em sẽ gửi báo cáo trong chiều nay ạ.</div><div dir="auto"><br></div>'
        '<div id="composer_signature" dir="auto"><div style="font-size:85%;color:#575757" dir="auto">'
        "Đã gửi từ điện thoại Samsung Galaxy</div></div></body></html>"
    )
    alt = multipart(
        "alternative",
        boundary("samsung", s),
        [
            text(plain, charset="UTF-8", cte="base64"),
            text(html, "html", charset="UTF-8", cte="base64"),
        ],
    )
    data = message(headers("samsung", s, SON, RE_CV, (29, 11, 18), reply=CV_ID), alt)
    return entry(
        "14-samsung-phone.eml",
        "phone",
        "Samsung Email phone reply promising the return",
        data,
        "no_attachment",
        n_att=0,
        contains=("Samsung Galaxy",),
    )


@msg
def m15():
    s = "c15"
    plain = (
        "Kính gửi Ban Tuyên giáo,\n\nHuyện Đoàn Ninh Hải đề nghị Ban cập nhật địa chỉ thư điện tử của đơn vị "
        "từ huyendoan.ninhhai@ninhthuan.example sang doanninhhai@ninhthuan.example từ ngày 01/7/2018.\n\n"
        "Trân trọng.\n\nGửi từ Yahoo Mail trên Android"
    )
    html = (
        '<html><head></head><body><div style="color:black; font: 14px/1.4 sans-serif;">'
        f'{html_of(plain.rsplit(chr(10) * 2, 1)[0])}<br><br><a href="https://go.onelink.me/107872968?'
        'pid=InProduct&amp;c=Global_Internal_YGrowth_AndroidEmailSig__AndroidUsers">Gửi từ Yahoo Mail trên '
        "Android</a></div></body></html>"
    )
    alt = multipart(
        "alternative",
        boundary("yahoo", s),
        [text(plain, charset="UTF-8"), text(html, "html", charset="UTF-8")],
    )
    data = message(
        headers("yahoo", s, HAI, "Đề nghị thay đổi địa chỉ email đơn vị", (29, 15, 40)), alt
    )
    return entry(
        "15-yahoo-change-email.eml",
        "phone",
        "Yahoo Mail Android app: request to change the unit's email",
        data,
        "no_attachment",
        n_att=0,
    )


@msg
def m16():
    s = "c16"
    body = (
        "Chào Ban,\n\nCho mình hỏi biểu mẫu có cần đóng dấu không, hay chỉ gửi file qua email là được?\n\n"
        "Thân.\nHuyện Đoàn Ninh Sơn"
    )
    data = message(
        headers("zimbra", s, SON, "Hỏi về biểu mẫu CV 422", (26, 8, 15)),
        text(body, charset="utf-8"),
    )
    return entry(
        "16-zimbra-plain-question.eml",
        "zimbra",
        "Zimbra plain-text question about stamping the form",
        data,
        "no_attachment",
        n_att=0,
    )


@msg
def m17():
    s = "c17"
    cid = "7B1F2E3D-4C5B-4A69-8877-66554433AA01"
    plain = "Kính gửi Ban,\n\nMáy em mở biểu mẫu bị lỗi như hình dưới, Ban gửi lại giúp em bản khác được không ạ?\n\n\n\nEm cảm ơn."
    html = apple_html(
        "Kính gửi Ban,\n\nMáy em mở biểu mẫu bị lỗi như hình dưới, Ban gửi lại giúp em bản khác được không ạ?"
    ).replace(
        "</body>",
        f'<div class=""><img apple-inline="yes" id="A1B2C3D4-0000-4000-8000-000000000001" '
        f'src="cid:{cid}" class=""></div><div class="">Em cảm ơn.</div></body>',
    )
    shot = attach(
        "image/png",
        PNG_SHOT,
        "Screen Shot 2018-06-26 at 10.12.03.png",
        "inline",
        cid=cid,
        style="raw",
        extra=(),
    )
    related = multipart(
        "related",
        boundary("apple", s, 1),
        [text(html, "html", charset="utf-8"), shot],
        params=';\n\ttype="text/html"',
    )
    alt = multipart(
        "alternative",
        boundary("apple", s, 0),
        [text(plain, charset="us-ascii" if plain.isascii() else "utf-8"), related],
    )
    data = message(headers("apple", s, HAI, "Lỗi mở biểu mẫu", (26, 10, 14)), alt)
    return entry(
        "17-apple-inline-screenshot.eml",
        "apple",
        "Apple Mail HTML with a pasted screenshot shown inline via cid (image/png)",
        data,
        "only_inline_images",
        n_att=1,
        cids=(cid,),
    )


@msg
def m18():
    s = "c18"
    body = "Thank you, Ban Tuyên giáo.\n\nĐơn vị đã nhận được phản hồi.\n\nBest regards."
    logos = (
        ("image001.png", "image001.png@01D40E2B.5A6B7C80"),
        ("image002.png", "image002.png@01D40E2B.5A6B7C80"),
    )
    html = outlook_html(
        body,
        outlook_sig(
            "Lê Thị Hồng",
            "Chánh Văn phòng Huyện Đoàn Ninh Sơn",
            "0259 3854 456",
            cids=tuple(c for _, c in logos),
        ),
    )
    data = message(
        headers(
            "outlook",
            s,
            SON,
            "RE: Đã nhận báo cáo của Huyện Đoàn Ninh Sơn",
            (27, 9, 5),
            reply=ack_id(3),
        ),
        outlook_related(s, body, html, logos),
    )
    return entry(
        "18-outlook-thanks-two-logos.eml",
        "outlook",
        "Outlook 'Thank you' reply to our acknowledgement with two cid logos in the signature",
        data,
        "only_inline_images",
        n_att=2,
        cids=tuple(c for _, c in logos),
    )


@msg
def m19():
    s = "c19"
    ack = (
        "Ban Tuyên giáo Tỉnh Đoàn đã nhận báo cáo của Huyện Đoàn Ninh Hải theo Công văn số "
        f"{CV_NO}.\nSố tệp nhận được: 1.\nĐây là thư xác nhận, đơn vị không cần trả lời."
    )
    qh, qp_ = gmail_quote("Th 3, 26 thg 6, 2018 lúc 08:02", NAME_DEPT, DEPT, ack)
    body = "Dạ, đơn vị cảm ơn Ban. Nếu cần bổ sung gì Ban cứ báo ạ."
    data = message(
        headers(
            "gmail",
            s,
            HAI,
            "Re: Đã nhận báo cáo của Huyện Đoàn Ninh Hải",
            (26, 8, 30),
            reply=ack_id(2),
        ),
        gmail_alt(s, body, qh, qp_),
    )
    return entry(
        "19-gmail-reply-quoting-ack.eml",
        "gmail",
        "Gmail reply quoting our acknowledgement in an HTML gmail_quote",
        data,
        "no_attachment",
        n_att=0,
    )
