"""Police staff load the criminal-record register from the workbench."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from onething.registers.demo import demo_csvs
from onething.registers.models import CriminalRecord, RegisterLoad

pytestmark = pytest.mark.django_db


def csv_file(text, name="records.csv", encoding="utf-8"):
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def test_police_load_the_register_and_see_bad_rows_by_line(client, demo, django_user_model):
    police = django_user_model.objects.get(username="reviewer-dc-police")
    client.force_login(police)
    index = client.get(reverse("workbench:registers")).content.decode()
    assert reverse("workbench:register-load", args=["criminal-records"]) in index
    url = reverse("workbench:register-load", args=["criminal-records"])
    bad = demo_csvs()["criminal-records"] + "12345,某,盗窃罪,2015-01-01,,\n"
    response = client.post(url, {"file": csv_file(bad)})
    page = response.content.decode()
    assert response.status_code == 400
    assert "未导入任何数据" in page and "第 5 行" in page
    assert not CriminalRecord.objects.exists()
    good = client.post(url, {"file": csv_file(demo_csvs()["criminal-records"],
                                              encoding="gb18030")})
    assert good.status_code == 200 and "已导入 3 行" in good.content.decode()
    assert RegisterLoad.objects.get(register="criminal-records").loaded_by == police


def test_other_departments_cannot_load(client, demo):
    client.force_login(demo.samr)
    url = reverse("workbench:register-load", args=["criminal-records"])
    assert client.get(url).status_code == 403
    assert client.post(url, {"file": csv_file(demo_csvs()["criminal-records"])}).status_code == 403
    assert not RegisterLoad.objects.filter(register="criminal-records").exists()
    client.force_login(demo.applicant)
    assert client.get(url).status_code == 403


def test_missing_file_is_explained(client, demo, django_user_model):
    client.force_login(django_user_model.objects.get(username="reviewer-dc-police"))
    response = client.post(reverse("workbench:register-load", args=["criminal-records"]), {})
    assert response.status_code == 400 and "请选择要导入的 CSV 文件" in response.content.decode()
