"""Demo data for phishing simulation: the national library of e-mail templates and landing
pages written for Hifazat (``data/phishing.yaml``), a sending profile that delivers to the demo's
mail catcher, and two campaigns ready for the operator to try (one awaiting approval)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import yaml
from django.utils import timezone

from hifazat.demo.accounts import DEMO_ACCOUNTS
from hifazat.orgs.models import Organisation, Person
from hifazat.orgs.roles import Role
from hifazat.phishing import services
from hifazat.phishing.models import Campaign, EmailTemplate, LandingPage, SendingProfile

DATA = Path(__file__).with_name("data") / "phishing.yaml"
DEMO_SMTP_PORT = 8025
LEAVE_UNSIGNED = {"courier-notice"}  # shows the platform admin's sign-off step


def _account(role: str) -> Person | None:
    """The demo account holding ``role`` (the first listed, for the two campaign operators)."""
    email = next(a.email for a in DEMO_ACCOUNTS if a.role == role)
    return Person.objects.filter(email=email).first()


def load_phishing(stdout=None) -> int:
    if EmailTemplate.objects.exists():
        if stdout:
            stdout.write("Phishing simulation: already loaded")
        return 0
    operator, admin = _account(Role.CAMPAIGN_OPERATOR), _account(Role.PLATFORM_ADMIN)
    if operator is None:
        if stdout:
            stdout.write("Phishing simulation: skipped (no campaign operator)")
        return 0
    data = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    templates = {}
    for row in data["templates"]:
        template = services.template_save(
            actor=operator,
            template=EmailTemplate(
                name=row["name"],
                language=row["language"],
                difficulty=row["difficulty"],
                impersonates=row.get("impersonates", ""),
                sender_name=row["sender_name"],
                sender_address=row["sender_address"],
                subject=row["subject"].strip(),
                text=row["text"],
                html=row.get("html", ""),
                red_flags=row.get("red_flags", []),
            ),
        )
        if template.impersonates and admin and row["key"] not in LEAVE_UNSIGNED:
            services.template_sign_off(actor=admin, template=template)
        templates[row["key"]] = template
    pages = {}
    for row in data["landing_pages"]:
        pages[row["key"]] = services.landing_save(
            actor=operator,
            page=LandingPage(
                name=row["name"],
                language=row["language"],
                has_form=row.get("has_form", False),
                form_title=row.get("form_title", ""),
                form_intro=row.get("form_intro", ""),
                title=row["title"],
                body=row["body"],
            ),
        )
    profile = services.profile_save(
        actor=operator,
        profile=SendingProfile(
            name="Demo relay (mail catcher, var/mail/phishing)",
            host="127.0.0.1",
            port=DEMO_SMTP_PORT,
            security=SendingProfile.Security.NONE,
            rate_per_minute=600,
        ),
    )
    moitt = Organisation.objects.filter(code="MOITT").first()
    start = timezone.now() + timedelta(days=1)
    if moitt:
        services.campaign_save(
            actor=operator,
            campaign=Campaign(
                name="MoITT baseline — e-Office password expiry",
                profile=profile,
                start_at=start,
                send_by=start + timedelta(days=3),
                authorised_by="Secretary, Ministry of IT & Telecom",
                authorisation_reference="No. 7(3)/2026-IS (demo)",
            ),
            variants=[
                (templates["eoffice-password-expiry"], pages["pretend-sign-in"]),
                (templates["urdu-notice"], pages["pretend-sign-in-ur"]),
            ],
            audience=services.Audience(orgs=[moitt]),
        )
    national = services.campaign_save(
        actor=operator,
        campaign=Campaign(
            name="National round — forged NTISB advisory",
            profile=profile,
            start_at=start + timedelta(days=7),
            send_by=start + timedelta(days=14),
            authorised_by="Secretary, Cabinet Division",
            authorisation_reference="No. 2-11/2026-NTISB (demo)",
        ),
        variants=[
            (templates["ntisb-advisory"], pages["teachable-moment"]),
            (templates["document-share"], pages["teachable-moment"]),
        ],
        audience=services.Audience(
            orgs=list(Organisation.objects.filter(kind="ministry", parent__isnull=True)[:12])
        ),
    )
    services.campaign_submit(actor=operator, campaign=national)
    if stdout:
        stdout.write(
            f"Phishing simulation: {len(templates)} templates, {len(pages)} landing pages, "
            "2 campaigns"
        )
    return len(templates)


def load_remedial(stdout=None) -> int:
    """The national remedial rule, applied once to the history (the worker keeps applying it)."""
    from hifazat.learning.models import Course
    from hifazat.phishing import remedial
    from hifazat.phishing.models import RemedialRule

    operator = _account(Role.CAMPAIGN_OPERATOR)
    course = Course.objects.filter(slug="remedial", current_version__isnull=False).first()
    if operator is None or course is None or RemedialRule.objects.exists():
        return 0
    rule = remedial.rule_save(
        actor=operator,
        rule=RemedialRule(
            name="Fell for a simulation in the last 90 days",
            course=course,
            window_days=90,
            min_gap_days=90,
            due_days=14,
        ),
    )
    enrolled = remedial.apply_rule(rule).enrolled
    if stdout:
        stdout.write(f"Remedial training: 1 rule, {enrolled} people enrolled")
    return enrolled
