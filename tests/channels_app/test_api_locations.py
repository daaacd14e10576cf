import pytest

from inventory.models import Location
from tests import factories
from tests.channels_app.support import assert_error
from tests.conftest import auth

URL = "/api/locations/"
NEW = {
    "code": "st3",
    "name": "Store Three",
    "kind": "store",
    "click_and_collect": True,
    "ships_online": False,
}


class TestList:
    def test_anyone_may_list_active_locations(self, api, warehouse, store, other_store):
        factories.LocationFactory(code="closed", name="Closed", is_active=False)

        response = api.get(URL)

        assert response.status_code == 200
        assert response.json() == [
            {
                "code": "st1",
                "name": "Store One",
                "kind": "store",
                "click_and_collect": True,
                "ships_online": False,
            },
            {
                "code": "st2",
                "name": "Store Two",
                "kind": "store",
                "click_and_collect": True,
                "ships_online": False,
            },
            {
                "code": "wh",
                "name": "Warehouse",
                "kind": "warehouse",
                "click_and_collect": False,
                "ships_online": True,
            },
        ]

    def test_empty_list(self, api, db):
        response = api.get(URL)

        assert response.status_code == 200
        assert response.json() == []


class TestCreate:
    def test_manager_creates_a_location(self, api, manager):
        response = auth(api, manager).post(URL, NEW, format="json")

        assert response.status_code == 201, response.content
        assert response.json() == NEW
        created = Location.objects.get(code="st3")
        assert (created.name, created.kind, created.click_and_collect, created.ships_online) == (
            "Store Three",
            "store",
            True,
            False,
        )

    def test_created_location_is_listed(self, api, manager):
        auth(api, manager).post(URL, {**NEW, "kind": "warehouse", "ships_online": True})

        assert [loc["code"] for loc in api.get(URL).json()] == ["st3"]

    def test_superuser_counts_as_manager(self, api, db):
        admin = factories.UserFactory(username="root", is_staff=True, is_superuser=True)

        response = auth(api, admin).post(URL, NEW, format="json")

        assert response.status_code == 201, response.content

    def test_clerk_is_forbidden(self, api, clerk):
        response = auth(api, clerk).post(URL, NEW, format="json")

        assert_error(response, 403, "permission_denied")
        assert not Location.objects.filter(code="st3").exists()

    def test_shopper_is_forbidden(self, api, shopper):
        response = auth(api, shopper).post(URL, NEW, format="json")

        assert_error(response, 403, "permission_denied")
        assert not Location.objects.filter(code="st3").exists()

    def test_anonymous_is_not_authenticated(self, api, db):
        response = api.post(URL, NEW, format="json")

        assert_error(response, 401, "not_authenticated")
        assert not Location.objects.filter(code="st3").exists()

    @pytest.mark.parametrize(
        "change",
        [{"kind": "kiosk"}, {"code": ""}, {"code": "has space"}, {"name": ""}],
        ids=["bad-kind", "blank-code", "bad-code", "blank-name"],
    )
    def test_invalid_fields_are_a_400(self, api, manager, change):
        response = auth(api, manager).post(URL, {**NEW, **change}, format="json")

        error = assert_error(response, 400, "invalid")
        assert set(error["details"][0]) == set(change)
        assert Location.objects.count() == 0

    def test_taken_code_is_refused(self, api, manager, store):
        response = auth(api, manager).post(URL, {**NEW, "code": store.code}, format="json")

        assert response.status_code in (400, 409)
        assert response.json()["error"]["code"]
        assert Location.objects.get(code=store.code).name == "Store One"
