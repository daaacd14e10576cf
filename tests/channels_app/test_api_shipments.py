"""The API of the shipping queue: "not found" on a delivery order at the clerk's location, and
`POST /api/orders/{number}/ship/` for that location's part."""

from decimal import Decimal

import pytest

from shop.orders.models import Order
from shop.shipping.models import Shipment
from tests import factories
from tests.channels_app.support import assert_error, receive, stock_row
from tests.conftest import auth
from tests.shop.order_support import collect_order, delivery_order

pytestmark = pytest.mark.django_db


def located(code, lat, lon):
    return factories.LocationFactory(
        code=code,
        name=code.title(),
        ships_online=True,
        click_and_collect=True,
        latitude=Decimal(lat),
        longitude=Decimal(lon),
    )


@pytest.fixture
def paris(db):
    return located("paris", "48.85900", "2.35900")


@pytest.fixture
def lyon(db):
    return located("lyon", "45.76404", "4.83566")


@pytest.fixture
def split(paris, lyon, variant):
    """A delivery order of two units, one held at Paris and one at Lyon."""
    receive(paris, variant, 1)
    receive(lyon, variant, 1)
    order = delivery_order([(variant, 2)])
    assert stock_row(paris, variant) == (1, 1)
    assert stock_row(lyon, variant) == (1, 1)
    return order


def test_not_found_on_a_split_delivery_order_is_at_the_clerks_location(
    api, split, paris, lyon, variant
):
    clerk = factories.clerk(store=lyon)
    response = auth(api, clerk).post(
        f"/api/pickups/{split.number}/not-found/", {"sku": "TEE-M"}, format="json"
    )
    assert response.status_code == 200, response.content
    # Nothing else anywhere: Lyon's unit is cancelled and refunded, Paris's still ships.
    assert stock_row(lyon, variant) == (0, 0)
    assert stock_row(paris, variant) == (1, 1)
    assert split.lines.get().cancelled_quantity == 1


class TestShipApi:
    def url(self, order):
        return f"/api/orders/{order.number}/ship/"

    def test_each_location_ships_its_part_once(self, api, split, paris, lyon, variant):
        body = {"carrier": "colissimo", "tracking_number": "6A1"}
        clerk = factories.clerk(store=paris)
        first = auth(api, clerk).post(
            self.url(split), body, format="json", HTTP_IDEMPOTENCY_KEY="ship-1"
        )
        again = auth(api, clerk).post(
            self.url(split), body, format="json", HTTP_IDEMPOTENCY_KEY="ship-1"
        )
        assert first.status_code == 201, first.content
        assert again.json() == first.json()
        assert first.json()["shipped_from"] == "paris"
        assert first.json()["order_status"] == "placed"
        assert_error(
            auth(api, clerk).post(self.url(split), body, format="json"), 409, "nothing_held"
        )

        manager = factories.manager()
        last = auth(api, manager).post(
            self.url(split), {**body, "tracking_number": "6A2", "location": "lyon"}, format="json"
        )
        assert last.status_code == 201, last.content
        assert last.json()["order_status"] == "shipped"
        assert Shipment.objects.count() == 2
        split.refresh_from_db()
        assert split.status == Order.Status.SHIPPED
        assert stock_row(paris, variant) == (0, 0)
        assert stock_row(lyon, variant) == (0, 0)

    def test_refusals(self, api, split, paris, lyon, store, variant):
        clerk = factories.clerk(store=paris)
        body = {"carrier": "colissimo", "tracking_number": "6A1"}
        assert_error(
            auth(api, clerk).post(self.url(split), {**body, "location": "lyon"}, format="json"),
            403,
            "permission_denied",
        )
        assert_error(
            auth(api, clerk).post(self.url(split), {**body, "carrier": "pigeon"}, format="json"),
            400,
            "invalid",
        )
        assert_error(
            auth(api, factories.manager()).post(self.url(split), body, format="json"),
            400,
            "invalid",
        )
        receive(paris, variant, 1)
        collect = collect_order(paris, [(variant, 1)])
        assert_error(auth(api, clerk).post(self.url(collect), body, format="json"), 400, "invalid")
        assert not Shipment.objects.exists()
