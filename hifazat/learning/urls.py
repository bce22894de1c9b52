from django.urls import path

from hifazat.assessments import views as quiz
from hifazat.learning import views

app_name = "learning"
urlpatterns = [
    path("learning/", views.my_learning, name="home"),
    path("learning/assign/", views.assign, name="assign"),
    path("learning/progress/", views.progress, name="progress"),
    path("learning/courses/<slug:course>/", views.course_page, name="course"),
    path("learning/courses/<slug:course>/enrol/", views.enrol, name="enrol"),
    path("learning/courses/<slug:course>/test/<str:kind>/", quiz.start, name="test_start"),
    path(
        "learning/courses/<slug:course>/<slug:module>/<slug:lesson>/",
        views.lesson_page,
        name="lesson",
    ),
    path("learning/attempts/<int:pk>/", quiz.take, name="attempt"),
    path("learning/attempts/<int:pk>/save/", quiz.save, name="attempt_save"),
    path("learning/attempts/<int:pk>/submit/", quiz.submit, name="attempt_submit"),
    path("learning/attempts/<int:pk>/result/", quiz.result, name="attempt_result"),
    path("learning/certificates/<str:code>.pdf", views.certificate_pdf, name="certificate_pdf"),
    path("learning/certificates/<str:code>/", views.certificate_manage, name="certificate_manage"),
    path("verify/<str:code>/", views.verify, name="verify"),
]
