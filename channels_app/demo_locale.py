"""The demo shop's shipping and French catalogue: zones and methods, variant weights, and
French product names. Idempotent, like the rest of the demo loader."""

from decimal import Decimal

from shop.catalog.models import Category, Product, Variant
from shop.shipping.models import ShippingMethod, ShippingZone, WeightBand

#: Shipping weight (grams, packed) of a variant, by its SKU stem's category prefix.
WEIGHTS = {"TEE": 250, "KNT": 600, "TRS": 700, "SHO": 1400, "BAG": 900, "ACC": 200}

FRENCH_NAMES = {
    "TEE-ORG": "T-shirt col rond en coton bio",
    "TEE-POC": "T-shirt à poche",
    "TEE-BRT": "Marinière",
    "TEE-HNL": "Henley en coton flammé",
    "TEE-LSV": "T-shirt épais à manches longues",
    "TEE-VNK": "T-shirt col V en lin",
    "TEE-POL": "Polo en piqué",
    "KNT-MER": "Pull col rond en mérinos",
    "KNT-CSH": "Col roulé en cachemire",
    "KNT-FSH": "Pull côtelé de pêcheur",
    "KNT-CRD": "Cardigan en laine d’agneau",
    "KNT-ZIP": "Pull camionneur en coton",
    "KNT-VST": "Pull sans manches",
    "KNT-CBL": "Pull torsadé",
    "TRS-CHN": "Chino slim",
    "TRS-DNM": "Jean droit selvedge",
    "TRS-PLT": "Pantalon à pinces en laine",
    "TRS-CRG": "Pantalon cargo en ripstop",
    "TRS-LIN": "Pantalon en lin à cordon",
    "TRS-CRD": "Pantalon cinq poches en velours",
    "TRS-WRK": "Pantalon de travail en toile",
    "SHO-SNK": "Baskets en cuir",
    "SHO-DRB": "Derbies",
    "SHO-CHL": "Bottines Chelsea",
    "SHO-CNV": "Baskets basses en toile",
    "SHO-LOF": "Mocassins en daim",
    "SHO-RUN": "Running rétro",
    "SHO-SND": "Sandales en cuir",
    "BAG-TOT": "Cabas en toile épaisse",
    "BAG-BPK": "Sac à dos à rabat roulé",
    "BAG-WKD": "Sac week-end en cuir",
    "BAG-XBD": "Pochette bandoulière",
    "BAG-BRF": "Porte-documents fin",
    "BAG-MKT": "Filet à provisions",
    "BAG-DUF": "Sac de sport en nylon",
    "ACC-BNE": "Bonnet côtelé en mérinos",
    "ACC-SCF": "Écharpe en laine d’agneau",
    "ACC-BLT": "Ceinture en cuir",
    "ACC-SCK": "Chaussettes en laine mélangée, lot de 3",
    "ACC-CAP": "Casquette six pans en coton",
    "ACC-GLV": "Gants en cuir",
    "ACC-WLT": "Porte-cartes",
    "ACC-SNG": "Lunettes de soleil en acétate",
    "ACC-UMB": "Parapluie compact",
}

CATEGORY_NAMES_FR = {
    "t-shirts": "T-shirts",
    "knitwear": "Maille",
    "trousers": "Pantalons",
    "shoes": "Chaussures",
    "bags": "Sacs",
    "accessories": "Accessoires",
}

ZONES = {
    "France": "FR, MC",
    "Europe": "BE, LU, NL, DE, AT, ES, PT, IT, IE, DK, SE, FI, PL, CZ",
}
#: French names of the methods below.
METHOD_NAMES_FR = {
    "fr-chronopost": "Chronopost express",
    "fr-relay": "Point relais, au poids",
    "collect": "Retrait en magasin",
    "eu-standard": "Europe standard",
}
#: (zone, code, name, kind, price, free above the threshold, days, weight bands)
METHODS = (
    ("France", "fr-colissimo", "Colissimo", "flat", "4.90", True, (2, 4), ()),
    ("France", "fr-chronopost", "Chronopost express", "flat", "12.90", False, (1, 2), ()),
    (
        "France",
        "fr-relay",
        "Relay point, by weight",
        "weight",
        "0.00",
        True,
        (3, 5),
        ((1000, "3.90"), (3000, "5.90"), (10000, "8.90")),
    ),
    ("France", "collect", "Collect in store", "collect", "0.00", True, (0, 0), ()),
    ("Europe", "eu-standard", "Europe standard", "flat", "9.90", True, (3, 6), ()),
)


def ensure_shipping(report) -> None:
    zones = {}
    for name, countries in ZONES.items():
        zones[name], created = ShippingZone.objects.get_or_create(
            name=name, defaults={"countries": countries}
        )
        if created:
            report.add("shipping zones")
    for position, (zone, code, name, kind, price, free, days, bands) in enumerate(METHODS):
        method, created = ShippingMethod.objects.get_or_create(
            code=code,
            defaults={
                "zone": zones[zone],
                "name": name,
                "name_en": name,
                "name_fr": METHOD_NAMES_FR.get(code, name),
                "kind": kind,
                "price": Decimal(price),
                "free_above_threshold": free,
                "min_days": days[0],
                "max_days": days[1],
                "position": position,
            },
        )
        if created:
            report.add("shipping methods")
        for grams, band_price in bands if created else ():
            WeightBand.objects.create(method=method, up_to_grams=grams, price=Decimal(band_price))


def ensure_weights_and_french_names(report) -> None:
    for slug, name in CATEGORY_NAMES_FR.items():
        Category.objects.filter(slug=slug, name_fr__isnull=True).update(name_fr=name)
    for stem, grams in WEIGHTS.items():
        Variant.objects.filter(sku__startswith=f"{stem}-", weight_grams=0).update(
            weight_grams=grams
        )
    products = Product.objects.filter(variants__sku__regex=r"^[A-Z]{3}-[A-Z]{3}-").distinct()
    for product in products.prefetch_related("variants"):
        stem = "-".join(product.variants.all()[0].sku.split("-")[:2])
        if not product.name_fr and stem in FRENCH_NAMES:
            Product.objects.filter(pk=product.pk).update(name_fr=FRENCH_NAMES[stem])
            report.add("French product names")
