from django.urls import path

from hifazat.phishing import results_views, tracking, views

app_name = "phishing"
urlpatterns = [
    # the operator's pages
    path("phishing/", views.home, name="home"),
    path("phishing/campaigns/new/", views.campaign_edit, name="campaign_new"),
    path("phishing/campaigns/<int:pk>/", views.campaign_detail, name="campaign"),
    path("phishing/campaigns/<int:pk>/edit/", views.campaign_edit, name="campaign_edit"),
    path("phishing/campaigns/<int:pk>/status.json", views.campaign_status, name="status"),
    path("phishing/results/", results_views.overview, name="results"),
    path(
        "phishing/results/repeat-offenders/",
        results_views.repeat_offenders,
        name="repeat_offenders",
    ),
    path("phishing/reported/", results_views.reported, name="reported"),
    path(
        "phishing/campaigns/<int:pk>/results/",
        results_views.campaign_results,
        name="campaign_results",
    ),
    path(
        "phishing/campaigns/<int:pk>/recipients/",
        results_views.recipients,
        name="recipients",
    ),
    path(
        "phishing/campaigns/<int:pk>/results/<str:table>.<str:fmt>",
        results_views.export,
        name="export",
    ),
    path("phishing/campaigns/<int:pk>/<str:action>/", views.campaign_action, name="action"),
    path("phishing/templates/", views.templates, name="templates"),
    path("phishing/templates/new/", views.template_edit, name="template_new"),
    path("phishing/templates/<int:pk>/", views.template_edit, name="template"),
    path("phishing/templates/<int:pk>/preview.html", views.template_preview, name="preview"),
    path("phishing/templates/<int:pk>/sign-off/", views.template_sign_off, name="sign_off"),
    path("phishing/remedial/", views.remedial_rules, name="remedial"),
    path("phishing/remedial/new/", views.remedial_rule_edit, name="remedial_new"),
    path("phishing/remedial/<int:pk>/", views.remedial_rule_edit, name="remedial_rule"),
    path("phishing/pages/", views.pages, name="pages"),
    path("phishing/pages/new/", views.page_edit, name="page_new"),
    path("phishing/pages/<int:pk>/", views.page_edit, name="page"),
    path("phishing/variants/<int:pk>/preview/", views.variant_preview, name="variant_preview"),
    path("phishing/profiles/", views.profiles, name="profiles"),
    path("phishing/profiles/new/", views.profile_edit, name="profile_new"),
    path("phishing/profiles/<int:pk>/", views.profile_edit, name="profile"),
    # what a simulated e-mail leads to (public; the token is the only key)
    path("t/<str:token>/", tracking.landing, name="landing"),
    path("t/<str:token>/o.gif", tracking.pixel, name="pixel"),
    path("t/<str:token>/b", tracking.beacon, name="beacon"),
    path("t/<str:token>/s", tracking.submit, name="submit"),
    path("t/<str:token>/r", tracking.report, name="report"),
    path("t-static/o.gif", tracking.static_pixel, name="static_pixel"),
]
