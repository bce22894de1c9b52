"""``hifazat worker``: runs background tasks from the database queue.

Wraps django-tasks-db's worker and adds a heartbeat (for /healthz) and the periodic
write-out of the audit log's head hash, and runs the phishing sender's loop in a thread. Start as many as you like, on as many machines as
you like: tasks are claimed with row locks, so none runs twice.
"""

import logging
import os
import socket
import threading

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

from hifazat.audit.services import audit_write_head
from hifazat.core.models import WorkerHeartbeat
from hifazat.phishing.dispatch import run_forever

logger = logging.getLogger("hifazat.worker")


def enqueue_periodic() -> None:
    """Work that runs on a schedule (every PERIODIC_SECONDS). Each task is safe to run twice
    at once (several workers may each enqueue it): it claims its rows before acting."""
    from hifazat.advisories.tasks import deliver_queued, send_deadline_notices
    from hifazat.learning.tasks import send_due_reminders
    from hifazat.phishing.tasks import apply_remedial_rules, reduce_old_results
    from hifazat.reports.tasks import send_monthly_reports

    send_due_reminders.enqueue()
    send_deadline_notices.enqueue()
    deliver_queued.enqueue()  # anything queued while no worker ran
    apply_remedial_rules.enqueue()
    reduce_old_results.enqueue()
    send_monthly_reports.enqueue()


class Heartbeat(threading.Thread):
    def __init__(self, worker_id: str):
        super().__init__(daemon=True, name="heartbeat")
        self.worker_id = worker_id
        self.stop = threading.Event()

    def run(self):
        started = timezone.now()
        last_head = last_periodic = last_reports = 0.0
        while not self.stop.is_set():
            try:
                close_old_connections()
                WorkerHeartbeat.objects.update_or_create(
                    worker_id=self.worker_id,
                    defaults={
                        "hostname": socket.gethostname()[:200],
                        "pid": os.getpid(),
                        "started_at": started,
                        "last_seen": timezone.now(),
                    },
                )
                now = timezone.now().timestamp()
                if now - last_head >= settings.AUDIT_HEAD_SECONDS:
                    audit_write_head()
                    last_head = now
                if now - last_periodic >= settings.PERIODIC_SECONDS:
                    enqueue_periodic()
                    last_periodic = now
                if now - last_reports >= settings.REPORTS_REFRESH_SECONDS:
                    # The dashboards' snapshot: never older than 15 minutes (reports.snapshots).
                    from hifazat.reports.tasks import refresh_snapshot

                    refresh_snapshot.enqueue()
                    last_reports = now
            except Exception:
                logger.exception("heartbeat failed")
            finally:
                connection.close()
            self.stop.wait(settings.WORKER_HEARTBEAT_SECONDS)


class Command(BaseCommand):
    help = "Run the background task worker."

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval", type=float, default=1.0, help="seconds between polls when idle"
        )
        parser.add_argument("--queue-name", default="*", help="queue to work on (* for all)")
        parser.add_argument("--max-tasks", type=int, default=None)
        parser.add_argument("--worker-id", default=None)
        parser.add_argument(
            "--no-phishing",
            action="store_true",
            help="do not send phishing-simulation messages from this worker",
        )

    def handle(self, *args, interval, queue_name, max_tasks, worker_id, no_phishing, **options):
        worker_id = (
            worker_id or f"{socket.gethostname()[:40]}-{os.getpid()}-{get_random_string(6)}"
        )
        heartbeat = Heartbeat(worker_id)
        heartbeat.start()
        sender_stop = threading.Event()
        sender = None
        if not no_phishing:
            # Phishing messages are sent by a loop of their own, beside the task queue: it
            # claims due send rows with a lease, so any number of workers share the work.
            sender = threading.Thread(
                target=run_forever, args=(worker_id, sender_stop), name="phishing", daemon=True
            )
            sender.start()
        worker = Worker(
            queue_names=queue_name.split(","),
            interval=interval,
            batch=False,
            backend_name="default",
            startup_delay=True,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        worker.configure_signals()
        self.stdout.write(f"worker {worker_id} started")
        try:
            worker.run()
        finally:
            sender_stop.set()
            if sender is not None:  # let a message in flight finish: no needless "in doubt"
                sender.join(timeout=30)
            heartbeat.stop.set()
            WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()
