"""Bad input is a clear 4xx, never a 500: NUL bytes and unpaired surrogates wherever a query
string, a path, a form field or a JSON string could reach a database lookup; request bodies
that are not JSON objects; unknown API paths and methods; digits that are not ASCII."""

import json
from decimal import Decimal

import pytest
from django.test import Client
from rest_framework.test import APIClient

from carts.services import cart_anonymous_new, cart_line_add
from tests.channels_app.support import assert_error, receive, till_sale
from tests.shop.order_support import collect_order

NUL = "\x00"
#: An unpaired UTF-16 surrogate: JSON can carry it ("\ud800"), UTF-8 and PostgreSQL cannot.
SURROGATE = "\ud800"
ORDER = "{order}"
CART = "{cart}"
SLUG = "{slug}"


@pytest.fixture
def world(store, warehouse, variant, clerk, manager):
    """A stocked store and warehouse, a placed collect order, a saved cart and the people."""
    receive(store, variant, 5)
    receive(warehouse, variant, 5)
    order = collect_order(store, [(variant, 1)])
    cart = cart_anonymous_new()
    cart_line_add(cart=cart, sku=variant.sku, quantity=1, channel="web")
    return {
        "order": order.number,
        "cart": cart.handoff_code,
        "slug": variant.product.slug,
        "clerk": clerk,
        "manager": manager,
    }


def _fill(url: str, world: dict) -> str:
    return url.format(**{k: v for k, v in world.items() if isinstance(v, str)})


def api_as(world: dict, who: str) -> APIClient:
    client = APIClient()
    if who != "anon":
        client.force_authenticate(world[who])
    return client


def page_as(world: dict, who: str) -> Client:
    client = Client()
    if who != "anon":
        client.force_login(world[who])
    return client


def assert_not_a_500(response) -> None:
    assert response.status_code < 500, response.content


# --- query strings and paths of the API -----------------------------------------------------

API_QUERIES = [
    ("anon", "/api/products/?q=%00"),
    ("anon", "/api/products/?q=tee%00shirt"),
    ("anon", "/api/products/?category=%00"),
    ("anon", "/api/availability/?sku=%00"),
    ("anon", "/api/availability/?sku=TEE-M&sku=TEE%00M"),
    ("anon", "/api/variants/%00/"),
    ("anon", "/api/variants/TEE-M%00/"),
    ("anon", "/api/locations/?%00=1"),
    ("anon", "/api/cart/?q=%00"),
    ("manager", "/api/inventory/movements/?sku=%00"),
    ("manager", "/api/inventory/movements/?location=%00"),
    ("manager", "/api/orders/%00/"),
    ("manager", f"/api/orders/{ORDER}%00/"),
    ("clerk", "/api/pos/customers/?q=%00"),
    ("clerk", "/api/pos/customers/?q=ann%00smith"),
    ("clerk", "/api/pos/carts/%00/"),
    ("clerk", f"/api/pos/carts/{CART}%00/"),
    ("manager", f"/api/pos/carts/{CART}/?store=%00"),
    ("clerk", "/api/stores/st1/pickups/?status=%00"),
]


@pytest.mark.parametrize(("who", "url"), API_QUERIES)
def test_a_nul_in_an_api_query_or_path_is_400(world, who, url):
    response = api_as(world, who).get(_fill(url, world))

    error = assert_error(response, 400, "invalid_characters")
    assert error["details"]


@pytest.mark.parametrize(
    ("method", "who", "url"),
    [
        ("post", "clerk", f"/api/pickups/{ORDER}%00/ready/"),
        ("post", "clerk", "/api/pickups/%00/collected/"),
        ("delete", "anon", "/api/cart/lines/1/?x=%00"),
    ],
)
def test_a_nul_in_the_path_of_a_state_change_is_400(world, method, who, url):
    response = getattr(api_as(world, who), method)(_fill(url, world))

    assert_error(response, 400, "invalid_characters")


def test_the_query_is_answered_once_the_nul_is_gone(world):
    """The guard refuses only the bad character, not the lookups themselves."""
    response = api_as(world, "clerk").get("/api/pos/customers/", {"q": "ann@"})

    assert response.status_code == 200, response.content


def test_a_non_ascii_page_number_is_a_404_in_the_error_body(world):
    response = api_as(world, "anon").get("/api/products/", {"page": "²"})

    assert_error(response, 404, "not_found")


# --- JSON bodies ------------------------------------------------------------------------------

CARD = {"method": "card", "terminal_reference": "TERM-1"}
COLLECT = {"email": "ann@example.com", "fulfilment": "collect", "store": "st1"}
PAY_AT_PICKUP = {"method": "pay_at_pickup"}
ADDRESS = {"name": "Ann", "line1": "1 Rue", "postcode": "75002", "city": "Paris", "country": "FR"}

#: Every POST and PATCH endpoint of the API that reads a body: (method, who, url).
BODY_ENDPOINTS = {
    "token": ("post", "anon", "/api/auth/token/"),
    "locations": ("post", "manager", "/api/locations/"),
    "products": ("post", "manager", "/api/products/"),
    "receipts": ("post", "manager", "/api/inventory/receipts/"),
    "adjustments": ("post", "manager", "/api/inventory/adjustments/"),
    "transfers": ("post", "manager", "/api/inventory/transfers/"),
    "cart_lines": ("post", "anon", "/api/cart/lines/"),
    "cart_line": ("patch", "anon", "/api/cart/lines/1/"),
    "cart_codes": ("post", "anon", "/api/cart/promotion-codes/"),
    "checkout": ("post", "anon", "/api/checkout/"),
    "pos_sales": ("post", "clerk", "/api/pos/sales/"),
    "returns": ("post", "clerk", "/api/returns/"),
    "collected": ("post", "clerk", f"/api/pickups/{ORDER}/collected/"),
    "staff": ("post", "manager", "/api/staff/"),
}

#: For each endpoint, bodies with a NUL (or a surrogate) in a string that reaches a lookup.
BAD_STRINGS = [
    ("token", {"username": f"manager{NUL}", "password": "x"}),
    ("locations", {"code": f"st{NUL}9", "name": "Nine", "kind": "store"}),
    (
        "products",
        {"name": "P", "category": "clothes", "variants": [{"sku": f"P{NUL}1", "price": "1.00"}]},
    ),
    ("products", {"name": "P", "category": NUL, "variants": [{"sku": "P-1", "price": "1.00"}]}),
    ("receipts", {"location": "st1", "lines": [{"sku": f"TEE{NUL}M", "quantity": 1}]}),
    ("receipts", {"location": NUL, "lines": [{"sku": "TEE-M", "quantity": 1}]}),
    ("adjustments", {"location": "st1", "sku": NUL, "quantity": 1, "reason": "count"}),
    ("transfers", {"from": "wh", "to": "st1", "lines": [{"sku": NUL, "quantity": 1}]}),
    ("transfers", {"from": NUL, "to": "st1", "lines": [{"sku": "TEE-M", "quantity": 1}]}),
    ("transfers", {"from": "wh", "to": "st1", "lines": [{"sku": SURROGATE, "quantity": 1}]}),
    ("cart_lines", {"sku": f"TEE-M{NUL}", "quantity": 1}),
    ("cart_lines", {"sku": SURROGATE, "quantity": 1}),
    ("cart_lines", {f"sku{NUL}": "TEE-M", "sku": "TEE-M", "quantity": 1}),
    ("cart_line", {"quantity": NUL}),
    ("cart_codes", {"code": NUL}),
    ("checkout", {**COLLECT, "store": f"st1{NUL}", "payment": PAY_AT_PICKUP}),
    ("checkout", {**COLLECT, "email": f"ann{NUL}@example.com", "payment": PAY_AT_PICKUP}),
    (
        "checkout",
        {
            "email": "ann@example.com",
            "fulfilment": "delivery",
            "shipping_address": {**ADDRESS, f"note{NUL}": "x"},
            "payment": {"method": "card", "card_token": "tok_visa"},
        },
    ),
    (
        "checkout",
        {
            "email": "ann@example.com",
            "fulfilment": "delivery",
            "shipping_address": {**ADDRESS, SURROGATE: "x"},
            "payment": {"method": "card", "card_token": "tok_visa"},
        },
    ),
    ("pos_sales", {"lines": [{"sku": NUL, "quantity": 1}], "payment": CARD}),
    ("pos_sales", {"cart": f"{NUL}ABCDE", "payment": CARD}),
    ("pos_sales", {"cart": CART, "store": NUL, "payment": CARD}),
    (
        "pos_sales",
        {
            "lines": [{"sku": "TEE-M", "quantity": 1}],
            "promotion_codes": [NUL],
            "payment": CARD,
        },
    ),
    (
        "returns",
        {"order": NUL, "store": "st1", "lines": [{"sku": "TEE-M", "quantity": 1}], "restock": True},
    ),
    (
        "returns",
        {"order": ORDER, "store": "st1", "lines": [{"sku": NUL, "quantity": 1}], "restock": True},
    ),
    ("collected", {"payment": {"method": "card", "terminal_reference": f"T{NUL}"}}),
    ("staff", {"username": "newclerk", "password": "pw-12345678", "role": "clerk", "store": NUL}),
]


def _send(world: dict, endpoint: str, body, **headers):
    method, who, url = BODY_ENDPOINTS[endpoint]
    client = api_as(world, who)
    payload = json.dumps(body).replace('"{order}"', json.dumps(world["order"]))
    payload = payload.replace('"{cart}"', json.dumps(world["cart"]))
    return getattr(client, method)(
        _fill(url, world), payload, content_type="application/json", headers=headers
    )


@pytest.mark.parametrize(
    ("endpoint", "body"), BAD_STRINGS, ids=[f"{e}-{i}" for i, (e, _) in enumerate(BAD_STRINGS)]
)
def test_a_nul_or_surrogate_in_a_json_string_is_400(world, endpoint, body):
    response = _send(world, endpoint, body, **{"Idempotency-Key": "bad-input-1"})

    error = assert_error(response, 400, "invalid_characters")
    assert error["details"]


NOT_OBJECTS = [[], [{"sku": "TEE-M", "quantity": 1}], ["from", "to"], "from", 12, 1.5, True, None]


@pytest.mark.parametrize("endpoint", sorted(BODY_ENDPOINTS))
@pytest.mark.parametrize("body", NOT_OBJECTS, ids=repr)
def test_a_body_that_is_not_a_json_object_is_400(world, endpoint, body):
    response = _send(world, endpoint, body, **{"Idempotency-Key": "bad-input-2"})

    assert_error(response, 400, "invalid_body")


def test_the_transfer_list_body_moves_nothing(world, store, warehouse, variant):
    from inventory.models import StockMovement

    before = StockMovement.objects.count()
    body = [{"from": "wh", "to": "st1", "lines": [{"sku": variant.sku, "quantity": 1}]}]

    assert_error(_send(world, "transfers", body), 400, "invalid_body")
    assert StockMovement.objects.count() == before


def test_malformed_json_is_a_parse_error_in_the_error_body(world):
    client = api_as(world, "anon")

    response = client.post("/api/cart/lines/", "{", content_type="application/json")

    assert_error(response, 400, "parse_error")


def test_an_empty_body_is_still_allowed_where_the_body_is_optional(world, store):
    """The desk takes cash by default: `collected` accepts no body at all."""
    from shop.payments.drawer import drawer_open

    drawer_open(store=store, user=world["clerk"], opening_float=Decimal("50.00"))
    url = f"/api/pickups/{world['order']}/collected/"

    response = api_as(world, "clerk").post(url)

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "collected"


# --- pages: query strings, paths and form fields ----------------------------------------------

PAGE_REQUESTS = [
    ("anon", "get", "/search/?q=%00", None),
    ("anon", "get", "/?page=%00", None),
    ("anon", "get", f"/p/{SLUG}/?sku=%00", None),
    ("anon", "get", "/orders/%00/", None),
    ("anon", "get", "/checkout/pending/%00/", None),
    ("anon", "post", "/cart/add/", {"sku": NUL, "quantity": "1"}),
    ("anon", "post", "/cart/codes/", {"code": NUL}),
    ("anon", "post", "/checkout/", {"email": "a@example.com", "store": NUL}),
    ("clerk", "get", "/pos/?q=%00", None),
    ("clerk", "get", "/pos/?customer_q=%00", None),
    ("clerk", "get", "/pos/?store=%00", None),
    ("clerk", "get", "/pos/returns/?order=%00", None),
    ("clerk", "get", "/pos/returns/?q=%00", None),
    ("clerk", "get", "/pos/returns/?customer=%00", None),
    ("clerk", "get", "/pos/pickups/?find=%00", None),
    ("clerk", "get", "/pos/drawer/?closed=%00", None),
    ("clerk", "get", "/pos/endless-aisle/?sku=%00", None),
    ("clerk", "get", "/pos/receipts/%00/", None),
    ("clerk", "get", f"/pos/pickups/{ORDER}%00/", None),
    ("clerk", "get", "/pos/returns/%00/", None),
    ("clerk", "post", "/pos/sale/scan/", {"code": NUL}),
    ("clerk", "post", "/pos/sale/scan/", {"code": f"{CART}{NUL}"}),
    ("clerk", "post", "/pos/sale/lines/", {"sku": f"TEE-M{NUL}"}),
    ("clerk", "post", "/pos/sale/cart/", {"code": NUL}),
    ("clerk", "post", "/pos/sale/lines/TEE%00M/", {"quantity": "2"}),
    ("clerk", "post", "/pos/sale/customer/", {"customer": NUL}),
    ("clerk", "post", "/pos/sale/codes/", {"code": NUL}),
    ("clerk", "post", "/pos/sale/scan/", {"code": "TEE-M", "store": NUL}),
    ("manager", "post", "/pos/store/", {"store": NUL}),
    ("manager", "get", "/admin/catalog/product/?q=%00", None),
    ("manager", "get", "/admin/orders/order/?q=%00", None),
]


@pytest.mark.parametrize(("who", "method", "url", "data"), PAGE_REQUESTS)
def test_a_nul_sent_to_a_page_is_400(world, who, method, url, data):
    client = page_as(world, who)
    if data is not None:
        data = {k: _fill(v, world) for k, v in data.items()}

    response = getattr(client, method)(_fill(url, world), data)

    assert response.status_code == 400, response.content
    assert b"not allowed" in response.content


def test_the_pos_scan_works_once_the_nul_is_gone(world, store):
    client = page_as(world, "clerk")

    response = client.post("/pos/sale/scan/", {"code": "TEE-M"})

    assert response.status_code == 302
    assert till_sale(client, store)["lines"] == {"TEE-M": 1}


@pytest.mark.parametrize("customer", ["²", "١٢", "①", "1²", "-1", "1.0"])
def test_a_returns_customer_that_is_not_ascii_digits_is_404(world, customer):
    response = page_as(world, "clerk").get("/pos/returns/", {"customer": customer})

    assert response.status_code == 404


def test_a_returns_customer_in_ascii_digits_lists_their_orders(world):
    from shop.orders.models import Order

    order = Order.objects.get(number=world["order"])

    response = page_as(world, "clerk").get("/pos/returns/", {"customer": order.customer_id})

    assert response.status_code == 200
    assert [o.number for o in response.context["orders"]] == [order.number]


# --- unknown API paths and methods -----------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete", "options", "BREW"])
@pytest.mark.parametrize(
    "url", ["/api/nope/", "/api/cart", "/api/products/a/b/c/", "/api/v2/cart/", "/api/"]
)
def test_an_unknown_api_path_is_a_json_404(world, method, url):
    client = api_as(world, "anon")

    response = client.generic(method.upper(), url)

    error = assert_error(response, 404, "not_found")
    assert url in error["message"]


def test_an_unknown_api_path_is_a_404_for_a_signed_in_session_too(world):
    """No CSRF failure or login page: the path is simply unknown."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["manager"])

    response = client.post("/api/nope/", "{}", content_type="application/json")

    assert_error(response, 404, "not_found")


def test_a_missing_slash_names_the_endpoint_meant(world):
    error = assert_error(api_as(world, "anon").get("/api/cart"), 404, "not_found")

    assert "/api/cart/" in error["message"]


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("PUT", "/api/cart/"),
        ("DELETE", "/api/cart/"),
        ("BREW", "/api/cart/"),
        ("PATCH", "/api/availability/?sku=TEE-M"),
        ("DELETE", "/api/checkout/"),
        ("GET", "/api/pos/sales/"),
    ],
)
def test_an_unknown_method_on_a_known_path_is_a_json_405(world, method, url):
    who = "clerk" if url.startswith("/api/pos/") else "anon"

    response = api_as(world, who).generic(method, url)

    assert_error(response, 405, "method_not_allowed")


def test_pages_keep_their_html_404(world):
    response = Client().get("/no-such-page/")

    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


def test_the_schema_and_docs_are_still_served(world):
    client = api_as(world, "anon")

    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200
