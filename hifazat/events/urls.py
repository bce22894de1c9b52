from django.urls import path

from hifazat.events import views

app_name = "events"
urlpatterns = [
    path("events/", views.home, name="home"),
    path("events/new/", views.edit, name="new"),
    path("events/partners/", views.partners, name="partners"),
    path("events/venues/", views.venues, name="venues"),
    path("events/<int:pk>/", views.detail, name="detail"),
    path("events/<int:pk>/edit/", views.edit, name="edit"),
    path("events/<int:pk>/publish/", views.publish, name="publish"),
    path("events/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("events/<int:pk>/copy/", views.copy, name="copy"),
    path("events/<int:pk>/complete/", views.complete, name="complete"),
    path("events/<int:pk>/nominate/", views.nominate, name="nominate"),
    path("events/<int:pk>/decide/", views.decide, name="decide"),
    path("events/<int:pk>/head-approve/", views.head_approve, name="head_approve"),
    path("events/nominations/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("events/<int:pk>/days/<int:day>/attendance/", views.attendance, name="attendance"),
    path("events/<int:pk>/days/<int:day>/check-in/", views.checkin_screen, name="checkin_screen"),
    path("events/<int:pk>/days/<int:day>/check-in/qr.svg", views.checkin_qr, name="checkin_qr"),
    path("events/check-in/<int:day>/<str:code>/", views.checkin_self, name="checkin"),
    path("events/<int:pk>/feedback/", views.feedback, name="feedback"),
    path("events/<int:pk>/feedback/results/", views.feedback_results, name="feedback_results"),
    path("events/<int:pk>/export/<str:what>.<str:fmt>", views.export, name="export"),
]
