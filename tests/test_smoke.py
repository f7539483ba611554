def test_admin_home_answers_after_login(client, as_role):
    as_role("admin")
    page = client.get("/admin/")
    assert page.status_code == 200
    assert "Tổng quan" in page.text
