"""`manage.py load_demo`: a small, believable demo shop for development.

Idempotent: every row is found by its natural key (location code, category and product slug,
SKU, username, email) and only what is missing is created, so running it again changes nothing.
Stock enters through `inventory.services.stock_receive`, so the ledger explains every unit.
"""

import hashlib
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count
from django.utils.text import slugify

from channels_app.demo_geo import ensure_demo_geo
from channels_app.demo_images import demo_image
from channels_app.demo_locale import ensure_shipping, ensure_weights_and_french_names
from channels_app.management.demo_marketing import ensure_marketing
from inventory.models import Location, Stock
from inventory.services import StockLine, stock_receive
from shop.catalog.images import product_image_add
from shop.catalog.models import Category, Product, ProductImage, Variant
from shop.catalog.services import VariantData, product_create
from shop.customers.services import customer_get_or_create
from shop.staff.models import StaffProfile
from shop.staff.services import staff_create

STOCK_REFERENCE = "demo data"
DEMO_BRAND = "Omnistore Atelier"
#: Pictures per demo product at most (one per colour).
DEMO_IMAGES = 2
SEED = 42

MANAGER = ("manager", "omnistore-manager")
CLERK_PASSWORD = "omnistore-clerk"
SHOPPER = {
    "username": "shopper",
    "email": "shopper@example.com",
    "password": "omnistore-shopper",
    "name": "Camille Martin",
    "phone": "+33 6 12 34 56 78",
}


class LocationSpec(NamedTuple):
    code: str
    name: str
    kind: str
    click_and_collect: bool
    ships_online: bool
    address: str


LOCATIONS = (
    LocationSpec(
        "warehouse",
        "Omnistore Distribution Centre",
        Location.Kind.WAREHOUSE,
        False,
        True,
        "ZA des Portes du Loiret, 180 rue de la Logistique, 45770 Saran",
    ),
    LocationSpec(
        "paris",
        "Omnistore Paris Marais",
        Location.Kind.STORE,
        True,
        False,
        "24 rue des Francs-Bourgeois, 75003 Paris",
    ),
    LocationSpec(
        "lyon",
        "Omnistore Lyon Presqu'île",
        Location.Kind.STORE,
        True,
        True,
        "58 rue de la République, 69002 Lyon",
    ),
    LocationSpec(
        "lille",
        "Omnistore Lille Vieux-Lille",
        Location.Kind.STORE,
        False,
        False,
        "9 rue de la Grande Chaussée, 59800 Lille",
    ),
)

#: slug → name
CATEGORIES = {
    "t-shirts": "T-shirts",
    "knitwear": "Knitwear",
    "trousers": "Trousers",
    "shoes": "Shoes",
    "bags": "Bags",
    "accessories": "Accessories",
}

COLOURS = {
    "BGE": "Beige",
    "BLK": "Black",
    "BLU": "Blue",
    "BRG": "Burgundy",
    "BRN": "Brown",
    "CHR": "Charcoal",
    "CML": "Camel",
    "ECR": "Ecru",
    "GRN": "Green",
    "GRY": "Grey",
    "IND": "Indigo",
    "MUS": "Mustard",
    "NVY": "Navy",
    "OLV": "Olive",
    "RED": "Red",
    "SND": "Sand",
    "TAN": "Tan",
    "WHT": "White",
}

#: How a numeric size reads in each category (letter sizes read as they are).
NUMERIC_SIZE_LABELS = {"trousers": "W{}", "shoes": "EU {}", "accessories": "{} cm"}


class ProductSpec(NamedTuple):
    category: str
    #: SKU stem; a variant's SKU is `<code>-<colour>[-<size>]`.
    code: str
    name: str
    price: str
    #: Space-separated `<colour>[-<size>]` codes, 1 to 5 of them.
    variants: str
    description: str


# fmt: off
PRODUCTS = (
    # T-shirts
    ProductSpec("t-shirts", "TEE-ORG", "Organic Cotton Crew T-shirt", "24.90",
                "WHT-S WHT-M WHT-L BLK-M BLK-L",
                "Midweight organic cotton jersey with a ribbed crew neck. Cut straight, "
                "washes softer every time."),
    ProductSpec("t-shirts", "TEE-POC", "Pocket T-shirt", "27.90", "ECR-S ECR-M ECR-L NVY-M",
                "A relaxed tee in slub cotton with a single chest pocket and dropped shoulders."),
    ProductSpec("t-shirts", "TEE-BRT", "Breton Striped T-shirt", "34.90",
                "NVY-S NVY-M NVY-L RED-M",
                "The classic sailor stripe on ecru, knitted in thick combed cotton with a "
                "boat neck."),
    ProductSpec("t-shirts", "TEE-HNL", "Slub Henley", "32.90", "GRY-M GRY-L OLV-M",
                "Three-button placket, short sleeves and a textured slub yarn that looks "
                "lived-in from day one."),
    ProductSpec("t-shirts", "TEE-LSV", "Heavyweight Long-sleeve T-shirt", "29.90",
                "WHT-M BLK-M BLK-L CHR-L",
                "Dense 240 g cotton with rib cuffs; layers under a shirt or stands alone."),
    ProductSpec("t-shirts", "TEE-VNK", "Linen V-neck T-shirt", "36.00", "SND-S SND-M BLU-M",
                "Garment-dyed European linen jersey, light and breathable for hot days."),
    ProductSpec("t-shirts", "TEE-POL", "Piqué Polo Shirt", "45.00",
                "NVY-M NVY-L WHT-M GRN-L BLK-XL",
                "Cotton piqué with a two-button placket, a knitted collar and a split hem."),
    # Knitwear
    ProductSpec("knitwear", "KNT-MER", "Merino Crew Jumper", "79.00",
                "NVY-S NVY-M NVY-L GRY-M BRG-L",
                "Fine-gauge extra-fine merino: warm, light and never itchy. Machine washable "
                "on a wool cycle."),
    ProductSpec("knitwear", "KNT-CSH", "Cashmere Roll-neck", "149.00", "CML-S CML-M BLK-M",
                "Two-ply Mongolian cashmere with a generous folded neck and ribbed hems."),
    ProductSpec("knitwear", "KNT-FSH", "Fisherman Rib Sweater", "89.00", "ECR-M ECR-L NVY-L",
                "Chunky half-cardigan stitch in British wool, made to face the wind on the "
                "harbour wall."),
    ProductSpec("knitwear", "KNT-CRD", "Lambswool Cardigan", "95.00",
                "GRY-S GRY-M OLV-M OLV-L",
                "A five-button cardigan with patch pockets and horn-effect buttons."),
    ProductSpec("knitwear", "KNT-ZIP", "Half-zip Cotton Knit", "69.00", "NVY-M CHR-M CHR-L",
                "Mid-weight cotton with a metal zip and a stand collar, for cool mornings."),
    ProductSpec("knitwear", "KNT-VST", "Knitted Sleeveless Vest", "55.00", "BRN-M MUS-S",
                "A V-neck tank in soft wool blend, to wear over a shirt or a tee."),
    ProductSpec("knitwear", "KNT-CBL", "Cable-knit Jumper", "99.00",
                "ECR-S ECR-M GRN-M GRN-L",
                "Aran-style cables in a heavy wool and alpaca blend with a saddle shoulder."),
    # Trousers
    ProductSpec("trousers", "TRS-CHN", "Slim Chino", "65.00",
                "BGE-30 BGE-32 BGE-34 NVY-32 OLV-32",
                "Stretch cotton twill with a slim, tapered leg and a clean, flat front."),
    ProductSpec("trousers", "TRS-DNM", "Selvedge Straight Jeans", "119.00",
                "IND-30 IND-32 IND-34 BLK-32",
                "14 oz Japanese selvedge denim, raw and unwashed, with a straight leg and "
                "button fly."),
    ProductSpec("trousers", "TRS-PLT", "Pleated Wool Trousers", "139.00",
                "CHR-30 CHR-32 CHR-34",
                "Tropical wool with a single forward pleat, side adjusters and a wide leg."),
    ProductSpec("trousers", "TRS-CRG", "Ripstop Cargo Trousers", "79.00",
                "OLV-30 OLV-32 BLK-32 SND-34",
                "Cotton ripstop with bellows pockets and drawcord hems; tough and easy-going."),
    ProductSpec("trousers", "TRS-LIN", "Drawstring Linen Trousers", "69.00",
                "SND-S SND-M SND-L NVY-M",
                "Washed linen with an elasticated drawstring waist, for summer in the city."),
    ProductSpec("trousers", "TRS-CRD", "Corduroy Five-pocket Trousers", "85.00",
                "BRN-30 BRN-32 CML-32",
                "Eight-wale corduroy cut like a jean, soft from the first wear."),
    ProductSpec("trousers", "TRS-WRK", "Canvas Work Trousers", "89.00",
                "ECR-32 BLK-30 BLK-32 BLK-34",
                "Heavy duck canvas with a double knee and a hammer loop, built to last."),
    # Shoes
    ProductSpec("shoes", "SHO-SNK", "Leather Court Sneakers", "110.00",
                "WHT-40 WHT-41 WHT-42 WHT-43 BLK-42",
                "Full-grain leather uppers on a stitched rubber cupsole, made in Portugal."),
    ProductSpec("shoes", "SHO-DRB", "Derby Shoes", "179.00", "BRN-41 BRN-42 BLK-43",
                "Blake-stitched calf leather derbies with a light commando sole."),
    ProductSpec("shoes", "SHO-CHL", "Chelsea Boots", "199.00", "BRN-40 BRN-42 BRN-44 BLK-42",
                "Suede Chelsea boots with elastic gussets and a resoleable Goodyear welt."),
    ProductSpec("shoes", "SHO-CNV", "Canvas Low-tops", "59.00",
                "ECR-39 ECR-40 NVY-41 NVY-42 BLK-43",
                "Vulcanised canvas plimsolls with a cushioned insole; an everyday classic."),
    ProductSpec("shoes", "SHO-LOF", "Suede Loafers", "159.00", "TAN-41 TAN-42 NVY-42",
                "Unlined suede penny loafers that soften to your foot within a week."),
    ProductSpec("shoes", "SHO-RUN", "Retro Runner", "95.00", "GRY-40 GRY-42 GRN-43",
                "A seventies running silhouette in suede and nylon mesh on a gum sole."),
    ProductSpec("shoes", "SHO-SND", "Leather Sandals", "79.00", "TAN-39 TAN-41 BLK-42",
                "Vegetable-tanned straps on a contoured cork footbed."),
    # Bags
    ProductSpec("bags", "BAG-TOT", "Heavy Canvas Tote", "39.00", "ECR NVY BLK",
                "A roomy 18 oz canvas tote with an inner zip pocket and long handles."),
    ProductSpec("bags", "BAG-BPK", "Roll-top Backpack", "129.00", "BLK OLV",
                "Waterproof coated canvas, a padded laptop sleeve and a 20 to 28 litre "
                "roll-top."),
    ProductSpec("bags", "BAG-WKD", "Leather Weekender", "289.00", "BRN",
                "Full-grain leather holdall with brass hardware and a detachable strap."),
    ProductSpec("bags", "BAG-XBD", "Crossbody Pouch", "69.00", "BLK TAN GRN",
                "A compact zip pouch on an adjustable strap: phone, keys and wallet."),
    ProductSpec("bags", "BAG-BRF", "Slim Briefcase", "219.00", "BLK BRN",
                "Structured leather briefcase that fits a 14-inch laptop and little else."),
    ProductSpec("bags", "BAG-MKT", "Market Net Bag", "19.90", "ECR BLU RED",
                "The French string shopping bag in organic cotton, folds into a pocket."),
    ProductSpec("bags", "BAG-DUF", "Nylon Gym Duffel", "59.00", "NVY BLK",
                "Recycled nylon duffel with a ventilated shoe compartment."),
    # Accessories
    ProductSpec("accessories", "ACC-BNE", "Ribbed Merino Beanie", "29.00", "NVY GRY MUS BRG",
                "A close-fitting beanie in chunky rib merino with a deep turn-up."),
    ProductSpec("accessories", "ACC-SCF", "Lambswool Scarf", "49.00", "CML GRY NVY",
                "Woven in Scotland from soft lambswool, with fringed ends."),
    ProductSpec("accessories", "ACC-BLT", "Leather Belt", "55.00",
                "BRN-85 BRN-90 BRN-95 BLK-90 BLK-95",
                "A 35 mm bridle leather belt with a solid brass buckle."),
    ProductSpec("accessories", "ACC-SCK", "Wool-blend Socks, 3-pack", "22.00",
                "GRY-M GRY-L NVY-M NVY-L",
                "Cushioned merino-blend socks with a reinforced heel and toe."),
    ProductSpec("accessories", "ACC-CAP", "Six-panel Cotton Cap", "32.00", "NVY BGE OLV",
                "Washed cotton twill cap with a curved peak and a brass clasp."),
    ProductSpec("accessories", "ACC-GLV", "Leather Gloves", "65.00",
                "BRN-M BRN-L BLK-M BLK-L",
                "Lambskin gloves lined with cashmere, touchscreen-friendly fingertips."),
    ProductSpec("accessories", "ACC-WLT", "Card Wallet", "45.00", "BLK TAN",
                "Four card slots and a centre pocket in a single piece of leather."),
    ProductSpec("accessories", "ACC-SNG", "Acetate Sunglasses", "119.00", "BLK TAN",
                "Hand-polished acetate frames with category 3 polarised lenses."),
    ProductSpec("accessories", "ACC-UMB", "Compact Umbrella", "35.00", "BLK NVY",
                "A wind-resistant folding umbrella with a fibreglass frame."),
)
# fmt: on


def ean13(body: str) -> str:
    """`body` (12 digits) followed by its EAN-13 check digit."""
    total = sum(int(digit) * (3 if i % 2 else 1) for i, digit in enumerate(body))
    return body + str((10 - total % 10) % 10)


def demo_barcode(sku: str) -> str:
    """A stable EAN-13 in the 200–299 in-store range, derived from the SKU alone."""
    serial = int(hashlib.sha256(sku.encode()).hexdigest(), 16) % 10**9
    return ean13(f"200{serial:09d}")


def demo_gtin(sku: str) -> str:
    """A stable EAN-13 GTIN under a made-up GS1 France company prefix (376...)."""
    serial = int(hashlib.sha256(f"gtin:{sku}".encode()).hexdigest(), 16) % 10**9
    return ean13(f"376{serial:09d}")


def variant_label(category: str, code: str) -> str:
    """`NVY-M` → "Navy / M", `BRN-42` (shoes) → "Brown / EU 42", `BLK` → "Black"."""
    colour, _, size = code.partition("-")
    if not size:
        return COLOURS[colour]
    if size.isdigit():
        size = NUMERIC_SIZE_LABELS[category].format(size)
    return f"{COLOURS[colour]} / {size}"


def catalog_variants(spec: ProductSpec) -> list[VariantData]:
    """The variants of one product spec, with their SKUs, barcodes, labels and price."""
    codes = spec.variants.split()
    if not 1 <= len(codes) <= 5:
        raise CommandError(f"{spec.code} must have 1 to 5 variants, not {len(codes)}.")
    return [
        VariantData(
            sku=f"{spec.code}-{code}",
            barcode=demo_barcode(f"{spec.code}-{code}"),
            name=variant_label(spec.category, code),
            price=Decimal(spec.price),
            gtin=demo_gtin(f"{spec.code}-{code}"),
            brand=DEMO_BRAND,
            mpn=f"{spec.code}-{code}",
        )
        for code in codes
    ]


@dataclass
class Report:
    """What one run found and created."""

    created: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    skipped_products: list[str] = field(default_factory=list)

    def add(self, what: str, count: int = 1) -> None:
        self.created[what] += count


def ensure_locations(report: Report) -> dict[str, Location]:
    """The demo warehouse and stores by code; existing ones are left as they are."""
    locations = {}
    for spec in LOCATIONS:
        location, created = Location.objects.get_or_create(
            code=spec.code,
            defaults={
                "name": spec.name,
                "kind": spec.kind,
                "click_and_collect": spec.click_and_collect,
                "ships_online": spec.ships_online,
                "address": spec.address,
            },
        )
        report.add("locations", created)
        locations[spec.code] = location
    return locations


def ensure_catalog(report: Report) -> dict[str, Variant]:
    """Categories and products (through `product_create`); returns the demo variants by SKU."""
    categories = {}
    for slug, name in CATEGORIES.items():
        categories[slug], created = Category.objects.get_or_create(
            slug=slug, defaults={"name": name}
        )
        report.add("categories", created)

    planned = [(spec, catalog_variants(spec)) for spec in PRODUCTS]
    all_skus = [v["sku"] for _, variants in planned for v in variants]
    all_barcodes = [v["barcode"] for _, variants in planned for v in variants]
    if len(set(all_barcodes)) != len(all_barcodes) or len(set(all_skus)) != len(all_skus):
        raise CommandError("The demo catalog has a duplicate SKU or barcode.")

    taken_slugs = set(Product.objects.values_list("slug", flat=True))
    taken_skus = set(Variant.objects.filter(sku__in=all_skus).values_list("sku", flat=True))
    taken_barcodes = set(
        Variant.objects.filter(barcode__in=all_barcodes).values_list("barcode", flat=True)
    )
    for spec, variants in planned:
        slug = slugify(spec.name)
        if slug in taken_slugs:
            continue  # loaded by an earlier run
        if any(v["sku"] in taken_skus or v["barcode"] in taken_barcodes for v in variants):
            report.skipped_products.append(spec.name)  # another product holds its codes
            continue
        product_create(
            name=spec.name,
            slug=slug,
            category=categories[spec.category],
            description=spec.description,
            variants=variants,
        )
        report.add("products")
        report.add("variants", len(variants))
    return {v.sku: v for v in Variant.objects.filter(sku__in=all_skus)}


def ensure_images(report: Report) -> None:
    """Generated pictures for demo products that have none (one per colour, at most
    DEMO_IMAGES), stored through the default storage with their thumbnails."""
    slugs = {slugify(spec.name): spec for spec in PRODUCTS}
    pictured = set(
        ProductImage.objects.filter(product__slug__in=slugs).values_list("product__slug", flat=True)
    )
    for product in Product.objects.filter(slug__in=slugs.keys() - pictured):
        spec = slugs[product.slug]
        colours = list(dict.fromkeys(code.partition("-")[0] for code in spec.variants.split()))
        for colour in colours[:DEMO_IMAGES]:
            product_image_add(
                product=product,
                content=demo_image(category=spec.category, colour=colour),
                filename=f"{product.slug}-{colour.lower()}.jpg",
                alt=f"{spec.name} in {COLOURS[colour].lower()}",
            )
            report.add("images")


def stock_plan(rng: random.Random) -> list[tuple[str, str, int, int]]:
    """(location code, SKU, units, safety stock) for every demo pair, drawn in a fixed order.

    The warehouse holds most units; each store holds a few, and about a quarter of the
    store pairs hold nothing. Every pair consumes the same draws, so the plan does not
    depend on what the database already holds.
    """
    plan = []
    for spec in PRODUCTS:
        for code in spec.variants.split():
            sku = f"{spec.code}-{code}"
            for location in LOCATIONS:
                is_store = location.kind == Location.Kind.STORE
                units = rng.randint(1, 12) if is_store else rng.randint(20, 120)
                if rng.random() < 0.25 and is_store:
                    units = 0
                safety = rng.choice((1, 2)) if rng.random() < 0.15 else 0
                plan.append((location.code, sku, units, safety))
    return plan


def ensure_stock(
    report: Report, locations: dict[str, Location], variants: dict[str, Variant]
) -> None:
    """Receives the planned units for every pair that has no stock row yet, one receipt per
    location, then sets the planned safety stock on the rows it created."""
    existing = set(
        Stock.objects.filter(
            location__in=list(locations.values()), variant__in=list(variants.values())
        ).values_list("location_id", "variant_id")
    )
    receipts: dict[str, list[StockLine]] = defaultdict(list)
    safety: dict[tuple[str, int], list[int]] = defaultdict(list)
    for code, sku, units, safety_stock in stock_plan(random.Random(SEED)):
        location, variant = locations[code], variants.get(sku)
        if units == 0 or variant is None or (location.pk, variant.pk) in existing:
            continue
        receipts[code].append(StockLine(variant=variant, quantity=units))
        if safety_stock:
            safety[(code, safety_stock)].append(variant.pk)
    for code, lines in receipts.items():
        stock_receive(location=locations[code], lines=lines, reference=STOCK_REFERENCE)
        report.add("stock rows", len(lines))
        report.add("units", sum(line.quantity for line in lines))
    for (code, safety_stock), variant_ids in safety.items():
        Stock.objects.filter(location=locations[code], variant_id__in=variant_ids).update(
            safety_stock=safety_stock
        )


def _username_taken(username: str) -> bool:
    return get_user_model().objects.filter(username__iexact=username).exists()


def ensure_staff(report: Report, locations: dict[str, Location]) -> None:
    """The manager and one clerk per demo store, through `staff_create`."""
    username, password = MANAGER
    if not _username_taken(username):
        staff_create(
            username=username,
            password=password,
            role=StaffProfile.Role.MANAGER,
            email=f"{username}@example.com",
        )
        report.add("staff")
    for spec in LOCATIONS:
        if spec.kind != Location.Kind.STORE:
            continue
        username = f"clerk-{spec.code}"
        if _username_taken(username):
            continue
        staff_create(
            username=username,
            password=CLERK_PASSWORD,
            role=StaffProfile.Role.CLERK,
            store=locations[spec.code],
            email=f"{username}@example.com",
        )
        report.add("staff")


def ensure_shopper(report: Report) -> None:
    """The shopper's login, verified email address and customer record, linked together."""
    User = get_user_model()
    user = User.objects.filter(username__iexact=SHOPPER["username"]).first()
    if user is None:
        user = User.objects.create_user(
            username=SHOPPER["username"], email=SHOPPER["email"], password=SHOPPER["password"]
        )
        report.add("shopper")
    if not EmailAddress.objects.filter(email__iexact=SHOPPER["email"]).exists():
        EmailAddress.objects.create(user=user, email=SHOPPER["email"], verified=True, primary=True)
    customer = customer_get_or_create(
        email=SHOPPER["email"], name=SHOPPER["name"], phone=SHOPPER["phone"]
    )
    if customer.user_id is None and not hasattr(user, "customer"):
        customer.user = user
        customer.save(update_fields=["user"])


@transaction.atomic
def load_demo() -> Report:
    """Creates whatever part of the demo shop is missing, all or nothing."""
    report = Report()
    locations = ensure_locations(report)
    ensure_demo_geo()
    variants = ensure_catalog(report)
    ensure_images(report)
    ensure_stock(report, locations, variants)
    ensure_staff(report, locations)
    ensure_shopper(report)
    ensure_marketing(report, shopper_email=SHOPPER["email"])
    ensure_shipping(report)
    ensure_weights_and_french_names(report)
    return report


class Command(BaseCommand):
    help = "Loads the demo shop (locations, catalog, stock, staff, a shopper). Idempotent."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        report = load_demo()
        elapsed = time.monotonic() - started
        self._summary(report, elapsed)

    def _summary(self, report: Report, elapsed: float) -> None:
        created = report.created
        if any(created.values()):
            parts = ", ".join(f"{what} {count}" for what, count in created.items() if count)
            message = f"Demo shop loaded in {elapsed:.1f}s. New: {parts}."
            self.stdout.write(self.style.SUCCESS(message))
        else:
            self.stdout.write(self.style.SUCCESS("Demo shop already loaded: nothing to do."))
        for name in report.skipped_products:
            warning = f"Skipped {name}: its SKUs or barcodes belong to other products."
            self.stdout.write(self.style.WARNING(warning))
        kinds = dict(Location.objects.values_list("kind").annotate(n=Count("id")).order_by("kind"))
        self.stdout.write(
            f"In the database: products {Product.objects.count()}, "
            f"variants {Variant.objects.count()}, stores {kinds.get(Location.Kind.STORE, 0)}, "
            f"warehouses {kinds.get(Location.Kind.WAREHOUSE, 0)}."
        )
        self.stdout.write("Logins (development only):")
        logins = [(MANAGER[0], MANAGER[1], "admin, API docs")]
        logins += [
            (f"clerk-{spec.code}", CLERK_PASSWORD, f"POS, {spec.name}")
            for spec in LOCATIONS
            if spec.kind == Location.Kind.STORE
        ]
        logins.append((SHOPPER["email"], SHOPPER["password"], "the shop"))
        for username, password, where in logins:
            self.stdout.write(f"  {username:<22} {password:<20} {where}")
