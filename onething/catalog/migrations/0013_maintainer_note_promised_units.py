"""Maintainer notes kept apart from public text; promised limits in working days only.

``uncertain`` (待核实事项, shown on public pages) becomes ``maintainer_note``: for the
catalogue's maintainers, never public. A promised limit can no longer be in calendar
days (the planner counted one as working days).
"""

from django.db import migrations, models

HELP = (
    "给目录维护人员看的说明（待核实的内容、为何这样设置等），不在任何公开页面、"
    "打印件或接口中显示。面向群众的文字中不得写这类说明。"
)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0012_catalogue_english")]

    operations = [
        migrations.RenameField("matter", "uncertain", "maintainer_note"),
        migrations.RenameField("bundle", "uncertain", "maintainer_note"),
        migrations.AlterField(
            model_name="matter",
            name="maintainer_note",
            field=models.TextField(blank=True, help_text=HELP, verbose_name="维护说明（内部）"),
        ),
        migrations.AlterField(
            model_name="bundle",
            name="maintainer_note",
            field=models.TextField(blank=True, help_text=HELP, verbose_name="维护说明（内部）"),
        ),
        migrations.AlterField(
            model_name="matter",
            name="promised_unit",
            field=models.CharField(
                choices=[("working_days", "工作日"), ("instant", "即办")],
                max_length=20,
                verbose_name="承诺时限单位",
            ),
        ),
    ]
