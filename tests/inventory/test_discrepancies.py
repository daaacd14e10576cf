"""A sale that already happened (an offline till) takes what the store can give; the rest is a
stock discrepancy, never negative stock and never a collector's unit."""

import pytest
from django.db.models import Sum

from inventory import services
from inventory.discrepancies import stock_discrepancy_resolve, stock_sell_recorded
from inventory.errors import DiscrepancyResolved, InsufficientStock
from inventory.models import StockDiscrepancy, StockMovement
from shop.channels import Channel
from shop.errors import InvalidInput
from tests import factories
from tests.channels_app.support import receive, reserve, stock_row

pytestmark = pytest.mark.django_db
Line = services.StockLine


def ledger_sum(location, variant) -> int:
    movements = StockMovement.objects.filter(location=location, variant=variant)
    return movements.aggregate(total=Sum("quantity"))["total"] or 0


def sell(store, *lines):
    return stock_sell_recorded(
        location=store, lines=[Line(v, q) for v, q in lines], channel=Channel.POS, reference="r"
    )


def test_a_sale_within_stock_takes_it_all_and_leaves_no_discrepancy(store, variant):
    receive(store, variant, 3)
    result = sell(store, (variant, 2))
    assert [m.quantity for m in result.movements] == [-2]
    assert result.discrepancies == []
    assert stock_row(store, variant) == (1, 0)


def test_a_shortfall_takes_the_free_units_and_records_the_rest(store, variant):
    receive(store, variant, 3)
    reserve(store, variant, 1)  # a collector's unit
    mug = factories.VariantFactory(sku="MUG")
    result = sell(store, (variant, 5), (mug, 1))
    # Two were free: taken. The reserved one stays; the mug was never stocked here.
    assert stock_row(store, variant) == (1, 1)
    assert stock_row(store, mug) == (0, 0)
    assert ledger_sum(store, variant) == 1
    found = {(d.variant.sku, d.quantity, d.requested, d.available) for d in result.discrepancies}
    assert found == {("TEE-M", 3, 5, 2), ("MUG", 1, 1, 0)}
    assert StockDiscrepancy.objects.filter(status="open").count() == 2


def test_count_resolution_counts_the_units_in_and_sells_them(store, variant, manager):
    receive(store, variant, 1)
    reserve(store, variant, 1)
    [discrepancy] = sell(store, (variant, 1)).discrepancies
    stock_discrepancy_resolve(discrepancy=discrepancy, resolution="count", user=manager)
    discrepancy.refresh_from_db()
    assert (discrepancy.status, discrepancy.resolution) == ("resolved", "count")
    assert discrepancy.resolved_by == manager
    assert stock_row(store, variant) == (1, 1)  # counted in and sold: the collector's unit stays
    kinds = list(
        StockMovement.objects.filter(variant=variant).order_by("id").values_list("kind", "quantity")
    )
    assert kinds[-2:] == [("adjustment", 1), ("sale", -1)]
    assert ledger_sum(store, variant) == 1


def test_transfer_resolution_brings_units_from_another_location(store, other_store, variant):
    receive(store, variant, 1)
    reserve(store, variant, 1)
    receive(other_store, variant, 4)
    [discrepancy] = sell(store, (variant, 2)).discrepancies
    stock_discrepancy_resolve(discrepancy=discrepancy, resolution="transfer", source=other_store)
    assert stock_row(store, variant) == (1, 1)
    assert stock_row(other_store, variant) == (2, 0)
    assert ledger_sum(store, variant) == 1
    assert ledger_sum(other_store, variant) == 2


def test_a_transfer_needs_units_at_its_source(store, other_store, variant):
    [discrepancy] = sell(store, (variant, 1)).discrepancies
    with pytest.raises(InsufficientStock):
        stock_discrepancy_resolve(
            discrepancy=discrepancy, resolution="transfer", source=other_store
        )
    discrepancy.refresh_from_db()
    assert discrepancy.status == "open"  # nothing happened


def test_write_off_changes_no_stock_and_a_second_resolve_is_refused(store, variant):
    [discrepancy] = sell(store, (variant, 1)).discrepancies
    before = StockMovement.objects.count()
    stock_discrepancy_resolve(discrepancy=discrepancy, resolution="write_off", note="lost")
    assert StockMovement.objects.count() == before
    with pytest.raises(DiscrepancyResolved):
        stock_discrepancy_resolve(discrepancy=discrepancy, resolution="count")


@pytest.mark.parametrize(("resolution", "source"), [("guess", None), ("transfer", None)])
def test_bad_resolutions_are_refused(store, variant, resolution, source):
    [discrepancy] = sell(store, (variant, 1)).discrepancies
    with pytest.raises(InvalidInput):
        stock_discrepancy_resolve(discrepancy=discrepancy, resolution=resolution, source=source)


def test_a_manager_resolves_discrepancies_in_the_admin(store, other_store, variant, manager):
    from django.urls import reverse

    from tests.conftest import admin_client

    receive(other_store, variant, 2)
    [discrepancy] = sell(store, (variant, 2)).discrepancies
    client = admin_client(manager)
    url = reverse("admin:inventory_stockdiscrepancy_changelist")
    listing = client.get(url)
    assert listing.status_code == 200
    assert "TEE-M" in listing.content.decode()
    chosen = {"action": "resolve", "_selected_action": [discrepancy.pk]}
    form = client.post(url, chosen)
    assert form.status_code == 200
    assert "Resolve discrepancies" in form.content.decode()
    done = client.post(
        url, {**chosen, "apply": "1", "resolution": "transfer", "source": other_store.pk}
    )
    assert done.status_code == 302
    discrepancy.refresh_from_db()
    assert (discrepancy.status, discrepancy.resolved_by) == ("resolved", manager)
    assert stock_row(other_store, variant) == (0, 0)
    assert stock_row(store, variant) == (0, 0)
