from django.urls import path

from hifazat.reports import views

app_name = "reports"
urlpatterns = [
    path("reports/", views.home, name="home"),
    path("reports/national/", views.national, name="national"),
    path("reports/national/report.pdf", views.national_pdf, name="national_pdf"),
    path(
        "reports/national/<slug:table>.<slug:fmt>", views.national_export, name="national_export"
    ),
    path("reports/organisations/<int:pk>/", views.organisation, name="organisation"),
    path(
        "reports/organisations/<int:pk>/report.pdf",
        views.organisation_pdf,
        name="organisation_pdf",
    ),
    path(
        "reports/organisations/<int:pk>/<slug:table>.<slug:fmt>",
        views.organisation_export,
        name="organisation_export",
    ),
    path("reports/weights/", views.weights, name="weights"),
]
