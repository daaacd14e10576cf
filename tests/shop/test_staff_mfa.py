"""Staff two-factor authentication: back-office users enrol an authenticator app before the
back office opens; its sign-in is allauth's, which then asks for a code."""

import html

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client

from tests import factories
from tests.conftest import admin_client

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's password
ENROL = "/accounts/2fa/totp/activate/"
AUTHENTICATE = "/accounts/2fa/authenticate/"


def signed_in(user) -> Client:
    """A session as `force_login` makes it: signed in, no authenticator asked for."""
    client = Client()
    client.force_login(user)
    return client


def sign_in(client: Client, user, next_url: str = "/admin/"):
    """Through allauth's sign-in page, as a person does."""
    return client.post(
        f"/accounts/login/?next={next_url}", {"login": user.username, "password": PASSWORD}
    )


def open_enrolment(client: Client):
    """The enrolment page: allauth first asks the signed-in user for the password again."""
    response = client.get(ENROL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/")
    confirmed = client.post(response["Location"], {"password": PASSWORD})
    assert confirmed["Location"] == ENROL
    return client.get(ENROL)


def enrol(client: Client):
    page = open_enrolment(client)
    return client.post(ENROL, {"code": factories.totp_code(page.context["form"].secret)})


class TestEnrolmentRule:
    @pytest.mark.parametrize("path", ["/admin/", "/admin/orders/order/", "/manage/"])
    def test_a_manager_without_an_authenticator_is_sent_to_enrol(self, manager, path):
        client = signed_in(manager)

        response = client.get(path)

        assert response.status_code == 302
        assert response["Location"] == ENROL
        page = html.unescape(client.get(ENROL, follow=True).content.decode())
        assert "The back office needs two-factor authentication" in page

    def test_a_superuser_too(self, superuser):
        assert signed_in(superuser).get("/admin/")["Location"] == ENROL

    def test_with_an_authenticator_the_admin_opens(self, manager):
        factories.with_totp(manager)

        assert signed_in(manager).get("/admin/").status_code == 200

    def test_other_pages_are_not_held_back(self, manager, store):
        client = signed_in(manager)

        assert client.get("/api/docs/").status_code == 200
        assert client.get(f"/pos/?store={store.code}").status_code == 200

    def test_clerks_and_shoppers_are_not_made_to_enrol(self, clerk):
        shopper = factories.UserFactory(username="shopper")
        assert signed_in(clerk).get("/pos/").status_code == 200
        response = signed_in(shopper).get("/admin/")
        assert response.status_code == 302
        assert response["Location"] != ENROL  # not staff: refused by the admin, not sent on

    def test_the_paths_come_from_settings(self, manager, store, settings):
        settings.MFA_REQUIRED_PATHS = ["/pos/"]
        client = signed_in(manager)

        assert client.get("/pos/")["Location"] == ENROL
        assert client.get("/admin/").status_code == 200


class TestAdminSignIn:
    def test_the_admin_sign_in_is_allauths(self, client, db):
        response = client.get("/admin/login/?next=/admin/")

        assert response.status_code == 302
        assert response["Location"] == "/accounts/login/?next=%2Fadmin%2F"

    def test_a_manager_with_an_authenticator_is_asked_for_a_code(self, client, manager):
        factories.with_totp(manager)

        response = sign_in(client, manager)

        assert response["Location"] == AUTHENTICATE
        assert "_auth_user_id" not in client.session
        wrong = client.post(AUTHENTICATE, {"code": "000000"})
        assert wrong.status_code == 200
        assert "Incorrect code" in wrong.content.decode()
        response = client.post(AUTHENTICATE, {"code": factories.totp_code()})
        assert response["Location"] == "/admin/"
        assert client.get("/admin/").status_code == 200

    def test_a_manager_without_one_enrols_after_signing_in(self, client, manager):
        response = sign_in(client, manager)
        assert response["Location"] == "/admin/"
        assert client.get("/admin/")["Location"] == ENROL

        response = enrol(client)

        assert response.status_code == 302
        assert Authenticator.objects.filter(user=manager, type="totp").exists()
        codes = client.get(response["Location"])
        assert "Continue to the back office" in codes.content.decode()
        assert client.get("/admin/").status_code == 200

    def test_a_clerk_may_enrol(self, client, clerk):
        sign_in(client, clerk, "/pos/")

        enrol(client)

        assert Authenticator.objects.filter(user=clerk, type="totp").exists()


class TestPages:
    """allauth's two-factor pages in the shop's layout."""

    @pytest.fixture
    def enrolled(self, client, manager):
        sign_in(client, manager)
        enrol(client)
        return client

    def test_enrolment_page(self, client, manager):
        sign_in(client, manager)

        page = open_enrolment(client).content.decode()

        assert 'class="site-header"' in page
        assert 'class="auth-form"' in page
        assert 'class="totp-qr"' in page
        assert 'class="button button-primary"' in page

    @pytest.mark.parametrize(
        "path",
        ["/accounts/2fa/", "/accounts/2fa/recovery-codes/", "/accounts/2fa/totp/deactivate/"],
    )
    def test_management_pages(self, enrolled, path):
        response = enrolled.get(path)

        assert response.status_code == 200
        page = response.content.decode()
        assert 'class="site-header"' in page
        assert "auth-page" in page

    def test_the_code_page(self, client, manager):
        factories.with_totp(manager)
        sign_in(client, manager)

        page = client.get(AUTHENTICATE).content.decode()

        assert 'class="site-header"' in page
        assert 'class="auth-form"' in page


def test_admin_client_enrols_the_user(manager):
    assert admin_client(manager).get("/admin/").status_code == 200
