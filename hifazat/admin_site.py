"""Django's admin, for platform admins who signed in with their second factor only."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class ReadOnlyMixin:
    """The admin inspects; every change goes through a service that checks and audits it."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def session_used_mfa(request) -> bool:
    from hifazat.orgs.middleware import session_used_mfa as used

    return used(request)


class HifazatAdminSite(admin.AdminSite):
    site_header = "Hifazat administration"
    site_title = "Hifazat"

    def register(self, model_or_iterable, admin_class=None, **options):
        # Every model, ours or a library's, is read-only here (writes bypassing services
        # would bypass permission checks and the audit log).
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, ReadOnlyMixin):
            admin_class = type(f"ReadOnly{admin_class.__name__}", (ReadOnlyMixin, admin_class), {})
        return super().register(model_or_iterable, admin_class, **options)

    def has_permission(self, request):
        from hifazat.orgs.access import has_role
        from hifazat.orgs.roles import Role

        user = request.user
        return bool(
            user.is_active
            and user.is_authenticated
            and has_role(user, Role.PLATFORM_ADMIN)
            and session_used_mfa(request)
        )


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    pass


class HifazatAdminConfig(AdminConfig):
    default_site = "hifazat.admin_site.HifazatAdminSite"
