from django.contrib import admin

from hifazat.admin_site import ReadOnlyAdmin
from hifazat.orgs.models import Organisation, Person, RoleAssignment


@admin.register(Organisation)
class OrganisationAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "kind", "parent", "valid_to"]
    search_fields = ["code", "name"]
    readonly_fields = ["path", "depth"]


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    list_display = ["full_name", "email", "organisation", "bps_grade", "track", "is_active"]
    search_fields = ["full_name", "email", "employee_number"]
    list_filter = ["track", "is_active"]
    raw_id_fields = ["organisation"]
    exclude = ["password"]
    readonly_fields = ["org_path", "last_login", "date_joined"]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ReadOnlyAdmin):
    list_display = ["person", "role", "organisation", "granted_at", "revoked_at"]
    raw_id_fields = ["person", "organisation", "granted_by", "revoked_by"]
