from django.contrib import admin

from hifazat.admin_site import ReadOnlyAdmin
from hifazat.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["seq", "at", "actor_label", "action", "object_type", "object_id"]
    search_fields = ["actor_label", "action", "object_repr"]
