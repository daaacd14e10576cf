"""Closings: each complete day, month and fiscal year of a chain closed once, with the sums of
its entries by VAT rate and by tender, cumulative totals, and chained hashes; the archive."""

import io
import json
import subprocess
import sys
import zipfile
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection

from shop.catalog.taxes import TaxClass
from shop.journal.archive import archive_build
from shop.journal.closings import sales_periods_close
from shop.journal.hashing import chain_hash
from shop.journal.models import Closing, JournalEntry
from shop.journal.offline_verify import verify
from shop.journal.verify import journal_verify
from tests.channels_app.support import open_till
from tests.conftest import auth
from tests.journal.support import give_back, stocked_variant
from tests.shop.order_support import till_sale

PARIS = ZoneInfo("Europe/Paris")
D = Decimal


def at(*args):
    return time_machine.travel(datetime(*args, tzinfo=PARIS), tick=False)


@pytest.fixture
def sold(store, clerk):
    """Sales at st1 on 30 and 31 October and 2 November 2026, one returned."""
    tee = stocked_variant(store, sku="TEE-M", price="19.90")
    book = stocked_variant(store, sku="BOOK-1", price="21.10", tax_class=TaxClass.REDUCED)
    open_till(store)
    with at(2026, 10, 30, 10):
        till_sale(store, clerk, [(tee, 1)])
        till_sale(store, clerk, [(book, 2)], method="cash", tendered="50.00")
    with at(2026, 10, 31, 23, 30):  # late evening: the 31st in the shop's time zone
        sale = till_sale(store, clerk, [(tee, 2), (book, 1)])
    with at(2026, 11, 2, 9):
        give_back(sale, store, "TEE-M", 1, user=clerk)
    return sale


def test_each_complete_period_is_closed_once_with_the_sums_of_its_entries(sold):
    with at(2026, 11, 3, 0, 5):
        made = sales_periods_close()
        again = sales_periods_close()
    assert again == []
    assert sorted((c.period, str(c.period_start)) for c in made) == [
        ("day", "2026-10-30"),
        ("day", "2026-10-31"),
        ("day", "2026-11-02"),
        ("month", "2026-10-01"),
    ]  # November and the fiscal year 2026 are not over yet
    october = Closing.objects.get(period="month")
    entries = JournalEntry.objects.filter(created_at__lt=datetime(2026, 11, 1, tzinfo=PARIS))
    assert D(october.content["totals"]["total"]) == sum(e.total for e in entries)
    assert october.content["totals"]["count"] == 3
    assert october.content["totals"]["tax_lines"] == [
        {"rate": "5.50", "net": "60.00", "tax": "3.30", "gross": "63.30"},
        {"rate": "20.00", "net": "49.75", "tax": "9.95", "gross": "59.70"},
    ]
    assert october.content["totals"]["tenders"] == [
        {"method": "card", "amount": "80.80"},
        {"method": "cash", "amount": "42.20"},
    ]
    day_totals = [
        D(c.content["totals"]["total"])
        for c in Closing.objects.filter(period="day", period_start__month=10)
    ]
    assert sum(day_totals) == D(october.content["totals"]["total"])
    last_day = Closing.objects.get(period="day", period_start=date(2026, 11, 2))
    assert last_day.content["totals"]["total"] == "-19.90"
    assert last_day.content["totals"]["by_kind"] == {"return": "-19.90"}
    # Cumulative: everything since the chain began.
    assert last_day.content["cumulative"]["total"] == "103.10"


def test_closings_are_chained_and_an_altered_one_is_found(sold):
    with at(2026, 11, 3, 0, 5):
        sales_periods_close()
    closings = list(Closing.objects.order_by("created_at", "id"))
    previous = ""
    for closing in closings:
        assert closing.previous_hash == previous
        assert closing.hash == chain_hash(previous, closing.content)
        previous = closing.hash
    result = journal_verify()
    assert (result.ok, result.closings) == (True, 4)

    october = Closing.objects.get(period="month")
    with connection.cursor() as cursor:  # the trigger is not installed in tests (no migrations)
        cursor.execute(
            "UPDATE journal_closing SET period_end = period_end, content = %s WHERE id = %s",
            [json.dumps({**october.content, "totals": {}}), october.pk],
        )
    result = journal_verify()
    assert not result.ok
    assert result.broken_closing[0] == october
    assert "hash" in result.broken_closing[1]


def test_the_command_and_the_api(api, manager, sold):
    with at(2026, 11, 3, 0, 5):
        out = io.StringIO()
        call_command("close_sales_period", stdout=out)
    assert "4 closing(s) made" in out.getvalue()
    body = auth(api, manager).get("/api/closings/", {"store": "st1", "period": "month"}).json()
    [october] = body
    assert (october["store"], october["start"], october["end"]) == (
        "st1",
        "2026-10-01",
        "2026-10-31",
    )
    assert october["totals"]["total"] == "123.00"


@pytest.mark.parametrize("months", [1, 4])
def test_the_closings_list_reads_a_fixed_number_of_queries(
    months, api, manager, store, clerk, django_assert_max_num_queries
):
    tee = stocked_variant(store, sku="TEE-M", price="19.90")
    for month in range(1, months + 1):
        with at(2026, month, 10, 12):
            till_sale(store, clerk, [(tee, 1)])
    with at(2026, 12, 1, 1):
        sales_periods_close()
    auth(api, manager)
    with django_assert_max_num_queries(4):
        assert len(api.get("/api/closings/").json()) == 2 * months


def test_the_archive_verifies_offline_and_a_change_is_found(tmp_path, sold, settings):
    settings.SALES_JOURNAL_SIGNING_KEY = "archive-key"
    with at(2026, 11, 3, 0, 5):
        sales_periods_close()
        call_command(
            "export_sales_journal", "--period", "2026-10", "--output", str(tmp_path / "oct.zip")
        )
    path = tmp_path / "oct.zip"
    assert verify(str(path), "archive-key") == []
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        entries = json.loads(archive.read("entries.json"))
    assert names == {"entries.json", "closings.json", "verify.py", "manifest.json", "manifest.sig"}
    assert [e["content"]["number"] for e in entries] == [
        "T-ST1-000001",
        "T-ST1-000002",
        "T-ST1-000003",
    ]
    assert verify(str(path), "another-key") != []

    # An entry changed inside the archive, its file hash fixed up: the signature fails.
    entries[1]["content"]["total"] = "0.00"
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(tampered, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "entries.json":
                data = json.dumps(entries).encode()
            target.writestr(name, data)
    assert verify(str(tampered), "archive-key") == ["entries.json was altered after export"]
    assert archive_build(month=date(2026, 10, 1))  # also in memory


def test_the_archive_verifies_with_its_own_script_and_the_command(tmp_path, sold, settings):
    settings.SALES_JOURNAL_SIGNING_KEY = "archive-key"
    path = tmp_path / "oct.zip"
    with at(2026, 11, 3, 0, 5):
        sales_periods_close()
        call_command("export_sales_journal", "--period", "2026-10", "--output", str(path))
    with zipfile.ZipFile(path) as archive:
        archive.extract("verify.py", tmp_path)
    # Offline: a bare Python, no Django, no database.
    run = subprocess.run(
        [sys.executable, "-I", str(tmp_path / "verify.py"), str(path), "archive-key"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "verifies" in run.stdout
    out = io.StringIO()
    call_command("verify_sales_journal", "--archive", str(path), stdout=out)
    assert "verifies" in out.getvalue()
    with pytest.raises(CommandError, match="signature"):
        call_command("verify_sales_journal", "--archive", str(path), "--key", "wrong")
