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
