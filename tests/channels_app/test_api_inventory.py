from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from channels_app.models import IdempotencyKey
from inventory.models import StockMovement
from tests import factories
from tests.channels_app.support import (
    assert_error,
    movement_count,
    receive,
    reserve,
    stock_row,
)
from tests.conftest import auth

RECEIPTS = "/api/inventory/receipts/"
ADJUSTMENTS = "/api/inventory/adjustments/"
TRANSFERS = "/api/inventory/transfers/"
MOVEMENTS = "/api/inventory/movements/"
MOVEMENT_FIELDS = {"id", "created_at", "location", "sku", "quantity", "kind", "reference"}
MAX = settings.MAX_LINE_QUANTITY


def receipt(location, sku="TEE-M", quantity=5, reference="PO-1") -> dict:
    return {
        "location": location.code,
        "lines": [{"sku": sku, "quantity": quantity}],
        "reference": reference,
    }


def adjustment(location, quantity, sku="TEE-M", reason="count") -> dict:
    return {"location": location.code, "sku": sku, "quantity": quantity, "reason": reason}


def transfer(source, destination, quantity=3, sku="TEE-M") -> dict:
    return {
        "from": source.code,
        "to": destination.code,
        "lines": [{"sku": sku, "quantity": quantity}],
    }


def post(client, url, body, **headers):
    return client.post(url, body, format="json", headers=headers or None)


@pytest.fixture
def mug(db):
    return factories.VariantFactory(sku="MUG-1")


# --- receipts ---------------------------------------------------------------------------------


class TestReceipts:
    def test_manager_receives_anywhere(self, api, manager, warehouse, variant, mug):
        body = {
            "location": "wh",
            "lines": [{"sku": "TEE-M", "quantity": 5}, {"sku": "MUG-1", "quantity": 2}],
            "reference": "PO-1",
        }

        response = post(auth(api, manager), RECEIPTS, body)

        assert response.status_code == 201, response.content
        movements = response.json()["movements"]
        assert all(set(m) == MOVEMENT_FIELDS for m in movements)
        assert sorted((m["location"], m["sku"], m["quantity"], m["kind"]) for m in movements) == [
            ("wh", "MUG-1", 2, "receipt"),
            ("wh", "TEE-M", 5, "receipt"),
        ]
        assert {m["reference"] for m in movements} == {"PO-1"}
        assert stock_row(warehouse, variant) == (5, 0)
        assert stock_row(warehouse, mug) == (2, 0)
        saved = StockMovement.objects.get(pk=movements[0]["id"])
        assert saved.user == manager

    def test_receipt_adds_to_existing_stock(self, api, manager, store, variant):
        receive(store, variant, 3)

        response = post(auth(api, manager), RECEIPTS, receipt(store, quantity=4))

        assert response.status_code == 201
        assert stock_row(store, variant) == (7, 0)

    def test_repeated_sku_lines_add_up(self, api, manager, store, variant):
        body = receipt(store, quantity=2)
        body["lines"].append({"sku": "TEE-M", "quantity": 3})

        response = post(auth(api, manager), RECEIPTS, body)

        assert response.status_code == 201
        assert [m["quantity"] for m in response.json()["movements"]] == [5]
        assert stock_row(store, variant) == (5, 0)

    def test_clerk_receives_at_their_store(self, api, clerk, store, variant):
        response = post(auth(api, clerk), RECEIPTS, receipt(store))

        assert response.status_code == 201, response.content
        assert stock_row(store, variant) == (5, 0)

    @pytest.mark.parametrize("where", ["other_store", "warehouse"])
    def test_clerk_may_not_receive_elsewhere(self, api, clerk, variant, where, request):
        location = request.getfixturevalue(where)

        response = post(auth(api, clerk), RECEIPTS, receipt(location))

        assert_error(response, 403, "permission_denied")
        assert stock_row(location, variant) == (0, 0)
        assert movement_count() == 0

    def test_anonymous_is_a_401(self, api, store, variant):
        assert_error(post(api, RECEIPTS, receipt(store)), 401, "not_authenticated")
        assert movement_count() == 0

    def test_shopper_is_a_403(self, api, shopper, store, variant):
        assert_error(post(auth(api, shopper), RECEIPTS, receipt(store)), 403, "permission_denied")
        assert movement_count() == 0

    @pytest.mark.parametrize("quantity", [0, -1, MAX + 1, 10**12, "many", 2.5])
    def test_bad_quantity_is_a_400(self, api, manager, store, variant, quantity):
        response = post(auth(api, manager), RECEIPTS, receipt(store, quantity=quantity))

        error = assert_error(response, 400, "invalid")
        assert "quantity" in str(error["details"][0]["lines"])
        assert movement_count() == 0

    def test_lines_adding_up_past_the_limit_are_a_400(self, api, manager, store, variant):
        body = receipt(store, quantity=MAX)
        body["lines"].append({"sku": "TEE-M", "quantity": 1})

        assert_error(post(auth(api, manager), RECEIPTS, body), 400, "invalid_quantity")
        assert stock_row(store, variant) == (0, 0)

    def test_largest_quantity_is_accepted(self, api, manager, store, variant):
        response = post(auth(api, manager), RECEIPTS, receipt(store, quantity=MAX))

        assert response.status_code == 201
        assert stock_row(store, variant) == (MAX, 0)

    def test_unknown_sku_is_a_400_and_nothing_is_received(self, api, manager, store, variant):
        body = receipt(store)
        body["lines"].append({"sku": "NOPE", "quantity": 1})

        error = assert_error(post(auth(api, manager), RECEIPTS, body), 400, "unknown_sku")
        assert error["details"] == ["NOPE"]
        assert stock_row(store, variant) == (0, 0)
        assert movement_count() == 0

    def test_unknown_location_is_a_400(self, api, manager, variant):
        body = {"location": "nowhere", "lines": [{"sku": "TEE-M", "quantity": 1}]}

        assert_error(post(auth(api, manager), RECEIPTS, body), 400, "unknown_location")
        assert movement_count() == 0

    def test_inactive_location_is_unknown(self, api, manager, variant):
        closed = factories.LocationFactory(code="closed", is_active=False)

        response = post(auth(api, manager), RECEIPTS, receipt(closed))

        assert_error(response, 400, "unknown_location")

    def test_malformed_json_is_a_400(self, api, manager, store):
        response = auth(api, manager).post(RECEIPTS, "{bad", content_type="application/json")

        assert_error(response, 400, "parse_error")
        assert movement_count() == 0

    def test_get_is_not_allowed(self, api, manager):
        assert_error(auth(api, manager).get(RECEIPTS), 405, "method_not_allowed")

    def test_no_lines_is_a_400(self, api, manager, store):
        body = {"location": store.code, "lines": []}

        assert_error(post(auth(api, manager), RECEIPTS, body), 400, "invalid")


# --- adjustments ------------------------------------------------------------------------------


class TestAdjustments:
    def test_positive_adjustment_adds_stock(self, api, manager, warehouse, variant):
        response = post(auth(api, manager), ADJUSTMENTS, adjustment(warehouse, 6, reason="count"))

        assert response.status_code == 201, response.content
        [movement] = response.json()["movements"]
        assert (movement["location"], movement["sku"], movement["quantity"]) == ("wh", "TEE-M", 6)
        assert movement["kind"] == "adjustment"
        assert stock_row(warehouse, variant) == (6, 0)
        assert StockMovement.objects.get(pk=movement["id"]).reason == "count"

    def test_negative_adjustment_removes_stock(self, api, manager, warehouse, variant):
        receive(warehouse, variant, 10)

        response = post(auth(api, manager), ADJUSTMENTS, adjustment(warehouse, -3, reason="damage"))

        assert response.status_code == 201
        assert response.json()["movements"][0]["quantity"] == -3
        assert stock_row(warehouse, variant) == (7, 0)

    def test_may_remove_every_unreserved_unit(self, api, manager, store, variant):
        receive(store, variant, 10)
        reserve(store, variant, 4)

        response = post(auth(api, manager), ADJUSTMENTS, adjustment(store, -6, reason="theft"))

        assert response.status_code == 201
        assert stock_row(store, variant) == (4, 4)

    def test_below_reserved_is_a_409_and_changes_nothing(self, api, manager, store, variant):
        receive(store, variant, 10)
        reserve(store, variant, 8)
        before = movement_count()

        response = post(auth(api, manager), ADJUSTMENTS, adjustment(store, -3, reason="damage"))

        error = assert_error(response, 409, "insufficient_stock")
        assert error["details"][0]["sku"] == "TEE-M"
        assert error["details"][0]["requested"] == 3
        assert error["details"][0]["available"] == 2
        assert stock_row(store, variant) == (10, 8)
        assert movement_count() == before

    def test_removing_more_than_on_hand_is_a_409(self, api, manager, store, variant):
        receive(store, variant, 2)

        response = post(auth(api, manager), ADJUSTMENTS, adjustment(store, -3))

        assert_error(response, 409, "insufficient_stock")
        assert stock_row(store, variant) == (2, 0)

    def test_removing_where_there_is_no_stock_is_a_409(self, api, manager, store, variant):
        response = post(auth(api, manager), ADJUSTMENTS, adjustment(store, -1))

        assert_error(response, 409, "insufficient_stock")
        assert movement_count() == 0

    @pytest.mark.parametrize(
        ("quantity", "code"),
        [(0, "invalid_quantity"), (MAX + 1, "invalid"), (-MAX - 1, "invalid"), ("x", "invalid")],
    )
    def test_bad_quantity_is_a_400(self, api, manager, store, variant, quantity, code):
        receive(store, variant, 5)

        response = post(auth(api, manager), ADJUSTMENTS, adjustment(store, quantity))

        assert_error(response, 400, code)
        assert stock_row(store, variant) == (5, 0)
        assert movement_count() == 1

    def test_unknown_reason_is_a_400(self, api, manager, store, variant):
        response = post(auth(api, manager), ADJUSTMENTS, adjustment(store, 1, reason="magic"))

        error = assert_error(response, 400, "invalid")
        assert "reason" in error["details"][0]
        assert movement_count() == 0

    def test_unknown_sku_is_a_400(self, api, manager, store):
        response = post(auth(api, manager), ADJUSTMENTS, adjustment(store, 1, sku="NOPE"))

        assert_error(response, 400, "unknown_sku")

    def test_unknown_location_is_a_400(self, api, manager, variant):
        body = {"location": "nowhere", "sku": "TEE-M", "quantity": 1, "reason": "count"}

        assert_error(post(auth(api, manager), ADJUSTMENTS, body), 400, "unknown_location")

    def test_clerk_adjusts_at_their_store(self, api, clerk, store, variant):
        response = post(auth(api, clerk), ADJUSTMENTS, adjustment(store, 2))

        assert response.status_code == 201
        assert stock_row(store, variant) == (2, 0)

    def test_clerk_may_not_adjust_another_store(self, api, clerk, other_store, variant):
        receive(other_store, variant, 5)

        response = post(auth(api, clerk), ADJUSTMENTS, adjustment(other_store, -5))

        assert_error(response, 403, "permission_denied")
        assert stock_row(other_store, variant) == (5, 0)

    def test_anonymous_and_shopper(self, api, shopper, store, variant):
        assert_error(post(api, ADJUSTMENTS, adjustment(store, 1)), 401, "not_authenticated")
        response = post(auth(api, shopper), ADJUSTMENTS, adjustment(store, 1))
        assert_error(response, 403, "permission_denied")
        assert movement_count() == 0


# --- transfers --------------------------------------------------------------------------------


class TestTransfers:
    def test_manager_moves_stock(self, api, manager, warehouse, store, variant):
        receive(warehouse, variant, 10)

        response = post(auth(api, manager), TRANSFERS, transfer(warehouse, store, 4))

        assert response.status_code == 201, response.content
        movements = response.json()["movements"]
        assert sorted((m["location"], m["quantity"], m["kind"]) for m in movements) == [
            ("st1", 4, "transfer_in"),
            ("wh", -4, "transfer_out"),
        ]
        assert stock_row(warehouse, variant) == (6, 0)
        assert stock_row(store, variant) == (4, 0)

    def test_not_enough_unreserved_is_a_409_and_moves_nothing(
        self, api, manager, warehouse, store, variant, mug
    ):
        receive(warehouse, variant, 10)
        receive(warehouse, mug, 10)
        reserve(warehouse, variant, 8)
        before = movement_count()
        body = transfer(warehouse, store, 2, sku="MUG-1")
        body["lines"].append({"sku": "TEE-M", "quantity": 3})

        response = post(auth(api, manager), TRANSFERS, body)

        error = assert_error(response, 409, "insufficient_stock")
        assert {"sku": "TEE-M", "requested": 3, "available": 2} in error["details"]
        assert stock_row(warehouse, variant) == (10, 8)
        assert stock_row(warehouse, mug) == (10, 0)
        assert stock_row(store, variant) == (0, 0)
        assert stock_row(store, mug) == (0, 0)
        assert movement_count() == before

    def test_expired_reservation_does_not_block_a_transfer(
        self, api, manager, warehouse, store, variant
    ):
        receive(warehouse, variant, 5)
        reserve(warehouse, variant, 5, expires_at=timezone.now() - timedelta(minutes=1))

        response = post(auth(api, manager), TRANSFERS, transfer(warehouse, store, 5))

        assert response.status_code == 201, response.content
        assert stock_row(warehouse, variant) == (0, 0)
        assert stock_row(store, variant) == (5, 0)

    def test_same_location_twice_is_a_400(self, api, manager, warehouse, variant):
        receive(warehouse, variant, 5)

        response = post(auth(api, manager), TRANSFERS, transfer(warehouse, warehouse, 1))

        assert_error(response, 400, "invalid")
        assert stock_row(warehouse, variant) == (5, 0)

    @pytest.mark.parametrize("end", ["from", "to"])
    def test_unknown_location_is_a_400(self, api, manager, warehouse, variant, end):
        receive(warehouse, variant, 5)
        body = transfer(warehouse, warehouse, 1)
        body[end] = "nowhere"

        assert_error(post(auth(api, manager), TRANSFERS, body), 400, "unknown_location")
        assert stock_row(warehouse, variant) == (5, 0)

    def test_missing_from_is_a_400(self, api, manager, warehouse, store, variant):
        body = transfer(warehouse, store, 1)
        del body["from"]

        error = assert_error(post(auth(api, manager), TRANSFERS, body), 400, "invalid")
        assert set(error["details"][0]) == {"from"}  # the contract's name, not an inside one

    @pytest.mark.parametrize("quantity", [0, -2, MAX + 1])
    def test_bad_quantity_is_a_400(self, api, manager, warehouse, store, variant, quantity):
        receive(warehouse, variant, 5)

        response = post(auth(api, manager), TRANSFERS, transfer(warehouse, store, quantity))

        assert_error(response, 400, "invalid")
        assert stock_row(warehouse, variant) == (5, 0)

    def test_unknown_sku_is_a_400(self, api, manager, warehouse, store):
        response = post(auth(api, manager), TRANSFERS, transfer(warehouse, store, 1, sku="NOPE"))

        assert_error(response, 400, "unknown_sku")

    def test_clerk_may_not_transfer_even_from_their_store(
        self, api, clerk, store, other_store, variant
    ):
        receive(store, variant, 5)

        response = post(auth(api, clerk), TRANSFERS, transfer(store, other_store, 1))

        assert_error(response, 403, "permission_denied")
        assert stock_row(store, variant) == (5, 0)

    def test_anonymous_and_shopper(self, api, shopper, warehouse, store, variant):
        receive(warehouse, variant, 5)

        assert_error(post(api, TRANSFERS, transfer(warehouse, store)), 401, "not_authenticated")
        response = post(auth(api, shopper), TRANSFERS, transfer(warehouse, store))
        assert_error(response, 403, "permission_denied")
        assert stock_row(warehouse, variant) == (5, 0)


# --- movements --------------------------------------------------------------------------------


@pytest.fixture
def ledger(api, manager, warehouse, store, other_store, variant, mug):
    """Five movements made through the API, oldest first."""
    client = auth(api, manager)
    for url, body in [
        (RECEIPTS, receipt(warehouse, quantity=10, reference="PO-1")),
        (RECEIPTS, receipt(store, sku="MUG-1", quantity=3, reference="PO-2")),
        (ADJUSTMENTS, adjustment(warehouse, -1, reason="damage")),
        (RECEIPTS, receipt(other_store, quantity=2, reference="PO-3")),
    ]:
        assert post(client, url, body).status_code == 201
    assert post(client, TRANSFERS, transfer(warehouse, store, 4)).status_code == 201
    api.force_authenticate(None)
    return api


def rows(response) -> list[tuple]:
    assert response.status_code == 200, response.content
    return [(m["location"], m["sku"], m["quantity"], m["kind"]) for m in response.json()["results"]]


class TestMovements:
    def test_manager_sees_the_whole_ledger_newest_first(self, ledger, manager):
        response = auth(ledger, manager).get(MOVEMENTS)

        assert response.json()["count"] == 6
        assert all(set(m) == MOVEMENT_FIELDS for m in response.json()["results"])
        listed = rows(response)
        assert sorted(listed[:2]) == [
            ("st1", "TEE-M", 4, "transfer_in"),
            ("wh", "TEE-M", -4, "transfer_out"),
        ]
        assert listed[2:] == [
            ("st2", "TEE-M", 2, "receipt"),
            ("wh", "TEE-M", -1, "adjustment"),
            ("st1", "MUG-1", 3, "receipt"),
            ("wh", "TEE-M", 10, "receipt"),
        ]
        ids = [m["id"] for m in response.json()["results"]]
        stamps = [m["created_at"] for m in response.json()["results"]]
        assert ids == sorted(ids, reverse=True)
        assert stamps == sorted(stamps, reverse=True)

    def test_filter_by_location(self, ledger, manager):
        response = auth(ledger, manager).get(MOVEMENTS, {"location": "wh"})

        assert rows(response) == [
            ("wh", "TEE-M", -4, "transfer_out"),
            ("wh", "TEE-M", -1, "adjustment"),
            ("wh", "TEE-M", 10, "receipt"),
        ]

    def test_filter_by_sku(self, ledger, manager):
        assert rows(auth(ledger, manager).get(MOVEMENTS, {"sku": "MUG-1"})) == [
            ("st1", "MUG-1", 3, "receipt")
        ]

    def test_filter_by_location_and_sku(self, ledger, manager):
        response = auth(ledger, manager).get(MOVEMENTS, {"location": "st1", "sku": "TEE-M"})

        assert rows(response) == [("st1", "TEE-M", 4, "transfer_in")]

    def test_reference_is_listed(self, ledger, manager):
        response = auth(ledger, manager).get(MOVEMENTS, {"location": "st2"})

        assert [m["reference"] for m in response.json()["results"]] == ["PO-3"]

    def test_clerk_sees_only_their_store(self, ledger, clerk):
        assert rows(auth(ledger, clerk).get(MOVEMENTS)) == [
            ("st1", "TEE-M", 4, "transfer_in"),
            ("st1", "MUG-1", 3, "receipt"),
        ]

    def test_clerk_may_filter_on_their_store(self, ledger, clerk):
        response = auth(ledger, clerk).get(MOVEMENTS, {"location": "st1", "sku": "MUG-1"})

        assert rows(response) == [("st1", "MUG-1", 3, "receipt")]

    @pytest.mark.parametrize("code", ["st2", "wh"])
    def test_clerk_may_not_read_another_location(self, ledger, clerk, code):
        response = auth(ledger, clerk).get(MOVEMENTS, {"location": code})

        assert_error(response, 403, "permission_denied")

    def test_unknown_location_filter_is_a_400(self, ledger, manager):
        response = auth(ledger, manager).get(MOVEMENTS, {"location": "nowhere"})

        assert_error(response, 400, "unknown_location")

    def test_anonymous_and_shopper(self, ledger, shopper):
        assert_error(ledger.get(MOVEMENTS), 401, "not_authenticated")
        assert_error(auth(ledger, shopper).get(MOVEMENTS), 403, "permission_denied")

    def test_on_hand_is_the_sum_of_the_movements(
        self, ledger, manager, warehouse, store, other_store, variant, mug
    ):
        client = auth(ledger, manager)
        for location in (warehouse, store, other_store):
            for item in (variant, mug):
                listed = client.get(MOVEMENTS, {"location": location.code, "sku": item.sku})
                total = sum(m["quantity"] for m in listed.json()["results"])
                assert stock_row(location, item)[0] == total
        assert stock_row(warehouse, variant) == (5, 0)


# --- Idempotency-Key --------------------------------------------------------------------------


class TestIdempotencyKey:
    def test_same_key_and_body_replays_and_moves_once(self, api, manager, store, variant):
        client = auth(api, manager)

        first = post(client, RECEIPTS, receipt(store), **{"Idempotency-Key": "k-1"})
        second = post(client, RECEIPTS, receipt(store), **{"Idempotency-Key": "k-1"})

        assert first.status_code == second.status_code == 201
        assert second.json() == first.json()
        assert movement_count() == 1
        assert stock_row(store, variant) == (5, 0)
        assert IdempotencyKey.objects.get().state == IdempotencyKey.State.DONE

    def test_same_key_other_body_is_a_409(self, api, manager, store, variant):
        client = auth(api, manager)
        post(client, RECEIPTS, receipt(store), **{"Idempotency-Key": "k-1"})

        response = post(client, RECEIPTS, receipt(store, quantity=6), **{"Idempotency-Key": "k-1"})

        assert_error(response, 409, "idempotency_key_reused")
        assert movement_count() == 1
        assert stock_row(store, variant) == (5, 0)

    def test_same_key_on_another_endpoint_is_a_409(self, api, manager, store, variant):
        client = auth(api, manager)
        post(client, ADJUSTMENTS, adjustment(store, 2), **{"Idempotency-Key": "k-1"})

        response = post(client, RECEIPTS, receipt(store), **{"Idempotency-Key": "k-1"})

        assert_error(response, 409, "idempotency_key_reused")
        assert stock_row(store, variant) == (2, 0)

    def test_different_keys_are_different_requests(self, api, manager, store, variant):
        client = auth(api, manager)

        post(client, RECEIPTS, receipt(store), **{"Idempotency-Key": "k-1"})
        post(client, RECEIPTS, receipt(store), **{"Idempotency-Key": "k-2"})

        assert stock_row(store, variant) == (10, 0)

    def test_without_a_key_every_request_counts(self, api, manager, store, variant):
        client = auth(api, manager)

        post(client, RECEIPTS, receipt(store))
        post(client, RECEIPTS, receipt(store))

        assert stock_row(store, variant) == (10, 0)

    def test_keys_belong_to_their_user(self, api, manager, store, variant):
        other_manager = factories.manager(username="manager2")

        post(auth(api, manager), RECEIPTS, receipt(store), **{"Idempotency-Key": "k-1"})
        response = post(
            auth(api, other_manager), RECEIPTS, receipt(store), **{"Idempotency-Key": "k-1"}
        )

        assert response.status_code == 201
        assert stock_row(store, variant) == (10, 0)
        assert movement_count() == 2

    def test_failed_request_frees_the_key(self, api, manager, store, variant):
        client = auth(api, manager)
        receive(store, variant, 1)
        body = adjustment(store, -3)

        refused = post(client, ADJUSTMENTS, body, **{"Idempotency-Key": "k-1"})
        receive(store, variant, 5)
        retried = post(client, ADJUSTMENTS, body, **{"Idempotency-Key": "k-1"})

        assert refused.status_code == 409
        assert retried.status_code == 201
        assert stock_row(store, variant) == (3, 0)

    def test_forbidden_request_stores_nothing(self, api, clerk, other_store, variant):
        client = auth(api, clerk)

        response = post(client, RECEIPTS, receipt(other_store), **{"Idempotency-Key": "k-1"})

        assert response.status_code == 403
        assert not IdempotencyKey.objects.exists()

    def test_adjustment_replays(self, api, manager, store, variant):
        client = auth(api, manager)
        receive(store, variant, 10)

        first = post(client, ADJUSTMENTS, adjustment(store, -4), **{"Idempotency-Key": "a"})
        second = post(client, ADJUSTMENTS, adjustment(store, -4), **{"Idempotency-Key": "a"})

        assert first.status_code == second.status_code == 201
        assert second.json() == first.json()
        assert stock_row(store, variant) == (6, 0)

    def test_transfer_replays(self, api, manager, warehouse, store, variant):
        client = auth(api, manager)
        receive(warehouse, variant, 10)
        body = transfer(warehouse, store, 4)

        first = post(client, TRANSFERS, body, **{"Idempotency-Key": "t"})
        second = post(client, TRANSFERS, body, **{"Idempotency-Key": "t"})

        assert first.status_code == second.status_code == 201
        assert second.json() == first.json()
        assert stock_row(warehouse, variant) == (6, 0)
        assert stock_row(store, variant) == (4, 0)
        assert StockMovement.objects.filter(kind="transfer_out").count() == 1

    def test_overlong_key_is_a_400(self, api, manager, store, variant):
        response = post(
            auth(api, manager), RECEIPTS, receipt(store), **{"Idempotency-Key": "k" * 256}
        )

        assert_error(response, 400, "invalid")
        assert movement_count() == 0


def test_a_discontinued_variant_can_still_be_received(api, manager, store, variant):
    variant.is_active = False
    variant.save()
    body = {"location": store.code, "lines": [{"sku": variant.sku, "quantity": 2}]}
    response = auth(api, manager).post("/api/inventory/receipts/", body, format="json")
    assert response.status_code == 201
    assert response.json()["movements"][0]["quantity"] == 2


@pytest.mark.postgres
def test_a_long_ledger_is_not_counted_to_its_end(ledger, manager, monkeypatch):
    """Past a size the list's `count` is the planner's estimate: a page of a million-row
    ledger costs what a page of a short one does."""
    monkeypatch.setattr("channels_app.api.views.inventory.LedgerPaginator.exact_up_to", 3)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = auth(ledger, manager).get(MOVEMENTS)

    assert response.status_code == 200, response.content
    assert response.json()["count"] >= 4
    assert len(response.json()["results"]) == 6
    sql = [query["sql"] for query in queries]
    assert any(statement.startswith("EXPLAIN") for statement in sql)
    assert not any("COUNT(*)" in s and "LIMIT" not in s for s in sql)
