from datetime import timedelta

import pytest
from django.utils import timezone

from inventory.models import Reservation
from tests import factories
from tests.channels_app.support import (
    assert_error,
    receive,
    reserve,
    set_safety_stock,
    stock_row,
)

URL = "/api/availability/"


def availability(api, *skus):
    response = api.get(URL, {"sku": list(skus)})
    assert response.status_code == 200, response.content
    return response.json()


def by_code(entry: dict) -> dict[str, int]:
    return {loc["code"]: loc["available"] for loc in entry["locations"]}


@pytest.fixture
def online_store(db):
    """A store whose stock is also shipped to web orders."""
    return factories.LocationFactory(code="st3", name="Store Three", ships_online=True)


class TestAvailability:
    def test_online_sums_the_shipping_locations_only(
        self, api, warehouse, store, online_store, variant
    ):
        receive(warehouse, variant, 10)
        receive(online_store, variant, 4)
        receive(store, variant, 7)  # a store that does not ship online

        [entry] = availability(api, variant.sku)

        assert entry["sku"] == "TEE-M"
        assert entry["online"] == 14
        assert by_code(entry) == {"st1": 7, "st3": 4, "wh": 10}

    def test_every_active_location_is_listed_even_without_stock(
        self, api, warehouse, store, other_store, variant
    ):
        factories.LocationFactory(code="gone", is_active=False)
        receive(warehouse, variant, 3)

        [entry] = availability(api, variant.sku)

        assert by_code(entry) == {"st1": 0, "st2": 0, "wh": 3}
        assert entry["online"] == 3

    def test_reserved_and_safety_stock_are_not_available(self, api, warehouse, store, variant):
        receive(store, variant, 10)
        reserve(store, variant, 3, expires_at=timezone.now() + timedelta(hours=1))
        set_safety_stock(store, variant, 2)
        receive(warehouse, variant, 10)
        reserve(warehouse, variant, 4, expires_at=None)
        set_safety_stock(warehouse, variant, 1)

        [entry] = availability(api, variant.sku)

        assert by_code(entry) == {"st1": 10 - 3 - 2, "wh": 10 - 4 - 1}
        assert entry["online"] == 5

    def test_available_never_goes_below_zero(self, api, warehouse, variant):
        receive(warehouse, variant, 4)
        reserve(warehouse, variant, 3)
        set_safety_stock(warehouse, variant, 5)

        [entry] = availability(api, variant.sku)

        assert by_code(entry) == {"wh": 0}
        assert entry["online"] == 0

    def test_zero_in_one_place_does_not_reduce_the_online_sum(
        self, api, warehouse, online_store, variant
    ):
        receive(warehouse, variant, 2)
        set_safety_stock(warehouse, variant, 5)
        receive(online_store, variant, 6)

        [entry] = availability(api, variant.sku)

        assert entry["online"] == 6

    def test_expired_but_unswept_reservation_does_not_count(self, api, warehouse, variant):
        receive(warehouse, variant, 10)
        lapsed = reserve(warehouse, variant, 4, expires_at=timezone.now() - timedelta(minutes=1))
        reserve(warehouse, variant, 1, expires_at=timezone.now() + timedelta(hours=1))

        [entry] = availability(api, variant.sku)

        assert by_code(entry) == {"wh": 9}
        assert entry["online"] == 9
        # Not swept: the counter still holds the lapsed units and the row is still active.
        assert stock_row(warehouse, variant) == (10, 5)
        lapsed.refresh_from_db()
        assert lapsed.state == Reservation.State.ACTIVE

    def test_several_skus_in_the_order_asked_once_each(self, api, warehouse, variant):
        other = factories.VariantFactory(sku="MUG-1")
        receive(warehouse, variant, 2)
        receive(warehouse, other, 5)

        data = availability(api, "MUG-1", "TEE-M", "MUG-1")

        assert [(e["sku"], e["online"]) for e in data] == [("MUG-1", 5), ("TEE-M", 2)]

    def test_known_sku_without_any_stock(self, api, warehouse, variant):
        assert availability(api, variant.sku) == [
            {"sku": "TEE-M", "online": 0, "locations": [{"code": "wh", "available": 0}]}
        ]


class TestAvailabilityErrors:
    def test_unknown_sku_is_a_400_naming_it(self, api, warehouse, variant):
        response = api.get(URL, {"sku": [variant.sku, "NOPE-1"]})

        error = assert_error(response, 400, "unknown_sku")
        assert error["details"] == ["NOPE-1"]

    def test_no_sku_is_a_400(self, api, warehouse):
        assert_error(api.get(URL), 400, "invalid")

    def test_empty_sku_is_a_400(self, api, warehouse):
        response = api.get(URL, {"sku": ""})

        assert response.status_code == 400
        assert response.json()["error"]["code"] in ("invalid", "unknown_sku")

    def test_too_many_skus_is_a_400(self, api, warehouse):
        response = api.get(URL, {"sku": [f"SKU-{n}" for n in range(201)]})

        assert_error(response, 400, "invalid")
