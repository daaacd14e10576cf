"""Counts sent by a till after the fact: each line carries the time its SKU was first scanned
(`counted_at`), sales that reached the server between the scan and the count's arrival are not
variances, an offline sale rung up before the scan but sent after it is in the record, the same
count id twice is one count, and a count that arrives too late is refused."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from inventory import services
from inventory.models import StockCount, StockMovement
from shop.channels import Channel
from tests import factories
from tests.channels_app.support import assert_error, receive, stock_row
from tests.conftest import auth

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

COUNTS = "/api/stores/st1/counts/"


def received_an_hour_ago(store, *stock) -> None:
    for variant, quantity in stock:
        receive(store, variant, quantity)
    StockMovement.objects.update(created_at=timezone.now() - timedelta(hours=1))


def line(sku: str, counted: int, counted_at) -> dict:
    return {"sku": sku, "counted": counted, "counted_at": counted_at.isoformat()}


def sell(store, variant, quantity: int, *, at=None) -> None:
    [movement] = services.stock_sell(
        location=store,
        lines=[services.StockLine(variant, quantity)],
        channel=Channel.WEB,
        reference="web",
    )
    if at is not None:  # a sale the server recorded at that moment
        StockMovement.objects.filter(pk=movement.pk).update(created_at=at)


def by_sku(response) -> dict[str, tuple[int, int, int]]:
    assert response.status_code == 201, response.content
    lines = response.json()["lines"]
    return {row["sku"]: (row["expected"], row["counted"], row["variance"]) for row in lines}


def test_each_line_is_compared_with_the_record_at_its_first_scan(api, clerk, store, variant):
    cap = factories.VariantFactory(sku="CAP")
    received_an_hour_ago(store, (variant, 10), (cap, 6))
    now = timezone.now()
    started = now - timedelta(minutes=20)
    # TEE-M scanned 15 minutes ago: 7 on the shelf. A cap sold 10 minutes ago, then the caps
    # scanned 5 minutes ago: 5 on the shelf. Two tees sold since; then the line comes back.
    sell(store, cap, 1, at=now - timedelta(minutes=10))
    sell(store, variant, 2)
    body = {
        "started_at": started.isoformat(),
        "lines": [
            line("TEE-M", 7, now - timedelta(minutes=15)),
            line("CAP", 5, now - timedelta(minutes=5)),
        ],
    }

    response = auth(api, clerk).post(COUNTS, body, format="json", HTTP_IDEMPOTENCY_KEY="c-1")

    assert by_sku(response) == {"TEE-M": (10, 7, -3), "CAP": (5, 5, 0)}
    assert stock_row(store, variant) == (5, 0)  # 10 - 2 sold - 3 missing
    assert stock_row(store, cap) == (5, 0)
    count = StockCount.objects.get()
    assert [row.counted_at for row in count.lines.order_by("variant__sku")] == [
        now - timedelta(minutes=5),
        now - timedelta(minutes=15),
    ]


def test_an_offline_sale_rung_up_before_the_scan_is_in_the_record(api, clerk, store, variant):
    """The till sold two tees offline, then counted the shelf; both reach the server later,
    the sale first: its units left the shelf before the count, so they are no variance."""
    received_an_hour_ago(store, (variant, 10))
    client = auth(api, clerk)
    device = uuid.uuid4()
    assert client.post("/api/pos/devices/", {"uuid": str(device)}, format="json").status_code == 200
    now = timezone.now()
    sale = client.post(
        "/api/pos/sales/",
        {
            "client_sale_id": str(uuid.uuid4()),
            "device": str(device),
            "sequence": 1,
            "created_offline_at": (now - timedelta(minutes=30)).isoformat(),
            "lines": [
                {"sku": "TEE-M", "quantity": 2, "unit_price": "19.90", "line_total": "39.80"}
            ],
            "payment": {"method": "card", "terminal_reference": "T-1"},
        },
        format="json",
    )
    assert sale.status_code == 201, sale.content
    moment = now - timedelta(minutes=20)
    body = {"started_at": moment.isoformat(), "lines": [line("TEE-M", 8, moment)]}

    response = client.post(COUNTS, body, format="json", HTTP_IDEMPOTENCY_KEY="c-2")

    assert by_sku(response) == {"TEE-M": (8, 8, 0)}
    assert stock_row(store, variant) == (8, 0)


def test_a_count_sent_again_after_a_lost_answer_is_one_count(api, clerk, store, variant):
    received_an_hour_ago(store, (variant, 10))
    client = auth(api, clerk)
    moment = timezone.now() - timedelta(minutes=5)
    body = {"started_at": moment.isoformat(), "lines": [line("TEE-M", 6, moment)]}
    key = str(uuid.uuid4())  # the count's id, made on the till
    first = client.post(COUNTS, body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    sell(store, variant, 1)  # the till heard nothing; a sale happens before it sends again

    again = client.post(COUNTS, body, format="json", HTTP_IDEMPOTENCY_KEY=key)

    assert again.status_code == 201
    assert again.json() == first.json()
    assert StockCount.objects.count() == 1
    assert stock_row(store, variant) == (5, 0)  # 10 - 4 missing - 1 sold


def test_a_count_that_arrives_too_late_is_refused(api, clerk, store, variant):
    receive(store, variant, 10)
    client = auth(api, clerk)
    now = timezone.now()
    old = {"started_at": (now - timedelta(hours=25)).isoformat(), "lines": [line("TEE-M", 1, now)]}
    response = client.post(COUNTS, old, format="json", HTTP_IDEMPOTENCY_KEY="late")
    assert_error(response, 400, "invalid")
    assert "more than 24 hours ago" in response.json()["error"]["message"]

    old_line = {
        "started_at": now.isoformat(),
        "lines": [line("TEE-M", 1, now - timedelta(hours=25))],
    }
    response = client.post(COUNTS, old_line, format="json")
    assert_error(response, 400, "invalid")
    assert "counted_at is more than 24 hours ago" in response.json()["error"]["message"]

    future = {"started_at": now.isoformat(), "lines": [line("TEE-M", 1, now + timedelta(hours=1))]}
    assert_error(client.post(COUNTS, future, format="json"), 400, "invalid")
    assert not StockCount.objects.exists()
    assert stock_row(store, variant) == (10, 0)
