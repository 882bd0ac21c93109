"""schemathesis hooks for .ci/fuzz: how to send an `application/x-ndjson` body (the user
import), which schemathesis has no serializer for. Each generated `ImportLine` object is
one line; anything else generated for the body is sent as it is, so the server still
meets bodies that are not NDJSON at all."""

import json

import schemathesis


@schemathesis.serializer("application/x-ndjson")
def ndjson(ctx, value):
    if isinstance(value, bytes):
        return value
    items = value if isinstance(value, list) else [value]
    try:
        return "".join(json.dumps(item) + "\n" for item in items).encode()
    except (TypeError, ValueError):
        return str(value).encode()
