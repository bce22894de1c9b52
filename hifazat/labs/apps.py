from django.apps import AppConfig


class LabsConfig(AppConfig):
    name = "hifazat.labs"
    verbose_name = "Hands-on labs"
