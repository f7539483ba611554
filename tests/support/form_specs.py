"""The two dispatch forms beyond sites-and-pages that the tests use (issue 19), as staff
would confirm them: the ground truth the template learner is measured against, and the
spec the returns of each form are read with. Each key is `field_key(header)`, as the
learner makes it."""

from __future__ import annotations

from mailin.forms.spec import FieldType, FormField, FormSpec

ADMINS = FormSpec(
    "Danh sách cán bộ quản trị trang",
    (
        FormField("ho_va_ten", "Họ và tên", FieldType.TEXT, required=True),
        FormField("ngay_sinh", "Ngày sinh", FieldType.DATE),
        FormField("gioi_tinh", "Giới tính", FieldType.CHOICE, choices=("Nam", "Nữ")),
        FormField("chuc_vu", "Chức vụ", FieldType.TEXT),
        FormField("so_dien_thoai", "Số điện thoại", FieldType.PHONE, required=True),
        FormField("email", "Email", FieldType.EMAIL),
        FormField(
            "trang_phu_trach_duong_dan",
            "Trang phụ trách (đường dẫn)",
            FieldType.URL,
            required=True,
        ),
        FormField("ghi_chu", "Ghi chú", FieldType.TEXT),
    ),
)

RESULTS = FormSpec(
    "Kết quả tuyên truyền quý",
    (
        FormField("ten_trang", "Tên trang", FieldType.TEXT, required=True),
        FormField("duong_dan", "Đường dẫn", FieldType.URL, required=True, unique=True),
        FormField("so_tin_bai_dang_trong_quy", "Số tin bài đăng trong quý", FieldType.INTEGER),
        FormField("luot_tiep_can", "Lượt tiếp cận", FieldType.INTEGER),
        FormField("ngay_dang_bai_noi_bat_nhat", "Ngày đăng bài nổi bật nhất", FieldType.DATE),
        FormField("co_kiem_duyet_truoc_khi_dang", "Có kiểm duyệt trước khi đăng", FieldType.YESNO),
        FormField("ty_le_tuong_tac", "Tỷ lệ tương tác (%)", FieldType.DECIMAL),
        FormField("ghi_chu", "Ghi chú", FieldType.TEXT),
    ),
)


# A form with nothing of the sites-and-pages form in its header (issue 19's leftover: a
# table of it pasted in an email was taken for correspondence).
MEETINGS = FormSpec(
    "Báo cáo sinh hoạt chi đoàn",
    (
        FormField("chi_doan", "Chi đoàn", FieldType.TEXT, required=True),
        FormField("chu_de", "Chủ đề sinh hoạt", FieldType.TEXT),
        FormField("ngay_to_chuc", "Ngày tổ chức", FieldType.DATE),
        FormField("so_doan_vien", "Số đoàn viên tham gia", FieldType.INTEGER),
    ),
)
# MEETINGS filled in and pasted into a Gmail message (its HTML, as Gmail writes a table
# copied from a sheet).
MEETINGS_PASTED = (
    '<div dir="ltr"><div>Kính gửi Ban Tuyên giáo,</div><div>Huyện Đoàn Ninh Hải báo cáo:</div>'
    '<table border="1" cellspacing="0" cellpadding="0" dir="ltr"><tbody>'
    "<tr><td><b>STT</b></td><td><b>Chi đoàn</b></td><td><b>Chủ đề sinh hoạt</b></td>"
    "<td><b>Ngày tổ chức</b></td><td><b>Số đoàn viên tham gia</b></td></tr>"
    "<tr><td>1</td><td>Chi đoàn thôn Khánh Hội</td><td>Học tập Nghị quyết</td>"
    "<td>12/11/2026</td><td>25</td></tr>"
    "<tr><td>2</td><td>Chi đoàn thôn Mỹ Phong</td><td>An toàn giao thông</td>"
    "<td>15/11/2026</td><td>18</td></tr>"
    "</tbody></table><div>Trân trọng.</div></div>"
)
