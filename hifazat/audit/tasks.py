from django_tasks import task

from hifazat.audit.services import audit_write_head


@task()
def write_audit_head() -> int:
    """Write the audit chain's head out (also done by every worker's heartbeat)."""
    seq, _ = audit_write_head()
    return seq
