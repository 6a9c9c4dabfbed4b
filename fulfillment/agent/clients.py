"""Google's official API clients (Dialogflow ES and CX) for the command line, one way.

Against Google: TLS to `host` (None: the library's default). Against a local test server
(the tests' stand-ins for Dialogflow): a plain-text channel and no credentials.
"""

from __future__ import annotations

from typing import Any


def client(client_class: Any, host: str | None, insecure: bool = False, credentials: Any = None) -> Any:
    """An instance of `client_class` (e.g. dialogflow_v2.SessionsClient) talking to `host`.

    client(dialogflowcx_v3.AgentsClient, "europe-west1-dialogflow.googleapis.com")
    """
    if host and insecure:
        import grpc
        from google.auth.credentials import AnonymousCredentials

        transport_class = client_class.get_transport_class("grpc")
        return client_class(
            transport=transport_class(channel=grpc.insecure_channel(host), credentials=AnonymousCredentials())
        )
    return client_class(credentials=credentials, client_options={"api_endpoint": host} if host else None)
