from django.urls import path

from hifazat.advisories import views
from hifazat.advisories.exchange import views as exchange

app_name = "advisories"
urlpatterns = [
    path("advisories/", views.home, name="home"),
    path("advisories/new/", views.edit, name="new"),
    path("advisories/<int:pk>/", views.detail, name="detail"),
    path("advisories/<int:pk>/edit/", views.edit, name="edit"),
    path("advisories/<int:pk>/workflow/<str:action>/", views.workflow, name="workflow"),
    path("advisories/<int:pk>/revisions/<int:number>/", views.revision, name="revision"),
    path("advisories/<int:pk>/attachments/", views.attachment_add, name="attachment_add"),
    path(
        "advisories/<int:pk>/attachments/<int:attachment_id>/", views.attachment, name="attachment"
    ),
    path("advisories/<int:pk>/compliance/", views.compliance, name="compliance"),
    path("advisories/responses/<int:pk>/", views.response, name="response"),
    path("advisories/evidence/<int:pk>/", views.evidence, name="evidence"),
    path("advisories/organisations/<str:code>/", views.organisation, name="organisation"),
    path("advisories/import/", exchange.import_view, name="import"),
    path("advisories/sharing-groups/", views.sharing_groups, name="sharing_groups"),
    path("advisories/sharing-groups/<int:pk>/", views.sharing_groups, name="sharing_group"),
    path("advisories/keys/", exchange.keys, name="keys"),
    path("advisories/keys/<str:code>.asc", exchange.key, name="key"),
    path("advisories/feed.atom", exchange.public_feed, name="feed"),
    path("advisories/feed/token/", exchange.feed_token, name="feed_token"),
    path("advisories/feed/<str:token>.atom", exchange.green_feed, name="green_feed"),
    path("advisories/<int:pk>/csaf.json", exchange.csaf, name="csaf"),
    path(
        "advisories/<int:pk>/csaf.json.sha512",
        exchange.csaf,
        {"suffix": ".sha512"},
        name="csaf_sha512",
    ),
    path("advisories/<int:pk>/csaf.json.asc", exchange.csaf, {"suffix": ".asc"}, name="csaf_asc"),
    path("advisories/<int:pk>/csaf/<str:filename>", exchange.csaf_file, name="csaf_file"),
    path("advisories/<int:pk>/stix.json", exchange.stix, name="stix"),
    path("advisories/<int:pk>/letter.pdf", exchange.letter, name="letter"),
]
