from django.urls import path

from hifazat.advisories import views

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
]
