"""Every dashboard figure against the hand-built data set in ``dataset.py``, whose right
answers are worked out in the comments below."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from hifazat.reports import measures, snapshots
from hifazat.reports.models import Snapshot
from hifazat.reports.tests import dataset

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(orgs):
    return dataset.build(orgs)


@pytest.fixture
def view(data):
    snapshots.refresh()
    return snapshots.read()


def test_department_figures(view, orgs):
    f = view.figures(orgs["dep_a"])
    # a1–a4, t1, t2 are active; x is deactivated
    assert (f.staff, f.it_admins) == (6, 2)
    # valid basic: a1, a2, t1 (a3 expired, a4 revoked, x inactive)
    assert f.basic_coverage == pytest.approx(3 / 6)
    assert f.advanced_coverage == pytest.approx(1 / 2)  # t1 of t1, t2
    assert (f.certs_valid, f.certs_expiring) == (4, 2)  # a2 basic, t1 advanced expire soon
    # a1: (80−40)/60; a2: pre 100 (left out of g, raw 0); t1: (75−50)/50; a3 has no final
    assert f.gain_n == 3 and f.gain_g_n == 2
    assert f.gain == pytest.approx((40 / 60 + 25 / 50) / 2)
    assert f.raw_gain == pytest.approx((40 + 0 + 25) / 3)
    # t1 and t2 finished a lab; scores 75 % (t1), 50 % (t2), 90 % (a1, general track)
    assert f.lab_completion == pytest.approx(1.0)
    assert f.lab_median == pytest.approx(0.75)
    # P2 is pseudonymous and reached only two people here: left out (its rates would single
    # them out); so the department's last campaign is P1 (P3 reached only division A)
    assert f.last_campaign_id == view_campaign(view, "P1")
    assert f.last_click_rate == pytest.approx(1 / 4)  # a1 of a1–a4 (t1 not delivered)
    assert f.last_report_rate == pytest.approx(2 / 4)
    assert f.last_median_report_seconds == 3600  # a2 after 30 min, a3 after 90
    # the year: P1 only (P0 is too old, P2 left out)
    assert f.year_click_rate == pytest.approx(1 / 4)
    assert f.year_report_rate == pytest.approx(2 / 4)
    # V1 (implemented, acknowledged after 2 h) and V2 (viewed, not due); V3 withdrawn
    assert f.adv_received == 2
    assert f.ack_rate == pytest.approx(1 / 2)
    assert f.implementation_rate == pytest.approx(1.0)
    assert f.mean_ack_seconds == pytest.approx(2 * 3600, abs=1)
    assert f.adv_overdue == 0
    # a1 failed P1 and the pseudonymous P2: a repeat clicker who may not be named
    assert (f.repeat_all, f.repeat_named) == (1, 0)


def view_campaign(view, name):
    from hifazat.phishing.models import Campaign

    return Campaign.objects.get(name=name).pk


def test_division_subtree_and_the_median_time_to_report(view, orgs, data):
    f = view.figures(orgs["div_a"])
    assert (f.staff, f.it_admins) == (8, 3)
    assert f.basic_coverage == pytest.approx(4 / 8)  # + d1
    assert f.advanced_coverage == pytest.approx(1 / 3)
    assert f.lab_completion == pytest.approx(2 / 3)
    # last campaign P3: d1 clicked
    assert f.last_campaign_id == data["campaigns"][3].pk
    assert (f.last_click_rate, f.last_report_rate) == (1.0, 0.0)
    # the year: delivered 5 (P1) + 1 (P3); human 2 + 1; reported 2 (P2: 3 people, left out)
    assert f.year_click_rate == pytest.approx(3 / 6)
    assert f.year_report_rate == pytest.approx(2 / 6)
    # P1 in the division: a2 after 30 min, a3 after 90 → median 60 min
    rows = dict(f.campaign_rows())
    p1 = rows[data["campaigns"][1].pk]
    assert measures.median_of(p1["m"]) * 60 == 3600
    # V1 ×2 + V2: acknowledged 2 of 3; due 2 (V1 ×2), implemented 1; mean (2 h + 10 h) / 2
    assert f.ack_rate == pytest.approx(2 / 3)
    assert f.implementation_rate == pytest.approx(1 / 2)
    assert f.mean_ack_seconds == pytest.approx(6 * 3600, abs=1)
    assert f.adv_overdue == 1  # division A: action overdue
    assert (f.repeat_all, f.repeat_named) == (2, 1)  # + d1: P1 and P3, both named
    assert view.figures(orgs["min_a"]).data == f.data  # the ministry has nobody of its own


def test_readiness_score_with_the_default_and_changed_weights(view, orgs, personas):
    f = view.figures(orgs["dep_a"])
    # 25×0.5 + 15×0.5 + 10×1 + 15×(1 − 1/4) + 10×1/2 + 10×0.5 + 15×1 = 66.25 of 100
    expected = (12.5 + 7.5 + 10 + 11.25 + 5 + 5 + 15) / 100
    assert f.readiness(snapshots.weights()) == pytest.approx(expected)
    snapshots.set_weights(personas.pm, {**measures.DEFAULT_WEIGHTS, "basic_coverage": 0})
    w = snapshots.weights()
    assert w["basic_coverage"] == 0
    assert f.readiness(w) == pytest.approx((expected * 100 - 12.5) / 75)
    with pytest.raises(Exception):  # noqa: B017 — PermissionDenied
        snapshots.set_weights(personas.focal_a, measures.DEFAULT_WEIGHTS)


def test_an_organisation_with_nothing_shows_no_data(view, orgs):
    f = view.figures(orgs["min_c"])
    assert f.staff == 0
    for name in (
        "basic_coverage",
        "advanced_coverage",
        "gain",
        "lab_completion",
        "lab_median",
        "last_click_rate",
        "year_click_rate",
        "ack_rate",
        "implementation_rate",
        "mean_ack_seconds",
    ):
        assert getattr(f, name) is None, name
    assert f.readiness(snapshots.weights()) is None
    # a missing measure is left out of the score, and the others are reweighted
    b = view.figures(orgs["div_b"])  # b1 only: no certificates (0 %), reported P1, V1 unacked
    assert b.basic_coverage == 0.0 and b.advanced_coverage is None
    weights = snapshots.weights()
    # basic 0 (25), resistance 1 (15), report 1 (10), ack 0 (10), implementation 0 (15)
    assert b.readiness(weights) == pytest.approx((15 + 10) / (25 + 15 + 10 + 10 + 15))


def test_national_totals(view):
    f = view.figures(None)
    assert f.staff == 9  # 6 + 2 + b1
    # P1 everywhere: delivered 6 (a1–a4, d1, b1), human 2, reported 3 → median 30 min
    assert f.adv_received == 4 and f.adv_overdue == 2


def test_month_end_snapshots_see_the_past(data, orgs):
    """A snapshot as of 15 days ago: P2 and P3 had not been launched; V1 was published but
    not yet carried out (that came 10 days ago) nor due; V2 not published."""
    as_of = timezone.now() - timedelta(days=15)
    own, launched = measures.compute(as_of)
    f = measures.Figures(measures.roll_up(own)[orgs["dep_a"].pk], launched)
    assert f.advanced_coverage == pytest.approx(1 / 2)
    assert f.last_campaign_id == data["campaigns"][1].pk
    assert (f.adv_received, f.adv_ack, f.adv_due, f.adv_implemented, f.adv_overdue) == (
        1,
        1,
        0,
        0,
        0,
    )
    assert f.implementation_rate is None  # nothing due yet: no data, not 0 %


def test_refresh_keeps_one_snapshot_a_month_and_pages_refresh_stale_ones(data):
    first = snapshots.refresh()
    second = snapshots.refresh()
    assert first.pk == second.pk and Snapshot.objects.count() == 1
    Snapshot.objects.update(taken_at=timezone.now() - timedelta(minutes=16))
    assert timezone.now() - snapshots.current().taken_at < timedelta(minutes=1)
    made = snapshots.backfill(3)
    assert len(made) == 3 and Snapshot.objects.count() == 4
    assert snapshots.backfill(3) == []  # already there


def test_median_of_histograms():
    assert measures.median_of({}) is None
    assert measures.median_of({"5": 1}) == 5
    assert measures.median_of({"1": 1, "3": 1}) == 2
    assert measures.median_of({"1": 2, "9": 1}) == 1


def test_this_quarter_against_the_last(data, orgs, settings):
    """Against the month-end snapshot before this quarter began: then x was still active and
    a3's and a4's certificates still valid (6 of 7 covered); now 3 of 6."""
    from hifazat.reports import tables

    today = timezone.localdate()
    months_back = (today.month - 1) % 3 + 1  # back to the last month of the previous quarter
    snapshots.backfill(months_back)
    snapshots.refresh()
    table = tables.quarter_comparison(orgs["dep_a"], snapshots.weights())
    rows = {row[0]: row[1:] for row in table.rows}
    before, now, change = rows["Basic coverage"]
    quarter_end = snapshots.month_end(snapshots.previous_month(tables.quarter_start(today)))
    # a3's certificate expired 35 days ago: still valid then if the quarter ended before that
    expected = (5 + (timezone.now() - quarter_end > timedelta(days=35))) / 7
    assert before == pytest.approx(expected)
    assert now == pytest.approx(3 / 6)
    assert change == pytest.approx(3 / 6 - expected)
    assert list(table.export_rows())[1][3] == round(100 * (3 / 6 - expected), 1)


def test_a_pseudonymous_campaign_counts_where_it_reached_five_or_more(data, orgs):
    from hifazat.phishing.models import EmailTemplate, LandingPage

    p = data["people"]
    template, landing = EmailTemplate.objects.first(), LandingPage.objects.first()
    p4 = dataset._campaign("P4", 1, template, landing, pseudonymous=True)
    for name in ("a1", "a2", "a3", "a4", "t2"):
        dataset._send(p4, p[name], human=name == "a1")
    snapshots.refresh()
    view = snapshots.read()
    dep = view.figures(orgs["dep_a"])
    assert dep.last_campaign_id == p4.pk and dep.last_click_rate == pytest.approx(1 / 5)
    # in division A as a whole too; P2 (three people in the division) stays out
    div = view.figures(orgs["div_a"])
    assert div.last_campaign_id == p4.pk
    assert div.year_click_rate == pytest.approx((2 + 1 + 1) / (5 + 1 + 5))


def test_needs_action_leaves_out_what_is_already_done(data, orgs):
    """A renewed certificate is not "expiring"; an overdue assignment of someone who already
    holds a valid certificate of the course is not chased."""
    from hifazat.learning.models import Enrolment
    from hifazat.reports import tables

    p, basic = data["people"], data["basic"]
    for person in (p["t1"], p["t2"]):  # t1 holds a valid basic certificate, t2 none
        Enrolment.objects.create(
            person=person,
            course=basic,
            version=basic.current_version,
            source="assigned",
            due_date=timezone.localdate() - timedelta(days=3),
        )
    snapshots.refresh()
    f = snapshots.read().figures(orgs["dep_a"])
    assert f.overdue_enrolments == 1
    assert [r[1] for r in tables.overdue_training(orgs["dep_a"]).rows] == ["Tahira Two"]
    assert f.certs_expiring == 2  # a2's basic, t1's advanced
    dataset._cert(p["a2"], basic, 0, 365)  # a2 renews
    snapshots.refresh()
    f = snapshots.read().figures(orgs["dep_a"])
    assert f.certs_expiring == 1 and f.certs_valid == 5
    assert [r[1] for r in tables.expiring_certificates(orgs["dep_a"]).rows] == ["Tariq One"]
