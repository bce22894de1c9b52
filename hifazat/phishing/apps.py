from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PhishingConfig(AppConfig):
    name = "hifazat.phishing"
    verbose_name = _("Phishing simulation")
