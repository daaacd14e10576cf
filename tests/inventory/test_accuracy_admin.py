"""The admin's stock accuracy page and count pages."""

import pytest
from django.utils import timezone

from inventory.counts import CountedLine, stock_count_record
from inventory.models import StockCount
from shop.channels import Channel
from tests import factories
from tests.channels_app.support import receive
from tests.conftest import admin_client

pytestmark = pytest.mark.django_db
ACCURACY = "/admin/inventory/stockcount/accuracy/"


def counted(location, variant, found):
    return stock_count_record(
        location=location,
        started_at=timezone.now(),
        lines=[CountedLine(variant, found)],
        channel=Channel.POS,
    )


def test_the_figure_per_location(manager, store, other_store, variant):
    receive(store, variant, 4)
    counted(store, variant, 4)
    counted(store, variant, 3)
    client = admin_client(manager)
    page = client.get(ACCURACY)
    assert page.status_code == 200
    body = page.content.decode()
    assert "50.0 %" in body
    assert "count -1" in body
    assert (
        client.get(
            f"/admin/inventory/stockcount/{StockCount.objects.first().pk}/change/"
        ).status_code
        == 200
    )


def test_clerks_cannot_open_it(client, clerk):
    client.force_login(clerk)
    assert client.get(ACCURACY).status_code in (302, 403)


@pytest.mark.parametrize("stores", [2, 8])
def test_the_page_costs_the_same_at_any_size(
    manager, variant, stores, django_assert_max_num_queries
):
    client = admin_client(manager)
    client.get(ACCURACY)  # what a process loads once
    for n in range(stores):
        location = factories.LocationFactory(code=f"acc{n}")
        receive(location, variant, 2)
        counted(location, variant, 1)
        counted(location, variant, 1)
    with django_assert_max_num_queries(12):
        assert client.get(ACCURACY).status_code == 200
