"""Where a sale, movement or event came from. Every order, payment, movement and event has one."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    WEB = "web", _("Web storefront")
    POS = "pos", _("Point of sale")
    #: The in-store TouchWall kiosk.
    KIOSK = "kiosk", _("Kiosk")
    #: Orders taken in from a marketplace or social-commerce integration.
    MARKETPLACE = "marketplace", _("Marketplace")
    EMAIL = "email", _("Email")
    #: A client of the HTTP API with a token of its own (an app, a script).
    API = "api", _("API")
    BACKOFFICE = "backoffice", _("Back office")
    SYSTEM = "system", _("System")
