"""Operational state shared by every node through the database.

``WorkerHeartbeat``: each task worker process updates its row every few seconds
(onething/core/heartbeat.py); ``/readyz``, ``onething tasks status`` and the metrics
endpoint read them. ``MetricCounter``: counters that several processes on several
machines increment (failed delivery attempts are counted in the task worker, which
the web nodes' metrics endpoint cannot see otherwise).
"""

from __future__ import annotations

from django.db import models


class WorkerHeartbeat(models.Model):
    worker_id = models.CharField("任务进程", max_length=64, unique=True)
    hostname = models.CharField("主机", max_length=255)
    pid = models.PositiveIntegerField("进程号")
    started_at = models.DateTimeField("启动时间")
    # Written with the database clock (Now()), compared with it: web and worker machines'
    # clocks never meet here.
    last_seen = models.DateTimeField("最近心跳")
    stopped_at = models.DateTimeField("停止时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "任务进程心跳"
        ordering = ["-last_seen"]

    def __str__(self) -> str:
        return self.worker_id


class MetricCounter(models.Model):
    """A monotonically increasing count, e.g. ``delivery_attempt_failures`` per
    ``channel=sms,backend=…`` (``labels`` is the canonical ``k=v,k=v`` text)."""

    name = models.CharField(max_length=100)
    labels = models.CharField(max_length=300, blank=True)
    value = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "labels"],
                                               name="core_metric_counter_unique")]

    def __str__(self) -> str:
        return f"{self.name}{{{self.labels}}} {self.value}"
