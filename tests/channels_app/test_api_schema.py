import pytest

# Every path of the contract this part of the API implements, with the methods it offers.
ENDPOINTS = {
    "/api/auth/token/": {"post"},
    "/api/locations/": {"get", "post"},
    "/api/availability/": {"get"},
    "/api/inventory/receipts/": {"post"},
    "/api/inventory/adjustments/": {"post"},
    "/api/inventory/transfers/": {"post"},
    "/api/inventory/movements/": {"get"},
    "/api/products/": {"get", "post"},
    "/api/products/{slug}/": {"get"},
    "/api/variants/{code}/": {"get"},
    "/api/staff/": {"post"},
    "/api/tickets/": {"get", "post"},
    "/api/tickets/{number}/": {"get"},
    "/api/tickets/{number}/messages/": {"post"},
    "/api/tickets/{number}/status/": {"post"},
    "/api/inbound-email/": {"post"},
    "/api/customers/{customer_id}/": {"get"},
    "/api/customers/{customer_id}/timeline/": {"get"},
    "/api/me/timeline/": {"get"},
    "/api/customers/merge/": {"post"},
}
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture
def schema(api, db):
    response = api.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200, response.content
    return response.json()


def test_schema_is_an_openapi_3_document(schema):
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Omnistore API"


@pytest.mark.parametrize("path", sorted(ENDPOINTS))
def test_schema_describes_every_endpoint(schema, path):
    assert path in schema["paths"]
    assert set(schema["paths"][path]) & HTTP_METHODS == ENDPOINTS[path]


def test_transfer_input_uses_the_contract_field_names(schema):
    body = schema["paths"]["/api/inventory/transfers/"]["post"]["requestBody"]
    ref = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert {"from", "to", "lines"} <= set(schema["components"]["schemas"][ref]["properties"])


def test_merge_input_uses_the_contract_field_names(schema):
    body = schema["paths"]["/api/customers/merge/"]["post"]["requestBody"]
    ref = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert set(schema["components"]["schemas"][ref]["properties"]) == {"into", "from"}


def test_availability_takes_repeated_sku(schema):
    parameters = schema["paths"]["/api/availability/"]["get"]["parameters"]
    [sku] = [p for p in parameters if p["name"] == "sku"]
    assert sku["required"] is True
    assert sku["schema"]["type"] == "array"


def test_schema_is_served_as_yaml_by_default(api, db):
    response = api.get("/api/schema/")

    assert response.status_code == 200
    assert response.content.startswith(b"openapi: 3.")


def test_docs_page_renders(api, db):
    response = api.get("/api/docs/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "/api/schema/" in html


def test_inbound_email_takes_a_raw_message(schema):
    body = schema["paths"]["/api/inbound-email/"]["post"]["requestBody"]
    assert set(body["content"]) == {"message/rfc822"}
