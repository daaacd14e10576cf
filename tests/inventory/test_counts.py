from datetime import timedelta

import pytest
from django.utils import timezone

from inventory import services
from inventory.counts import CountedLine, stock_count_record
from inventory.errors import InvalidQuantity
from inventory.models import Reservation, Stock, StockCount, StockMovement
from shop.channels import Channel
from shop.errors import InvalidInput
from tests import factories

pytestmark = pytest.mark.django_db
Line = services.StockLine


def on_hand(location, variant) -> tuple[int, int]:
    row = Stock.objects.get(location=location, variant=variant)
    return row.on_hand, row.reserved


def ledger_sum(location, variant) -> int:
    return sum(
        StockMovement.objects.filter(location=location, variant=variant).values_list(
            "quantity", flat=True
        )
    )


def count(location, *lines, started_at=None, **kwargs) -> StockCount:
    return stock_count_record(
        location=location,
        started_at=started_at or timezone.now(),
        lines=[CountedLine(v, n) for v, n in lines],
        channel=Channel.POS,
        **kwargs,
    )


def hold(location, variant, quantity, *, expires_at=None):
    line = factories.OrderLineFactory(variant=variant, quantity=quantity)
    return services.stock_reserve(
        requests=[services.ReservationRequest(line, location, quantity)], expires_at=expires_at
    )


@pytest.fixture
def ten(store, variant):
    """10 units received an hour ago."""
    services.stock_receive(location=store, lines=[Line(variant, 10)])
    StockMovement.objects.update(created_at=timezone.now() - timedelta(hours=1))


class TestVariance:
    def test_missing_units_post_one_count_adjustment(self, store, variant, ten):
        result = count(store, (variant, 8))
        [line] = result.lines.all()
        assert (line.expected, line.counted, line.variance, line.adjusted) == (10, 8, -2, -2)
        movement = line.movement
        assert (movement.kind, movement.reason, movement.quantity) == ("adjustment", "count", -2)
        assert on_hand(store, variant) == (8, 0)
        assert ledger_sum(store, variant) == 8

    def test_a_matching_count_moves_nothing(self, store, variant, ten):
        [line] = count(store, (variant, 10)).lines.all()
        assert (line.variance, line.movement) == (0, None)
        assert StockMovement.objects.filter(kind="adjustment").count() == 0

    def test_found_units_come_back_on_the_record(self, store, variant, ten):
        [line] = count(store, (variant, 13)).lines.all()
        assert line.variance == 3
        assert on_hand(store, variant) == (13, 0)

    def test_a_sku_never_stocked_here_is_counted_too(self, store):
        stray = factories.VariantFactory(sku="STRAY")
        [line] = count(store, (stray, 2)).lines.all()
        assert (line.expected, line.variance) == (0, 2)
        assert on_hand(store, stray) == (2, 0)

    def test_sales_and_returns_during_the_count_are_not_variances(self, store, variant, ten):
        started = timezone.now() - timedelta(minutes=10)
        # While the clerk counted, the till sold 3 and took 1 back.
        services.stock_sell(location=store, lines=[Line(variant, 3)], channel=Channel.POS)
        services.stock_return(location=store, lines=[Line(variant, 1)], channel=Channel.POS)
        assert on_hand(store, variant) == (8, 0)
        # The shelf had 9 when counted: one unit was missing before anyone sold anything.
        [line] = count(store, (variant, 9), started_at=started).lines.all()
        assert (line.expected, line.variance) == (10, -1)
        assert on_hand(store, variant) == (7, 0)
        assert ledger_sum(store, variant) == 7

    def test_each_sku_from_the_moment_it_was_counted(self, store, variant, ten):
        cap = factories.VariantFactory(sku="CAP")
        services.stock_receive(location=store, lines=[Line(cap, 5)])
        StockMovement.objects.update(created_at=timezone.now() - timedelta(hours=1))
        started = timezone.now() - timedelta(minutes=20)
        # The tee was counted first (10 on the shelf); a cap sold before the clerk reached
        # the caps, who then found the 4 left.
        services.stock_sell(location=store, lines=[Line(cap, 1)], channel=Channel.POS)
        cap_counted = timezone.now()
        services.stock_sell(location=store, lines=[Line(variant, 2)], channel=Channel.POS)
        result = stock_count_record(
            location=store,
            started_at=started,
            lines=[CountedLine(variant, 10), CountedLine(cap, 4, cap_counted)],
            channel=Channel.POS,
        )
        variances = {line.variant.sku: line.variance for line in result.lines.all()}
        assert variances == {"TEE-M": 0, "CAP": 0}
        assert not StockMovement.objects.filter(kind="adjustment").exists()

    def test_movements_before_the_count_started_are_in_the_record(self, store, variant, ten):
        services.stock_sell(location=store, lines=[Line(variant, 3)], channel=Channel.POS)
        [line] = count(store, (variant, 7), started_at=timezone.now()).lines.all()
        assert (line.expected, line.variance) == (7, 0)


class TestReservedUnits:
    def test_a_shortfall_on_held_units_is_left_reserved_as_a_pick_problem(
        self, store, variant, ten
    ):
        [reservation] = hold(store, variant, 6)
        [line] = count(store, (variant, 2)).lines.all()
        assert (line.variance, line.adjusted, line.reserved_shortfall) == (-8, -4, 4)
        assert on_hand(store, variant) == (6, 6)
        reservation.refresh_from_db()
        assert reservation.state == Reservation.State.ACTIVE

    def test_lapsed_holds_promise_nothing(self, store, variant, ten):
        hold(store, variant, 6, expires_at=timezone.now() - timedelta(minutes=1))
        [line] = count(store, (variant, 2)).lines.all()
        assert (line.adjusted, line.reserved_shortfall) == (-8, 0)
        assert on_hand(store, variant) == (2, 0)

    def test_from_the_accuracy_selector_the_desk_sees_the_pick_problem(self, store, variant, ten):
        from inventory.accuracy import pick_problems

        hold(store, variant, 6)
        count(store, (variant, 5))
        [problem] = pick_problems(location=store)
        assert (problem.variant.sku, problem.reserved_shortfall) == ("TEE-M", 1)


class TestInput:
    def test_the_same_sku_twice_is_refused(self, store, variant, ten):
        with pytest.raises(InvalidInput):
            count(store, (variant, 1), (variant, 2))
        assert not StockCount.objects.exists()

    @pytest.mark.parametrize("counted", [-1, 1.5, "3", True, 10**9])
    def test_bad_counted_quantities(self, store, variant, counted):
        with pytest.raises(InvalidQuantity):
            count(store, (variant, counted))

    def test_a_start_in_the_future_or_long_ago(self, store, variant):
        with pytest.raises(InvalidInput):
            count(store, (variant, 1), started_at=timezone.now() + timedelta(hours=1))
        with pytest.raises(InvalidInput):
            count(store, (variant, 1), started_at=timezone.now() - timedelta(days=2))

    def test_nothing_counted(self, store):
        with pytest.raises(InvalidInput):
            count(store)
