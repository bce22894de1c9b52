"""Platform bookkeeping: worker heartbeats."""

from django.db import models


class WorkerHeartbeat(models.Model):
    """Each running ``hifazat worker`` updates its row every WORKER_HEARTBEAT_SECONDS."""

    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=200)
    pid = models.IntegerField()
    started_at = models.DateTimeField()
    last_seen = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"{self.worker_id} @ {self.hostname}"
