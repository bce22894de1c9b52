from django.conf import settings

from hifazat.orgs import access
from hifazat.orgs.roles import Role
from hifazat.reports.views import VIEWERS as REPORT_VIEWERS


def hifazat(request):
    user = getattr(request, "user", None)
    roles = {a.role for a in access.current_assignments(user)} if user else set()
    return {
        "DEMO_MODE": settings.DEMO_MODE,
        "ADMIN_ENABLED": settings.ADMIN_ENABLED,
        "nav": {
            "people": bool(roles & set(access.PEOPLE_READERS.roles)),
            "audit": bool(roles & set(access.AUDIT_READERS.roles)),
            "phishing": bool(roles & {Role.CAMPAIGN_OPERATOR, Role.PLATFORM_ADMIN, Role.AUDITOR}),
            "phishing_results": bool(roles & {Role.FOCAL_PERSON, Role.HEAD}),
            "reports": bool(roles & set(REPORT_VIEWERS.roles)),
            "admin": settings.ADMIN_ENABLED and Role.PLATFORM_ADMIN in roles,
            "labs": bool(
                roles
                & {
                    Role.TRAINER,
                    Role.PROGRAMME_MANAGER,
                    Role.FOCAL_PERSON,
                    Role.HEAD,
                    Role.AUDITOR,
                }
            )
            or getattr(user, "track", "") == "it_admin",
        },
    }
