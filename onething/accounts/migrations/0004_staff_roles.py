from django.db import migrations, models


def give_staff_a_role(apps, schema_editor):
    # `createsuperuser` used to leave the default applicant role on superusers.
    User = apps.get_model("accounts", "User")
    User.objects.filter(role="applicant", is_superuser=True).update(role="admin")
    User.objects.filter(role="applicant", is_staff=True).update(role="manager")


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_signin_security'),
    ]

    operations = [
        migrations.RunPython(give_staff_a_role, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='user',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('is_staff', False), ('is_superuser', False)), ('role__in', ('clerk', 'reviewer', 'manager', 'admin')), _connector='OR'), name='staff_flags_need_staff_role'),
        ),
    ]
