"""Background work for phishing simulation. Campaign messages are sent by the worker's
sending loop (``hifazat.phishing.dispatch``), not as tasks; the test send to an operator is a
task."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django_tasks import task

from hifazat.orgs.models import Person
from hifazat.phishing import dispatch, rendering
from hifazat.phishing.models import Campaign


@task()
def send_test_messages(campaign_id: int, person_id: int) -> int:
    """One message per variant to the operator, marked as a test in the subject. Its link opens
    the variant's landing page as a preview; nothing is tracked."""
    campaign = Campaign.objects.select_related("profile").get(pk=campaign_id)
    person = Person.objects.select_related("organisation").get(pk=person_id)
    smtp = dispatch.open_connection(campaign.profile, timeout=30)
    sent = 0
    try:
        for variant in campaign.variants.select_related("template"):
            compiled = rendering.Compiled.of(variant.template)
            link = settings.SITE_URL + reverse("phishing:variant_preview", args=[variant.pk])
            context = rendering.context_for(person, person.organisation.name, link, link)
            message_id = rendering.new_message_id(dispatch.message_domain())
            payload = rendering.build(
                compiled,
                context,
                person.email,
                message_id,
                subject_prefix=f"[TEST {variant.label}] ",
            )
            envelope = campaign.profile.envelope_from or compiled.sender_address
            outcome = dispatch.transact(smtp, envelope, person.email, payload)
            if outcome.code and 200 <= outcome.code < 300:
                sent += 1
    finally:
        smtp.quit()
    return sent


@task()
def apply_remedial_rules() -> int:
    """Enrol people who fell for a simulation, by the active remedial rules (periodic)."""
    from hifazat.phishing import remedial

    return sum(a.enrolled for a in remedial.apply_all().values())


@task()
def reduce_old_results() -> int:
    """Reduce identifiable results past the retention period to aggregates (periodic)."""
    from hifazat.phishing import retention

    return retention.reduce_due()
