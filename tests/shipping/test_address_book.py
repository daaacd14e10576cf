"""/api/me/addresses/: CRUD, postal codes checked per country, defaults, and another
shopper's address is a 404."""

import json

import pytest

from shop.customers.models import Address
from shop.customers.services import customer_for_user
from tests import factories
from tests.conftest import auth

pytestmark = pytest.mark.django_db
URL = "/api/me/addresses/"
HOME = {"name": "Ann Example", "line1": "1 Rue de la Paix", "postcode": "75002", "city": "Paris"}


def post(client, body):
    return client.post(URL, json.dumps(body), content_type="application/json")


@pytest.fixture
def ann(api):
    return auth(api, factories.UserFactory(username="ann", email="ann@example.com"))


def test_create_list_update_delete(ann):
    first = post(ann, {**HOME, "country": "fr"})
    assert first.status_code == 201, first.json()
    assert first.json()["country"] == "FR"
    assert first.json()["is_default_shipping"]
    assert first.json()["is_default_billing"]
    second = post(
        ann,
        {
            **HOME,
            "line1": "2 Rue X",
            "country": "BE",
            "postcode": "1000",
            "is_default_shipping": True,
        },
    )
    assert second.status_code == 201
    listed = ann.get(URL).json()
    assert [a["id"] for a in listed] == [second.json()["id"], first.json()["id"]]
    assert [a["is_default_shipping"] for a in listed] == [True, False]
    url = f"{URL}{first.json()['id']}/"
    patched = ann.patch(
        url, json.dumps({"city": "Lyon", "postcode": "69001"}), content_type="application/json"
    )
    assert patched.status_code == 200
    assert (patched.json()["city"], patched.json()["postcode"]) == ("Lyon", "69001")
    assert ann.delete(f"{URL}{second.json()['id']}/").status_code == 204
    assert ann.get(url).json()["is_default_shipping"] is True  # the default passed over


@pytest.mark.parametrize(
    ("country", "postcode", "ok"),
    [
        ("FR", "7500", False),
        ("FR", "75002", True),
        ("GB", "SW1A 1AA", True),
        ("GB", "12345", False),
        ("DE", "1011", False),
        ("US", "10001", True),
        ("ZZ", "1", False),
    ],
)
def test_postcode_checked_per_country(ann, country, postcode, ok):
    response = post(ann, {**HOME, "country": country, "postcode": postcode})
    assert (response.status_code == 201) is ok, response.json()
    if not ok:
        assert response.json()["error"]["details"][0] in {"postcode", "country"}


def test_another_shoppers_address_is_a_404(ann, api):
    bob = factories.UserFactory(username="bob", email="bob@example.com")
    theirs = Address.objects.create(customer=customer_for_user(bob), country="FR", **HOME)
    url = f"{URL}{theirs.pk}/"
    assert ann.get(url).status_code == 404
    assert (
        ann.patch(url, json.dumps({"city": "X"}), content_type="application/json").status_code
        == 404
    )
    assert ann.delete(url).status_code == 404
    assert ann.get(URL).json() == []
    assert Address.objects.get(pk=theirs.pk).city == "Paris"


def test_anonymous_is_401(client):
    assert client.get(URL).status_code in (401, 403)


def test_list_queries_stay_flat(ann, django_assert_max_num_queries):
    for count in (1, 15):
        while Address.objects.count() < count:
            post(ann, {**HOME, "country": "FR"})
        with django_assert_max_num_queries(6):
            assert len(ann.get(URL).json()) == count
