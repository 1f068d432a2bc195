"""When the events of a LINE webhook could not be stored, the answer must not be 2xx: LINE
only redelivers what got an error. Here the process is shutting down (the inbox writer is
closed) when LINE posts; the redelivery after the restart is then stored and answered once."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.channels.line.conftest import LineClient, body_of, text_event
from tests.conftest import count


def test_events_that_were_not_stored_get_an_error_and_the_redelivery_is_handled(
    line_app, line_api, engine
):
    event = text_event("U7000", "ヘルプ", reply_token="tok-first")
    with TestClient(line_app) as client:
        line = LineClient(client)
        line.call(line.runtime.inbox.writer.close)  # shutting down: nothing can be stored now
        response = line.post(body_of(event))
        assert not 200 <= response.status_code < 300, response.status_code
        assert response.status_code >= 500
        assert count(engine, "inbox_event") == 0
        assert count(engine, "processed_event") == 0
    assert line_api.calls("reply") == []

    redelivered = {**event, "deliveryContext": {"isRedelivery": True}, "replyToken": "tok-again"}
    with TestClient(line_app) as client:  # the restarted process
        line = LineClient(client)
        assert line.send(redelivered).status_code == 200
    assert count(engine, "processed_event") == 1
    assert len(line_api.calls("reply")) == 1
