"""The sender: claims due send rows and delivers them over reused SMTP connections.

At most once per person, nothing silently lost:

1. A worker claims a batch of due rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so workers
   never wait on or take one another's rows) and marks them ``claimed`` with its id and a lease.
2. Before each SMTP transaction the row moves ``claimed`` → ``sending`` with its Message-ID, in a
   committed statement that succeeds only if the row is still this worker's. The same statement
   marks the previous message ``sent``, so a worker holds at most one ``sending`` row at a time.
3. The transaction's outcome decides the row: accepted → ``sent``; a 4xx → queued again after a
   back-off (doubling); a 5xx → ``failed``; a connection lost before the message was handed over
   → queued again; a connection lost while the server was taking the message → ``in_doubt``.
4. ``sweep`` returns expired ``claimed`` rows to the queue (nothing was sent for them) and turns
   expired ``sending`` rows — their worker died mid-transaction — into ``in_doubt``: shown to the
   operator, never resent automatically. So in doubt ≤ the number of workers killed.

The per-profile rate limit holds across workers: each reserves send slots from the profile row
(``next_slot``), a token bucket shared through the database.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from hifazat.lib import secretbox
from hifazat.phishing import rendering
from hifazat.phishing.models import Campaign, Send, SendingProfile, Variant

logger = logging.getLogger("hifazat.phishing")

BATCH = 200


def tracking_base() -> str:
    return settings.PHISHING_SITE_URL + "/t/"


def message_domain() -> str:
    return settings.PHISHING_SITE_URL.split("//", 1)[-1].split("/", 1)[0].split(":")[0]


# --- rate limit across workers ---------------------------------------------------------------


def reserve_slots(profile_id: int, rate_per_minute: int, count: int) -> datetime:
    """Reserve ``count`` consecutive send slots on the profile's shared bucket; returns when
    the first may go. Slots are 60/rate seconds apart; an idle bucket starts at now."""
    interval = timedelta(seconds=60 / rate_per_minute)
    with transaction.atomic():
        row = SendingProfile.objects.select_for_update().only("next_slot").get(pk=profile_id)
        now = timezone.now()
        start = max(row.next_slot or now, now)
        SendingProfile.objects.filter(pk=profile_id).update(next_slot=start + interval * count)
    return start


LATE = timedelta(seconds=0.5)  # slots missed by more than this are given up, not bunched


def _sleep_until(when: datetime) -> None:
    delay = (when - timezone.now()).total_seconds()
    if delay > 0:
        time.sleep(delay)


# --- SMTP ------------------------------------------------------------------------------------


class NotHandedOver(Exception):
    """The server never had the message (connection lost before DATA's content): safe to retry."""


class Uncertain(Exception):
    """The connection failed while the server was taking the message: it may have been sent."""


@dataclass
class Outcome:
    code: int | None
    text: str


def transact(
    conn: smtplib.SMTP, sender: str, to: str, payload: bytes, ready=lambda: True
) -> Outcome | None:
    """One SMTP transaction, step by step, so a failure can be placed exactly: before the
    message was handed over (``NotHandedOver``) or after (``Uncertain``). ``ready()`` is asked
    after RCPT, before DATA: it returns whether the row is ours and marked 'sending' (the sender
    overlaps that database write with MAIL and RCPT). Returns None when it is not."""
    try:
        conn.putcmd("mail", f"FROM:<{sender}>")
        code, text = conn.getreply()
        if code == 250:
            conn.putcmd("rcpt", f"TO:<{to}>")
            code, text = conn.getreply()
        if not ready():
            conn.rset()
            return None
        if code not in (250, 251):
            conn.rset()
            return Outcome(code, text.decode(errors="replace"))
        conn.putcmd("data")
        code, text = conn.getreply()
        if code != 354:
            conn.rset()
            return Outcome(code, text.decode(errors="replace"))
    except (smtplib.SMTPException, OSError) as exc:
        raise NotHandedOver(str(exc)) from None
    try:
        data = smtplib._quote_periods(payload)  # noqa: SLF001 - as smtplib.SMTP.data does
        if data[-2:] != smtplib.bCRLF:
            data += smtplib.bCRLF
        conn.send(data + b"." + smtplib.bCRLF)
        code, text = conn.getreply()
    except (smtplib.SMTPException, OSError) as exc:
        raise Uncertain(str(exc)) from None
    return Outcome(code, text.decode(errors="replace"))


@dataclass
class Connection:
    smtp: smtplib.SMTP
    used: int = 0
    last: float = field(default_factory=time.monotonic)


def open_connection(profile: SendingProfile, timeout: float) -> smtplib.SMTP:
    context = ssl.create_default_context()
    if profile.security == SendingProfile.Security.TLS:
        smtp = smtplib.SMTP_SSL(profile.host, profile.port, timeout=timeout, context=context)
        smtp.ehlo()
    else:
        smtp = smtplib.SMTP(profile.host, profile.port, timeout=timeout)
        smtp.ehlo()
        if profile.security == SendingProfile.Security.STARTTLS:
            smtp.starttls(context=context)
            smtp.ehlo()
    if profile.username:
        smtp.login(profile.username, secretbox.decrypt(profile.password_encrypted))
    return smtp


# --- the sender ------------------------------------------------------------------------------


class Dispatcher:
    """One per worker process (or thread). ``run_once`` claims and sends one batch."""

    def __init__(self, worker_id: str, batch: int = BATCH, stop: threading.Event | None = None):
        self.worker_id = worker_id[:80]
        self.stop = stop or threading.Event()
        self.batch = batch
        self.connections: dict[int, Connection] = {}
        self.compiled: dict[int, tuple[float, rendering.Compiled]] = {}
        self.profiles: dict[int, SendingProfile] = {}
        self.domain = message_domain()
        self.base = tracking_base()
        self.last_sweep = 0.0
        self._db: ThreadPoolExecutor | None = None

    # claiming -------------------------------------------------------------------------------
    def claim(self, campaign_id: int, limit: int) -> list[Send]:
        now = timezone.now()
        with transaction.atomic():
            ids = list(
                Send.objects.filter(
                    state=Send.State.QUEUED, not_before__lte=now, campaign_id=campaign_id
                )
                .order_by("not_before")
                .select_for_update(skip_locked=True)
                .values_list("pk", flat=True)[:limit]
            )
            if not ids:
                return []
            Send.objects.filter(pk__in=ids, state=Send.State.QUEUED).update(
                state=Send.State.CLAIMED,
                worker=self.worker_id,
                lease_until=now + timedelta(seconds=settings.PHISHING_LEASE_SECONDS),
            )
        return list(
            Send.objects.filter(pk__in=ids, state=Send.State.CLAIMED, worker=self.worker_id)
            .select_related("person", "organisation")
            .only(
                "pk",
                "campaign_id",
                "variant_id",
                "email",
                "token",
                "attempts",
                "person__full_name",
                "person__designation",
                "person__email",
                "organisation__name",
            )
            .order_by("not_before")
        )

    def batch_for(self, profile: SendingProfile) -> int:
        """A batch a worker can send well within its lease at the profile's rate."""
        if not profile.rate_per_minute:
            return self.batch
        fits = profile.rate_per_minute * settings.PHISHING_LEASE_SECONDS // 120
        return max(1, min(self.batch, fits))

    def sweep(self) -> tuple[int, int]:
        """Release expired claims; declare expired in-flight rows in doubt; finish campaigns."""
        now = timezone.now()
        released = Send.objects.filter(state=Send.State.CLAIMED, lease_until__lt=now).update(
            state=Send.State.QUEUED, worker="", lease_until=None
        )
        doubtful = Send.objects.filter(state=Send.State.SENDING, lease_until__lt=now).update(
            state=Send.State.IN_DOUBT,
            error="The worker stopped during the SMTP transaction; the message may have been sent.",
        )
        in_flight = Send.objects.filter(
            campaign=OuterRef("pk"),
            state__in=[Send.State.QUEUED, Send.State.CLAIMED, Send.State.SENDING],
        )
        finished = list(
            Campaign.objects.filter(state=Campaign.State.RUNNING)
            .filter(~Exists(in_flight))
            .values_list("pk", flat=True)
        )
        if finished:
            Campaign.objects.filter(pk__in=finished, state=Campaign.State.RUNNING).update(
                state=Campaign.State.COMPLETED, finished_at=now
            )
        return released, doubtful

    # per variant / profile ------------------------------------------------------------------
    def compiled_for(self, variant_id: int) -> rendering.Compiled:
        cached = self.compiled.get(variant_id)
        if cached and time.monotonic() - cached[0] < 60:
            return cached[1]
        variant = Variant.objects.select_related("template").get(pk=variant_id)
        compiled = rendering.Compiled.of(variant.template)
        self.compiled[variant_id] = (time.monotonic(), compiled)
        return compiled

    def connection_for(self, profile: SendingProfile) -> Connection:
        conn = self.connections.get(profile.pk)
        if conn is not None and (
            conn.used >= max(profile.messages_per_connection, 1)
            or time.monotonic() - conn.last > 30
        ):
            self.drop(profile.pk)
            conn = None
        if conn is None:
            timeout = max(5.0, min(30.0, settings.PHISHING_LEASE_SECONDS / 3))
            conn = Connection(open_connection(profile, timeout))
            self.connections[profile.pk] = conn
        return conn

    def drop(self, profile_id: int) -> None:
        conn = self.connections.pop(profile_id, None)
        if conn is not None:
            try:
                conn.smtp.quit()
            except (smtplib.SMTPException, OSError):
                conn.smtp.close()

    def close(self) -> None:
        for profile_id in list(self.connections):
            self.drop(profile_id)
        if self._db is not None:
            self._db.submit(connection.close).result()
            self._db.shutdown()
            self._db = None

    def overlap(self) -> bool:
        return connection.vendor == "postgresql" and not connection.in_atomic_block

    def db(self) -> ThreadPoolExecutor:
        if self._db is None:
            self._db = ThreadPoolExecutor(1, thread_name_prefix="phishing-db")
        return self._db

    def begin_in_thread(self, send: Send, message_id: str, previous: int | None) -> bool:
        try:
            return self.begin(send, message_id, previous)
        except Exception:
            connection.close()  # a broken connection is replaced on the next call
            raise

    def close_idle(self) -> None:
        for profile_id, conn in list(self.connections.items()):
            if time.monotonic() - conn.last > 20:
                self.drop(profile_id)

    # sending --------------------------------------------------------------------------------
    def run_once(self) -> int:
        if time.monotonic() - self.last_sweep > 2:
            self.sweep()
            self.last_sweep = time.monotonic()
        handled = 0
        for campaign in Campaign.objects.filter(state=Campaign.State.RUNNING).select_related(
            "profile"
        ):
            if self.stop.is_set():
                break
            sends = self.claim(campaign.pk, self.batch_for(campaign.profile))
            if sends:
                self.send_all(campaign.profile, sends)
                handled += len(sends)
        return handled

    def release(self, sends: list[Send]) -> None:
        Send.objects.filter(
            pk__in=[s.pk for s in sends], state=Send.State.CLAIMED, worker=self.worker_id
        ).update(state=Send.State.QUEUED, worker="", lease_until=None)

    def send_all(self, profile: SendingProfile, sends: list[Send]) -> None:
        """Send a claimed batch in order, pacing to the profile's shared rate. Between messages
        the campaign's state is re-read every second: a pause or stop releases what is left."""
        rate = profile.rate_per_minute
        chunk = max(1, rate // 60) if rate else len(sends)
        previous: int | None = None  # the last accepted row, marked sent with the next step
        checked = time.monotonic()
        for i in range(0, len(sends), chunk):
            group = sends[i : i + chunk]
            if self.stop.is_set() or (
                time.monotonic() - checked > 1 and not self.still_running(group[0].campaign_id)
            ):
                self.release(sends[i:])
                break
            checked = time.monotonic()
            if rate:
                interval = timedelta(seconds=60 / rate)
                late = max(interval, LATE)
                start, base = reserve_slots(profile.pk, rate, len(group)), 0
            for n, send in enumerate(group):
                if rate:
                    slot = start + interval * (n - base)
                    if timezone.now() - slot > late:
                        # This worker was held up (a slow relay, a starved CPU) and its slots
                        # are long past: sending now would bunch them with the other workers'
                        # on-time ones. Leave them unused and take fresh ones. (A few
                        # milliseconds late is normal and is simply caught up.)
                        start, base = reserve_slots(profile.pk, rate, len(group) - n), n
                        slot = start
                    _sleep_until(slot)
                previous = self.send_one(profile, send, previous)
        if previous is not None:
            self.mark_sent(previous)

    def still_running(self, campaign_id: int) -> bool:
        return Campaign.objects.filter(pk=campaign_id, state=Campaign.State.RUNNING).exists()

    def mark_sent(self, pk: int) -> None:
        Send.objects.filter(pk=pk).update(
            state=Send.State.SENT, sent_at=timezone.now(), lease_until=None, smtp_code=250
        )

    def begin(self, send: Send, message_id: str, previous: int | None) -> bool:
        """Record the Message-ID and take the row into 'sending' (only if it is still this
        worker's claim), and mark the previous accepted message 'sent' — one statement, one
        commit, so a worker never has more than one row in 'sending'."""
        now = timezone.now()
        ops = connection.ops
        at = ops.adapt_datetimefield_value(now)
        lease = ops.adapt_datetimefield_value(
            now + timedelta(seconds=settings.PHISHING_LEASE_SECONDS)
        )
        table = Send._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"""UPDATE {table} SET
                    state = CASE WHEN id = %s THEN 'sending' ELSE 'sent' END,
                    message_id = CASE WHEN id = %s THEN %s ELSE message_id END,
                    attempts = CASE WHEN id = %s THEN attempts + 1 ELSE attempts END,
                    lease_until = CASE WHEN id = %s THEN %s ELSE NULL END,
                    sent_at = CASE WHEN id = %s THEN sent_at ELSE %s END,
                    smtp_code = CASE WHEN id = %s THEN smtp_code ELSE 250 END
                WHERE (id = %s AND state = 'claimed' AND worker = %s) OR id = %s
                RETURNING id""",  # noqa: S608 - the table name is ours; values are parameters
                [
                    send.pk, send.pk, message_id, send.pk, send.pk, lease, send.pk, at,
                    send.pk, send.pk, self.worker_id, previous if previous is not None else -1,
                ],
            )  # fmt: skip
            return any(row[0] == send.pk for row in cursor.fetchall())

    def send_one(self, profile: SendingProfile, send: Send, previous: int | None) -> int | None:
        try:
            compiled = self.compiled_for(send.variant_id)
            link = self.base + send.token + "/"
            context = rendering.context_for(
                send.person or rendering.Addressee(send.email),
                send.organisation.name if send.organisation else "",
                link,
            )
            message_id = rendering.new_message_id(self.domain)
            payload = rendering.build(
                compiled, context, send.email, message_id, pixel_url=link + "o.gif"
            )
        except Exception as exc:  # a template that cannot render: a recorded failure
            if previous is not None:
                self.mark_sent(previous)
            self.finish(send, Send.State.FAILED, None, f"Could not build the message: {exc}")
            return None
        # The row is taken into 'sending' (and the previous one marked 'sent') while MAIL and
        # RCPT go out; DATA waits for that commit. On PostgreSQL outside a transaction the
        # write runs on a second connection so the two round trips overlap.
        if self.overlap():
            future = self.db().submit(self.begin_in_thread, send, message_id, previous)
        else:
            future = _Done(self.begin(send, message_id, previous))
        taken: list[bool] = []

        def ready() -> bool:
            if not taken:
                taken.append(future.result())
            return taken[0]

        envelope = profile.envelope_from or compiled.sender_address
        try:
            conn = self.connection_for(profile)
        except (smtplib.SMTPException, OSError) as exc:
            if ready():
                self.retry(
                    send, None, f"Could not connect to {profile.host}:{profile.port}: {exc}"
                )
            return None
        try:
            outcome = transact(conn.smtp, envelope, send.email, payload, ready)
        except NotHandedOver as exc:
            self.drop(profile.pk)
            if ready():
                self.retry(send, None, f"Connection lost before the message was sent: {exc}")
            return None
        except Uncertain as exc:
            self.drop(profile.pk)
            self.finish(
                send,
                Send.State.IN_DOUBT,
                None,
                f"Connection lost while the server took the message: {exc}",
            )
            return None
        if outcome is None:
            return None  # the lease ran out and the row went back to the queue
        conn.used += 1
        conn.last = time.monotonic()
        if 200 <= (outcome.code or 0) < 300:
            return send.pk
        if 400 <= (outcome.code or 0) < 500:
            self.retry(send, outcome.code, outcome.text)
        else:
            self.finish(send, Send.State.FAILED, outcome.code, outcome.text)
        return None

    def retry(self, send: Send, code: int | None, text: str) -> None:
        attempts = send.attempts + 1
        if attempts >= settings.PHISHING_MAX_ATTEMPTS:
            self.finish(send, Send.State.FAILED, code, text)
            return
        delay = settings.PHISHING_RETRY_SECONDS * 2 ** (attempts - 1)
        Send.objects.filter(pk=send.pk, state=Send.State.SENDING, worker=self.worker_id).update(
            state=Send.State.QUEUED,
            worker="",
            lease_until=None,
            not_before=timezone.now() + timedelta(seconds=delay),
            smtp_code=code,
            error=text[:300],
        )

    def finish(self, send: Send, state: str, code: int | None, text: str) -> None:
        Send.objects.filter(pk=send.pk, worker=self.worker_id).exclude(
            state__in=[Send.State.SENT, Send.State.CANCELLED]
        ).update(state=state, lease_until=None, smtp_code=code, error=text[:300])


@dataclass
class _Done:
    value: bool

    def result(self) -> bool:
        return self.value


def run_forever(worker_id: str, stop: threading.Event, idle: float = 1.0) -> None:
    """The worker's sending loop (a thread of ``hifazat worker``)."""
    dispatcher = Dispatcher(worker_id, stop=stop)
    try:
        while not stop.is_set():
            try:
                close_old_connections()
                sent = dispatcher.run_once()
            except Exception:
                logger.exception("phishing dispatch failed")
                dispatcher.close()
                connection.close()
                sent = 0
            if not sent:
                dispatcher.close_idle()
                stop.wait(idle)
    finally:
        dispatcher.close()
        connection.close()
