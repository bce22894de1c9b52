from django.urls import path

from hifazat.labs import views

app_name = "labs"
urlpatterns = [
    path("labs/", views.home, name="home"),
    path("labs/scoreboard/", views.scoreboard, name="scoreboard"),
    path(
        "labs/scoreboard/organisation/<int:pk>/",
        views.scoreboard,
        {"kind": "organisation"},
        name="org_scoreboard",
    ),
    path(
        "labs/scoreboard/event/<int:pk>/",
        views.scoreboard,
        {"kind": "event"},
        name="event_scoreboard",
    ),
    path("labs/<slug:slug>/", views.lab_page, name="lab"),
    path("labs/<slug:slug>/evidence.zip", views.evidence_zip, name="evidence_zip"),
    path("labs/<slug:slug>/evidence/<str:name>", views.evidence_file, name="evidence"),
    path("labs/<slug:slug>/answer/<str:question>/", views.submit, name="submit"),
    path("labs/<slug:slug>/hint/<str:question>/<int:index>/", views.hint, name="hint"),
    path("labs/<slug:slug>/review/", views.stats, name="stats"),
    path("labs/<slug:slug>/review/<int:person_id>/", views.timeline, name="timeline"),
]
