"""Record how holiday data was entered (catalogue, admin, onething holidays add).

``CalendarDay.from_catalog`` becomes ``entered_via``; a year loaded from a
catalogue file (its ``source_file`` is set) is marked ``catalog``.
"""

from django.db import migrations, models

CHOICES = [("catalog", "目录文件"), ("admin", "管理后台"),
           ("command", "命令行 onething holidays add")]


def forwards(apps, schema_editor):
    CalendarDay = apps.get_model("catalog", "CalendarDay")
    HolidayYear = apps.get_model("catalog", "HolidayYear")
    CalendarDay.objects.filter(from_catalog=True).update(entered_via="catalog")
    HolidayYear.objects.exclude(source_file="").update(entered_via="catalog")


def backwards(apps, schema_editor):
    CalendarDay = apps.get_model("catalog", "CalendarDay")
    CalendarDay.objects.filter(entered_via="catalog").update(from_catalog=True)


class Migration(migrations.Migration):

    dependencies = [
        ("catalog", "0005_number_bounds_and_answer_ties"),
    ]

    operations = [
        migrations.AddField(
            model_name="calendarday",
            name="entered_via",
            field=models.CharField(choices=CHOICES, default="admin", editable=False,
                                   max_length=16, verbose_name="录入方式"),
        ),
        migrations.AddField(
            model_name="holidayyear",
            name="entered_via",
            field=models.CharField(choices=CHOICES, default="admin", editable=False,
                                   max_length=16, verbose_name="录入方式"),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.RemoveField(
            model_name="calendarday",
            name="from_catalog",
        ),
    ]
