"""Verifying the journal: intact chains pass; an order altered in SQL, an entry altered in SQL
or a missing entry is named, by the API and the command."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from shop.journal.models import JournalEntry
from shop.journal.verify import journal_verify
from tests.conftest import auth
from tests.journal.support import stocked_variant
from tests.shop.order_support import collect_order, till_sale

VERIFY = "/api/sales-journal/verify/"


@pytest.fixture
def tee(store):
    return stocked_variant(store, sku="TEE-M", price="19.90", units=500)


@pytest.fixture
def sales(store, clerk, tee):
    """Three till sales and one web order."""
    orders = [till_sale(store, clerk, [(tee, n)]) for n in (1, 2, 3)]
    collect_order(store, [(tee, 1)])
    return orders


def sql(statement: str, *params) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_an_intact_journal_verifies(api, manager, sales):
    body = auth(api, manager).get(VERIFY).json()
    assert body == {
        "ok": True,
        "entries": 4,
        "first_broken": None,
        "closings": 0,
        "first_broken_closing": None,
    }
    out = []
    call_command("verify_sales_journal", stdout=type("W", (), {"write": out.append})())
    assert "4 entries and 0 closings, all intact" in out[0]


def test_an_order_total_altered_in_sql_is_found(api, manager, sales):
    sql("UPDATE orders_order SET total = total - 1 WHERE id = %s", sales[1].pk)
    entry = JournalEntry.objects.get(order=sales[1])

    body = auth(api, manager).get(VERIFY).json()

    assert body["ok"] is False
    assert body["first_broken"]["id"] == entry.pk
    assert body["first_broken"]["number"] == "T-ST1-000002"
    assert "total" in body["first_broken"]["reason"]
    with pytest.raises(CommandError, match="T-ST1-000002"):
        call_command("verify_sales_journal")


def test_an_order_line_altered_in_sql_is_found(sales):
    sql("UPDATE orders_orderline SET tax_amount = 0 WHERE order_id = %s", sales[2].pk)
    assert journal_verify().first_broken.entry.order == sales[2]


def test_an_entry_altered_in_sql_is_found(sales):
    entry = JournalEntry.objects.get(order=sales[0])
    # What someone with database access (and the trigger dropped) could do.
    if connection.vendor == "postgresql":
        change = "jsonb_set(content::jsonb, '{total}', '\"1.00\"')"
    else:
        change = "json_set(content, '$.total', '1.00')"
    sql(f"UPDATE journal_journalentry SET content = {change} WHERE id = %s", entry.pk)
    broken = journal_verify().first_broken
    assert broken.entry == entry
    assert "hash" in broken.reason


def test_a_deleted_entry_is_found(sales):
    entry = JournalEntry.objects.get(order=sales[1])
    sql("DELETE FROM journal_journalentry WHERE id = %s", entry.pk)
    broken = journal_verify().first_broken
    assert broken.entry.number == "T-ST1-000003"
    assert broken.reason == "number 2 is missing"


def test_only_managers_verify(api, clerk, sales):
    assert auth(api, clerk).get(VERIFY).status_code == 403


def test_a_bad_date_is_a_400(api, manager):
    response = auth(api, manager).get(VERIFY, {"from": "yesterday"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


@pytest.mark.parametrize("count", [3, 30])
def test_verification_reads_a_fixed_number_of_queries(
    count, api, manager, store, clerk, tee, django_assert_max_num_queries
):
    for _ in range(count):
        till_sale(store, clerk, [(tee, 1)])
        collect_order(store, [(tee, 1)], payment="card")
    auth(api, manager)
    with django_assert_max_num_queries(14):
        body = api.get(VERIFY).json()
    assert body["entries"] == 2 * count
    assert body["ok"]
