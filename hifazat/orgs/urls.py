from django.urls import path

from hifazat.orgs import token_views, views
from hifazat.orgs.imports import views as import_views

app_name = "orgs"
urlpatterns = [
    path("account/tokens/", token_views.token_list, name="tokens"),
    path(
        "account/tokens/<int:token_id>/revoke/", token_views.token_revoke_view, name="token_revoke"
    ),
    path("organisations/", views.organisation_list, name="organisations"),
    path("organisations/<str:code>/", views.organisation_detail, name="organisation"),
    path("people/", views.people_list, name="people"),
    path("people/export.<str:fmt>", views.people_export, name="people_export"),
    path("people/import/", import_views.import_start, name="import"),
    path("people/import/template.<str:fmt>", import_views.import_template, name="import_template"),
    path("people/import/<uuid:uuid>/", import_views.import_detail, name="import_detail"),
    path("people/import/<uuid:uuid>/apply/", import_views.import_apply, name="import_apply"),
    path("people/<int:pk>/", views.person_detail, name="person"),
    path("people/<int:pk>/deactivate/", views.person_deactivate, name="person_deactivate"),
    path("people/<int:pk>/reactivate/", views.person_reactivate, name="person_reactivate"),
    path("people/<int:pk>/invite/", views.person_invite, name="person_invite"),
    path("people/import/<uuid:uuid>/invite/", import_views.import_invite, name="import_invite"),
    path("people/<int:pk>/roles/", views.role_grant, name="role_grant"),
    path(
        "people/<int:pk>/roles/<int:assignment_id>/revoke/", views.role_revoke, name="role_revoke"
    ),
]
