"""The carriers parcels leave with, and where a customer follows a tracking number."""

from urllib.parse import quote

from django.db import models
from django.utils.translation import gettext_lazy as _


class Carrier(models.TextChoices):
    COLISSIMO = "colissimo", "Colissimo"
    CHRONOPOST = "chronopost", "Chronopost"
    DHL = "dhl", "DHL Express"
    UPS = "ups", "UPS"
    DPD = "dpd", "DPD"
    STORE_COURIER = "store_courier", _("Store courier")


TRACKING_URLS = {
    Carrier.COLISSIMO: "https://www.laposte.fr/outils/suivre-vos-envois?code={number}",
    Carrier.CHRONOPOST: "https://www.chronopost.fr/tracking-no-cms/suivi-page?listeNumerosLT={number}",
    Carrier.DHL: "https://www.dhl.com/fr-en/home/tracking.html?tracking-id={number}",
    Carrier.UPS: "https://www.ups.com/track?tracknum={number}",
    Carrier.DPD: "https://www.dpd.com/tracking?parcelNumber={number}",
}


def tracking_url(carrier: str, number: str) -> str:
    """The carrier's public tracking page for `number`; empty for a carrier without one."""
    template = TRACKING_URLS.get(carrier)
    return template.format(number=quote(number, safe="")) if template and number else ""
