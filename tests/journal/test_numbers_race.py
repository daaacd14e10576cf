"""Receipt numbers under concurrent sales (real PostgreSQL row locks, committed transactions):
every sale that commits gets the next number, a sale that fails gets none, no gaps."""

import pytest

from shop.journal.models import JournalEntry
from shop.journal.verify import journal_verify
from tests import factories
from tests.journal.support import stocked_variant
from tests.shop.order_support import collect_order, run_at_once, till_sale

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SALES = 8


def test_concurrent_sales_are_numbered_without_gaps():
    store = factories.LocationFactory(code="race", name="Race Store", click_and_collect=True)
    clerk = factories.clerk(store=store)
    plenty = stocked_variant(store, sku="PLENTY", units=100)
    # Three units for eight sales of one: five fail on stock and must not burn a number.
    scarce = stocked_variant(store, sku="SCARCE", units=3)

    def sale(n: int):
        def job():
            return till_sale(store, clerk, [(plenty, 1), (scarce, 1)] if n % 2 else [(scarce, 1)])

        return job

    def web(n: int):
        return lambda: collect_order(
            store, [(plenty, 1)], email=f"w{n}@example.com", payment="card"
        )

    results = run_at_once([sale(n) for n in range(SALES)] + [web(n) for n in range(4)])

    assert not [r for kind, r in results if kind == "error"], results
    sold = [r for kind, r in results[:SALES] if kind == "ok"]
    assert len(sold) == 3
    till = JournalEntry.objects.filter(chain__key="race").order_by("sequence")
    assert [e.number for e in till] == ["T-RACE-000001", "T-RACE-000002", "T-RACE-000003"]
    assert {e.order_id for e in till} == {o.pk for o in sold}
    web_numbers = list(
        JournalEntry.objects.filter(chain__key="web")
        .order_by("sequence")
        .values_list("sequence", flat=True)
    )
    assert web_numbers == [1, 2, 3, 4]
    assert journal_verify().ok
