from django.urls import path

from hifazat.orgs import views

app_name = "orgs"
urlpatterns = [
    path("organisations/", views.organisation_list, name="organisations"),
    path("organisations/<str:code>/", views.organisation_detail, name="organisation"),
    path("people/", views.people_list, name="people"),
    path("people/<int:pk>/", views.person_detail, name="person"),
    path("people/<int:pk>/deactivate/", views.person_deactivate, name="person_deactivate"),
    path("people/<int:pk>/reactivate/", views.person_reactivate, name="person_reactivate"),
    path("people/<int:pk>/roles/", views.role_grant, name="role_grant"),
    path(
        "people/<int:pk>/roles/<int:assignment_id>/revoke/", views.role_revoke, name="role_revoke"
    ),
]
