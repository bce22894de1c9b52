"""Django's admin, for platform admins who signed in with their second factor only."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig



def session_used_mfa(request) -> bool:
    records = request.session.get("account_authentication_methods", [])
    return any(r.get("method") == "mfa" for r in records)


class HifazatAdminSite(admin.AdminSite):
    site_header = "Hifazat administration"
    site_title = "Hifazat"

    def has_permission(self, request):
        from hifazat.orgs.access import has_role
        from hifazat.orgs.roles import Role

        user = request.user
        return bool(
            user.is_active and user.is_authenticated and has_role(user, Role.PLATFORM_ADMIN)
            and session_used_mfa(request)
        )


class HifazatAdminConfig(AdminConfig):
    default_site = "hifazat.admin_site.HifazatAdminSite"


class ReadOnlyAdmin(admin.ModelAdmin):
    """The admin inspects; every change goes through a service that checks and audits it."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
