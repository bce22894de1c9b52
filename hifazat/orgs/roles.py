"""The roles of Hifazat and what each one's scope means.

A role is held through a :class:`~hifazat.orgs.models.RoleAssignment`. Scoped roles carry an
organisation and reach its whole subtree; national roles carry none. Every role is
privileged: whoever holds one must sign in with a second factor.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    FOCAL_PERSON = "focal_person", _("Focal person")
    HEAD = "head", _("Head of organisation")
    TRAINER = "trainer", _("Trainer")
    PROGRAMME_MANAGER = "programme_manager", _("Programme manager")
    ADVISORY_AUTHOR = "advisory_author", _("Advisory author")
    ADVISORY_REVIEWER = "advisory_reviewer", _("Advisory reviewer")
    ADVISORY_PUBLISHER = "advisory_publisher", _("Advisory publisher")
    CAMPAIGN_OPERATOR = "campaign_operator", _("Campaign operator")
    AUDITOR = "auditor", _("Auditor")
    PLATFORM_ADMIN = "platform_admin", _("Platform admin")


# Roles that must name an organisation (their scope is its subtree).
SCOPED_ROLES = frozenset(
    {
        Role.FOCAL_PERSON,
        Role.HEAD,
        Role.ADVISORY_AUTHOR,
        Role.ADVISORY_REVIEWER,
        Role.ADVISORY_PUBLISHER,
    }
)
# Roles that must not name one (national reach).
NATIONAL_ROLES = frozenset({Role.PROGRAMME_MANAGER, Role.AUDITOR, Role.PLATFORM_ADMIN})
# Trainer and campaign operator may be national (no organisation) or scoped.

# Who may grant what. A platform admin may grant every role; a programme manager runs the
# training programme and appoints the people who answer for organisations and events.
GRANTABLE_BY = {
    Role.PLATFORM_ADMIN: frozenset(Role),
    Role.PROGRAMME_MANAGER: frozenset({Role.FOCAL_PERSON, Role.HEAD, Role.TRAINER}),
}

# Roles whose holders see every organisation's people (read-only for the auditor).
NATIONAL_PEOPLE_READERS = frozenset({Role.PROGRAMME_MANAGER, Role.AUDITOR, Role.PLATFORM_ADMIN})
# Roles that manage the people of their subtree.
ORG_MANAGERS = frozenset({Role.FOCAL_PERSON, Role.HEAD})
# Roles that may import HR lists (each within what they manage).
PEOPLE_IMPORTERS = frozenset(
    {Role.PLATFORM_ADMIN, Role.PROGRAMME_MANAGER, Role.FOCAL_PERSON, Role.HEAD}
)
