from django import template

from onething.workbench.labels import label as _label

register = template.Library()


@register.filter
def label(value: object, kind: str) -> str:
    """``{{ case.status|label:"case_status" }}``: a domain or model label, translated."""
    return _label(kind, value)


@register.filter
def described_widget(field) -> str:
    """A form field's widget tied to its hint and error (aria-describedby, aria-invalid):
    ``{{ form.name|described_widget }}`` in workbench/_formfield.html."""
    ids = []
    if field.help_text:
        ids.append(f"{field.auto_id}-hint")
    if field.errors:
        ids.append(f"{field.auto_id}-error")
    attrs = {}
    if ids and field.widget_type not in {"checkboxselectmultiple"}:
        attrs["aria-describedby"] = " ".join(ids)
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)


_FILE_KINDS = {"application/pdf": "PDF", "image/jpeg": "JPG", "image/png": "PNG"}


@register.filter
def file_kind(content_type: str) -> str:
    """``application/pdf`` → PDF: the kind of an uploaded file, as people name it."""
    return _FILE_KINDS.get(content_type, content_type)
