from datetime import timedelta

import pytest
from django.utils import timezone

from inventory import selectors, services
from inventory.errors import InsufficientStock, InvalidQuantity, ReservationNotActive
from inventory.models import Reservation, Stock, StockMovement
from inventory.selectors import availability_at, availability_for_variants
from shop.catalog.errors import UnknownSku
from shop.catalog.selectors import variants_by_sku
from shop.channels import Channel
from shop.errors import InvalidInput
from tests import factories

pytestmark = pytest.mark.django_db
Line = services.StockLine


def stock(location, variant) -> Stock:
    return Stock.objects.get(location=location, variant=variant)


def ledger_sum(location, variant) -> int:
    return sum(
        StockMovement.objects.filter(location=location, variant=variant).values_list(
            "quantity", flat=True
        )
    )


def reserve(location, variant, quantity, *, expires_at=None):
    line = factories.OrderLineFactory(variant=variant, quantity=quantity)
    request = services.ReservationRequest(line, location, quantity)
    return services.stock_reserve(requests=[request], expires_at=expires_at)


@pytest.fixture
def stocked(store, variant):
    services.stock_receive(location=store, lines=[Line(variant, 10)], reference="PO-1")
    return stock(store, variant)


class TestReceive:
    def test_adds_on_hand_and_writes_a_receipt(self, store, variant):
        [movement] = services.stock_receive(
            location=store, lines=[Line(variant, 7)], reference="PO-7"
        )
        assert stock(store, variant).on_hand == 7
        assert (movement.kind, movement.quantity, movement.reference) == ("receipt", 7, "PO-7")
        assert movement.channel == Channel.BACKOFFICE

    def test_repeated_sku_lines_are_added_up(self, store, variant):
        services.stock_receive(location=store, lines=[Line(variant, 2), Line(variant, 3)])
        assert stock(store, variant).on_hand == 5
        assert ledger_sum(store, variant) == 5

    @pytest.mark.parametrize("quantity", [0, -1, 10_001, 10**12, 1.5, "3", True])
    def test_rejects_bad_quantities_and_changes_nothing(self, store, variant, quantity):
        with pytest.raises(InvalidQuantity):
            services.stock_receive(location=store, lines=[Line(variant, quantity)])
        assert not Stock.objects.exists()
        assert not StockMovement.objects.exists()

    def test_rejects_no_lines(self, store):
        with pytest.raises(InvalidInput):
            services.stock_receive(location=store, lines=[])


class TestAdjust:
    def test_positive_and_negative(self, stocked, store, variant):
        services.stock_adjust(location=store, variant=variant, quantity=3, reason="count")
        movement = services.stock_adjust(
            location=store, variant=variant, quantity=-5, reason="damage"
        )
        assert stock(store, variant).on_hand == 8
        assert (movement.kind, movement.quantity, movement.reason) == ("adjustment", -5, "damage")
        assert ledger_sum(store, variant) == 8

    def test_cannot_go_below_reserved(self, stocked, store, variant):
        reserve(store, variant, 6)
        with pytest.raises(InsufficientStock) as caught:
            services.stock_adjust(location=store, variant=variant, quantity=-5, reason="theft")
        assert caught.value.details[0]["reserved"] == 6
        row = stock(store, variant)
        assert (row.on_hand, row.reserved) == (10, 6)
        assert StockMovement.objects.count() == 1

    def test_cannot_go_below_zero_where_nothing_was_ever_stocked(self, store, variant):
        with pytest.raises(InsufficientStock):
            services.stock_adjust(location=store, variant=variant, quantity=-1, reason="count")
        assert not StockMovement.objects.exists()

    @pytest.mark.parametrize("quantity", [0, 10_001, -10_001])
    def test_rejects_zero_and_huge(self, stocked, store, variant, quantity):
        with pytest.raises(InvalidQuantity):
            services.stock_adjust(
                location=store, variant=variant, quantity=quantity, reason="count"
            )
        assert stock(store, variant).on_hand == 10

    def test_rejects_unknown_reason(self, stocked, store, variant):
        with pytest.raises(InvalidInput):
            services.stock_adjust(location=store, variant=variant, quantity=1, reason="magic")


class TestTransfer:
    def test_moves_units_with_two_movements(self, stocked, store, warehouse, variant):
        movements = services.stock_transfer(
            source=store, destination=warehouse, lines=[Line(variant, 4)]
        )
        assert sorted((m.kind, m.quantity) for m in movements) == [
            ("transfer_in", 4),
            ("transfer_out", -4),
        ]
        assert stock(store, variant).on_hand == 6
        assert stock(warehouse, variant).on_hand == 4

    def test_all_or_nothing(self, stocked, store, warehouse, variant):
        other = factories.VariantFactory()
        services.stock_receive(location=store, lines=[Line(other, 1)])
        with pytest.raises(InsufficientStock) as caught:
            services.stock_transfer(
                source=store, destination=warehouse, lines=[Line(variant, 2), Line(other, 5)]
            )
        assert {d["sku"]: d["available"] for d in caught.value.details} == {
            variant.sku: 10,
            other.sku: 1,
        }
        assert stock(store, variant).on_hand == 10
        assert not Stock.objects.filter(location=warehouse, on_hand__gt=0).exists()

    def test_does_not_move_reserved_units(self, stocked, store, warehouse, variant):
        reserve(store, variant, 8)
        with pytest.raises(InsufficientStock):
            services.stock_transfer(source=store, destination=warehouse, lines=[Line(variant, 3)])

    def test_rejects_same_location(self, stocked, store, variant):
        with pytest.raises(InvalidInput):
            services.stock_transfer(source=store, destination=store, lines=[Line(variant, 1)])


class TestSell:
    def test_sells_free_units(self, stocked, store, variant):
        [movement] = services.stock_sell(
            location=store, lines=[Line(variant, 3)], channel=Channel.POS, reference="till 1"
        )
        assert (movement.kind, movement.quantity, movement.channel) == ("sale", -3, "pos")
        assert stock(store, variant).on_hand == 7

    def test_never_sells_a_reserved_unit(self, stocked, store, variant):
        reserve(store, variant, 9)
        with pytest.raises(InsufficientStock) as caught:
            services.stock_sell(location=store, lines=[Line(variant, 2)], channel=Channel.POS)
        assert caught.value.details == [{"sku": variant.sku, "requested": 2, "available": 1}]
        assert stock(store, variant).on_hand == 10

    def test_may_sell_the_safety_stock_the_customer_holds(self, stocked, store, variant):
        Stock.objects.filter(pk=stocked.pk).update(safety_stock=2)
        services.stock_sell(location=store, lines=[Line(variant, 10)], channel=Channel.POS)
        assert stock(store, variant).on_hand == 0

    def test_unstocked_location(self, other_store, variant):
        with pytest.raises(InsufficientStock) as caught:
            services.stock_sell(location=other_store, lines=[Line(variant, 1)], channel="pos")
        assert caught.value.details[0]["available"] == 0

    def test_expired_reservation_does_not_block_before_the_sweeper(self, stocked, store, variant):
        [held] = reserve(store, variant, 10, expires_at=timezone.now() - timedelta(minutes=1))
        services.stock_sell(location=store, lines=[Line(variant, 4)], channel=Channel.POS)
        held.refresh_from_db()
        assert held.state == Reservation.State.EXPIRED
        row = stock(store, variant)
        assert (row.on_hand, row.reserved) == (6, 0)


class TestReserveReleaseCommit:
    def test_reserve_holds_units(self, stocked, store, variant):
        [reservation] = reserve(store, variant, 4)
        assert reservation.state == Reservation.State.ACTIVE
        assert stock(store, variant).reserved == 4
        assert availability_at(location=store, variants=[variant]) == {variant.pk: 6}

    def test_reserve_respects_safety_stock(self, stocked, store, variant):
        Stock.objects.filter(pk=stocked.pk).update(safety_stock=3)
        with pytest.raises(InsufficientStock) as caught:
            reserve(store, variant, 8)
        assert caught.value.details[0]["available"] == 7

    def test_reserve_is_all_or_nothing(self, stocked, store, variant):
        order = factories.OrderFactory()
        scarce = factories.VariantFactory()
        services.stock_receive(location=store, lines=[Line(scarce, 1)])
        lines = [
            factories.OrderLineFactory(order=order, variant=variant, quantity=2),
            factories.OrderLineFactory(order=order, variant=scarce, quantity=2),
        ]
        with pytest.raises(InsufficientStock) as caught:
            services.stock_reserve(
                requests=[services.ReservationRequest(line, store, 2) for line in lines],
                expires_at=None,
            )
        short = [d for d in caught.value.details if d["requested"] > d["available"]]
        assert short == [{"sku": scarce.sku, "requested": 2, "available": 1}]
        assert not Reservation.objects.exists()
        assert stock(store, variant).reserved == 0

    def test_release_gives_units_back_once(self, stocked, store, variant):
        reservations = reserve(store, variant, 4)
        assert services.stock_release(reservations=reservations) == 1
        assert services.stock_release(reservations=reservations) == 0
        assert stock(store, variant).reserved == 0
        assert Reservation.objects.get().state == Reservation.State.RELEASED

    def test_commit_turns_a_reservation_into_a_sale(self, stocked, store, variant):
        reservations = reserve(store, variant, 4)
        [movement] = services.stock_commit(
            reservations=reservations, channel=Channel.POS, reference="collected"
        )
        assert (movement.kind, movement.quantity) == ("reservation_commit", -4)
        row = stock(store, variant)
        assert (row.on_hand, row.reserved) == (6, 0)
        with pytest.raises(ReservationNotActive):
            services.stock_commit(reservations=reservations, channel=Channel.POS)
        assert ledger_sum(store, variant) == 6

    def test_released_reservation_cannot_be_committed(self, stocked, store, variant):
        reservations = reserve(store, variant, 4)
        services.stock_release(reservations=reservations)
        with pytest.raises(ReservationNotActive):
            services.stock_commit(reservations=reservations, channel=Channel.WEB)
        assert stock(store, variant).on_hand == 10


@pytest.mark.postgres
def test_one_request_is_one_statement_on_postgresql(
    stocked, store, variant, django_assert_num_queries
):
    line = factories.OrderLineFactory(variant=variant, quantity=2)
    expires = timezone.now() + timedelta(minutes=15)

    with django_assert_num_queries(1):
        [reservation] = services.stock_reserve(
            requests=[services.ReservationRequest(line, store, 2)], expires_at=expires
        )

    fields = ["pk", "order_line_id", "location_id", "variant_id", "quantity", "expires_at"]
    fields += ["state", "created_at", "closed_at"]
    stored = Reservation.objects.get()
    assert [getattr(reservation, f) for f in fields] == [getattr(stored, f) for f in fields]
    assert (stored.order_line_id, stored.quantity, stored.state) == (line.pk, 2, "active")
    assert (stock(store, variant).on_hand, stock(store, variant).reserved) == (10, 2)


class TestExpiry:
    def test_expired_reservations_never_count_against_availability(self, stocked, store, variant):
        reserve(store, variant, 3, expires_at=timezone.now() - timedelta(seconds=1))
        reserve(store, variant, 2, expires_at=timezone.now() + timedelta(hours=1))
        assert availability_at(location=store, variants=[variant]) == {variant.pk: 8}
        assert stock(store, variant).reserved == 5  # the sweeper has not run yet

    def test_reserve_reuses_units_of_an_expired_reservation(self, stocked, store, variant):
        reserve(store, variant, 10, expires_at=timezone.now() - timedelta(seconds=1))
        reserve(store, variant, 10)
        assert stock(store, variant).reserved == 10

    def test_sweeper_releases_once(self, stocked, store, variant):
        reserve(store, variant, 3, expires_at=timezone.now() - timedelta(seconds=1))
        reserve(store, variant, 2, expires_at=timezone.now() + timedelta(hours=1))
        reserve(store, variant, 1)
        assert services.reservations_release_expired() == 1
        assert services.reservations_release_expired() == 0
        assert stock(store, variant).reserved == 3

    def test_sweeper_task(self, stocked, store, variant):
        from inventory.tasks import release_expired_reservations

        reserve(store, variant, 3, expires_at=timezone.now() - timedelta(seconds=1))
        assert release_expired_reservations.delay().get() == 1
        assert stock(store, variant).reserved == 0


class TestLookups:
    def test_unknown_sku_is_a_clear_error(self, variant):
        with pytest.raises(UnknownSku) as caught:
            variants_by_sku(skus=[variant.sku, "NOPE-1"])
        assert caught.value.details == ["NOPE-1"]

    def test_availability_of_many_skus_everywhere(self, stocked, store, warehouse, variant):
        services.stock_receive(location=warehouse, lines=[Line(variant, 5)])
        other = factories.VariantFactory()
        result = availability_for_variants(variants=[variant, other])
        assert result[variant.sku].locations == {warehouse.code: 5, store.code: 10}
        assert result[variant.sku].online == 5  # only the warehouse ships online
        assert result[other.sku].online == 0


def test_negative_adjustment_may_use_units_of_an_expired_reservation(stocked, store, variant):
    reserve(store, variant, 10, expires_at=timezone.now() - timedelta(seconds=1))
    services.stock_adjust(location=store, variant=variant, quantity=-10, reason="damage")
    row = stock(store, variant)
    assert (row.on_hand, row.reserved) == (0, 0)


class TestStockRows:
    """`_stock_rows` writes its SQL by hand: it must say what the ORM query it replaced says."""

    @staticmethod
    def orm_rows(locations, variants) -> list[dict]:
        from django.db.models import IntegerField, OuterRef, Subquery, Sum, Value
        from django.db.models.functions import Coalesce

        lapsed = (
            Reservation.objects.filter(
                location=OuterRef("location_id"),
                variant=OuterRef("variant_id"),
                state=Reservation.State.ACTIVE,
                expires_at__lte=timezone.now(),
            )
            .order_by()
            .values("location", "variant")
            .annotate(total=Sum("quantity"))
            .values("total")
        )
        return list(
            Stock.objects.filter(location__in=locations, variant__in=variants)
            .annotate(lapsed=Coalesce(Subquery(lapsed, output_field=IntegerField()), Value(0)))
            .values(*selectors.FIELDS)
        )

    def test_same_rows_as_the_orm_with_lapsed_live_and_closed_reservations(
        self, store, warehouse, variant
    ):
        other = factories.VariantFactory()
        unstocked = factories.VariantFactory()
        for location in (store, warehouse):
            services.stock_receive(location=location, lines=[Line(variant, 20), Line(other, 9)])
        past, future = timezone.now() - timedelta(seconds=5), timezone.now() + timedelta(hours=1)
        reserve(store, variant, 3, expires_at=past)
        reserve(store, variant, 4, expires_at=past)
        reserve(store, variant, 2, expires_at=future)
        reserve(store, variant, 1)
        reserve(warehouse, other, 5, expires_at=past)
        services.stock_release(reservations=reserve(warehouse, variant, 6, expires_at=past))
        services.stock_commit(
            reservations=reserve(store, other, 2, expires_at=past), channel=Channel.WEB
        )

        variants, locations = [variant, other, unstocked], [store, warehouse]
        rows = selectors._stock_rows(
            location_ids=[loc.pk for loc in locations], variant_ids=[v.pk for v in variants]
        )

        def key(row):
            return row["location_id"], row["variant_id"]

        assert sorted(rows, key=key) == sorted(self.orm_rows(locations, variants), key=key)
        lapsed = {key(row): row["lapsed"] for row in rows}
        assert lapsed[store.pk, variant.pk] == 7
        assert lapsed[warehouse.pk, other.pk] == 5
        assert lapsed[warehouse.pk, variant.pk] == 0  # released
        assert availability_at(location=store, variants=[variant]) == {variant.pk: 17}

    def test_no_query_without_locations_or_variants(
        self, store, variant, django_assert_num_queries
    ):
        with django_assert_num_queries(0):
            assert selectors._stock_rows(location_ids=[], variant_ids=[variant.pk]) == []
            assert selectors._stock_rows(location_ids=[store.pk], variant_ids=[]) == []
