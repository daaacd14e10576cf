"""Where a sale, movement or event came from. Every order, payment, movement and event has one."""

from django.db import models


class Channel(models.TextChoices):
    WEB = "web", "Web storefront"
    POS = "pos", "Point of sale"
    #: The in-store TouchWall kiosk.
    KIOSK = "kiosk", "Kiosk"
    #: Orders taken in from a marketplace or social-commerce integration.
    MARKETPLACE = "marketplace", "Marketplace"
    EMAIL = "email", "Email"
    #: A client of the HTTP API with a token of its own (an app, a script).
    API = "api", "API"
    BACKOFFICE = "backoffice", "Back office"
    SYSTEM = "system", "System"
