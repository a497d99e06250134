"""Counters in the database, for events that happen in several processes on several
machines (a task worker's failed delivery attempt) and are read by the metrics
endpoint of any web node."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F

from onething.core.models import MetricCounter


def label_text(labels: dict[str, str]) -> str:
    return ",".join(f"{key}={labels[key]}" for key in sorted(labels))


def parse_labels(text: str) -> dict[str, str]:
    return dict(pair.split("=", 1) for pair in text.split(",") if "=" in pair)


def increment(name: str, amount: int = 1, **labels: str) -> None:
    """Add ``amount`` to the counter; runs in the caller's transaction (a rolled-back
    attempt is not counted)."""
    text = label_text(labels)
    if MetricCounter.objects.filter(name=name, labels=text).update(value=F("value") + amount):
        return
    try:
        with transaction.atomic():
            MetricCounter.objects.create(name=name, labels=text, value=amount)
    except IntegrityError:  # another process created it a moment ago
        MetricCounter.objects.filter(name=name, labels=text).update(value=F("value") + amount)


def values(name: str) -> list[tuple[dict[str, str], int]]:
    return [(parse_labels(labels), value) for labels, value in
            MetricCounter.objects.filter(name=name).order_by("labels")
            .values_list("labels", "value")]
