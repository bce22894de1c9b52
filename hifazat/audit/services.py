"""Writing and verifying the audit log."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from hifazat.audit.context import current_origin
from hifazat.audit.models import GENESIS, AuditEvent, AuditHead

logger = logging.getLogger("hifazat.audit")


def _json_safe(data):
    return json.loads(json.dumps(data, default=str)) if data else {}


def audit_record(
    *,
    actor,
    action: str,
    obj=None,
    object_type: str = "",
    object_id: str | int = "",
    object_repr: str = "",
    organisation_id: int | None = None,
    data: dict | None = None,
) -> AuditEvent:
    """Append one event. Call it inside the service's transaction so both land or neither."""
    origin = current_origin.get()
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
        object_repr = object_repr or str(obj)[:200]
        if organisation_id is None:
            organisation_id = getattr(obj, "organisation_id", None)
    with transaction.atomic():
        head = _locked_head()
        event = AuditEvent(
            seq=head.seq + 1,
            at=timezone.now(),
            actor=actor if getattr(actor, "pk", None) else None,
            actor_label=(
                f"{actor.full_name} <{actor.email}>"
                if getattr(actor, "pk", None)
                else str(actor or "system")
            )[:200],
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            object_repr=object_repr[:200],
            organisation_id=organisation_id,
            ip=origin.ip,
            user_agent=(origin.user_agent or origin.channel)[:200],
            data=_json_safe(data),
            prev_hash=head.hash,
        )
        event.hash = event.compute_hash()
        event.save(force_insert=True)
        head.seq, head.hash = event.seq, event.hash
        head.save(update_fields=["seq", "hash"])
    return event


def _locked_head() -> AuditHead:
    # SELECT ... FOR UPDATE on PostgreSQL; on SQLite the IMMEDIATE transaction already holds
    # the database's write lock, which serialises appends just the same.
    head = AuditHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        head, _ = AuditHead.objects.get_or_create(pk=1)
        head = AuditHead.objects.select_for_update().get(pk=1)
    return head


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    broken_seq: int | None = None
    problem: str = ""


def audit_verify(*, batch: int = 5000) -> VerifyResult:
    """Walk the chain from the start; name the first broken link."""
    prev = GENESIS
    expected_seq = 1
    checked = 0
    last_seq = 0
    qs = AuditEvent.objects.order_by("seq")
    while True:
        events = list(qs.filter(seq__gt=last_seq)[:batch])
        if not events:
            break
        for event in events:
            if event.seq != expected_seq:
                return VerifyResult(
                    False, checked, expected_seq, f"event #{expected_seq} is missing"
                )
            if event.prev_hash != prev:
                return VerifyResult(
                    False,
                    checked,
                    event.seq,
                    "its previous hash does not match the event before it",
                )
            if event.compute_hash() != event.hash:
                return VerifyResult(
                    False,
                    checked,
                    event.seq,
                    "its content does not match its hash (changed after writing)",
                )
            prev = event.hash
            expected_seq += 1
            checked += 1
            last_seq = event.seq
    head = AuditHead.objects.filter(pk=1).first()
    if head is None and last_seq:
        return VerifyResult(False, checked, last_seq, "the chain's head record is missing")
    if head and (head.seq != last_seq or head.hash != prev):
        return VerifyResult(
            False,
            checked,
            last_seq + 1,
            f"the head says #{head.seq} but the chain ends at #{last_seq}",
        )
    written = _read_written_heads()
    seen: dict[int, str] = {}
    for seq, digest in written:
        # A head is written again while nothing happens; two different hashes for one
        # sequence number mean the events up to it were rewritten in between.
        if seen.setdefault(seq, digest) != digest:
            return VerifyResult(
                False,
                checked,
                seq,
                f"two different heads were written out for #{seq}: the chain was rewritten",
            )
    problem = _check_written_heads(seen, last_seq)
    if problem:
        return VerifyResult(False, checked, problem[0], problem[1])
    return VerifyResult(True, checked)


def _read_written_heads():
    path = settings.AUDIT_HEAD_FILE
    if not path.exists():
        return []
    heads = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = dict(p.split("=", 1) for p in line.split() if "=" in p)
        if "seq" in parts and "hash" in parts:
            heads.append((int(parts["seq"]), parts["hash"]))
    return heads


def _check_written_heads(heads: dict[int, str], last_seq: int):
    """A head written out earlier must still be in the chain: catches a rewrite of it all."""
    if not heads:
        return None
    stored = dict(AuditEvent.objects.filter(seq__in=list(heads)).values_list("seq", "hash"))
    for seq, digest in sorted(heads.items()):
        if seq == 0:
            continue
        if seq > last_seq:
            return seq, f"a head written out earlier (#{seq}) is beyond the end of the chain"
        if stored.get(seq) != digest:
            return (
                seq,
                f"a head written out earlier (#{seq}) no longer matches: the chain was rewritten",
            )
    return None


def audit_write_head() -> tuple[int, str]:
    """Write the current head to the log and to AUDIT_HEAD_FILE (the worker does this)."""
    head = AuditHead.objects.filter(pk=1).first() or AuditHead(seq=0, hash=GENESIS)
    line = f"{timezone.now().isoformat(timespec='seconds')} seq={head.seq} hash={head.hash}"
    logger.info("audit head %s", line)
    path = settings.AUDIT_HEAD_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(line + "\n")
    return head.seq, head.hash
