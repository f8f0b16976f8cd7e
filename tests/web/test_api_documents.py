"""The API's result answers validate against their typed schemas: the explanation a partner
reads is the stored document, typed, and the OpenAPI document shows its shape."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.conftest import TokenFor
from tierwise.evaluation.documents import Keep, TraceEntry
from tierwise.partners.schemas import DashboardOut
from tierwise.runs.schemas import ResultDetail


def test_the_result_answer_is_a_typed_result_detail(
    client: TestClient, token_for: TokenFor
) -> None:
    reply = client.get(
        "/api/v1/partners/A/programs/buyin-mcn/result", headers=token_for("agency-a")
    )
    assert reply.status_code == 200, reply.text
    answer = reply.json()
    detail = ResultDetail.model_validate(answer)
    assert detail.breakdown and all(isinstance(t, TraceEntry) for t in detail.breakdown)
    # The score reaches V5, the top level: no next level, a margin to keep it.
    assert detail.computed_level == "V5" and detail.next_level is None
    assert isinstance(detail.keep, Keep) and detail.keep.level == "V5"
    # Typed and written again, the answer is the same JSON: absent keys stay absent.
    assert detail.model_dump(mode="json") == answer


def test_every_dashboard_card_is_a_typed_card(client: TestClient, token_for: TokenFor) -> None:
    reply = client.get("/api/v1/partners/A/dashboard", headers=token_for("agency-a"))
    assert reply.status_code == 200, reply.text
    answer = reply.json()
    dashboard = DashboardOut.model_validate(answer)
    published = [c for c in dashboard.cards if c.run_id is not None]
    assert published, "partner A has published results"
    assert all(c.breakdown for c in published)
    assert dashboard.model_dump(mode="json") == answer


def test_the_openapi_document_shows_the_explanation_s_shape(client: TestClient) -> None:
    schemas = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    detail = schemas["ResultDetail"]["properties"]
    assert detail["breakdown"]["items"] == {"$ref": "#/components/schemas/TraceEntry"}
    assert {"$ref": "#/components/schemas/NextLevel"} in detail["next_level"]["anyOf"]
    assert {"$ref": "#/components/schemas/Keep"} in detail["keep"]["anyOf"]
    gap = schemas["Gap"]
    # Only `actions` is always written; the method decides the other measures.
    assert gap["required"] == ["actions"]
    assert set(gap["properties"]) >= {"score", "points", "target", "steps", "components"}
