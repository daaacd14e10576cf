"""Where a sale, movement or event came from. Every order, payment, movement and event has one."""

from django.db import models


class Channel(models.TextChoices):
    WEB = "web", "Web storefront"
    POS = "pos", "Point of sale"
    BACKOFFICE = "backoffice", "Back office"
    SYSTEM = "system", "System"
