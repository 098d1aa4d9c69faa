"""A minimal stand-in for the `azure-functions` library (the types the v1 programming model
passes to `main`), with the same names and attributes, so the generated shim runs here as it
runs on Azure. Only what the shim and the fake worker use is provided."""

import json


class Context:
    def __init__(self, invocation_id, function_name, function_directory):
        self.invocation_id = invocation_id
        self.function_name = function_name
        self.function_directory = function_directory
        self.trace_context = None
        self.retry_context = None


class HttpRequest:
    def __init__(self, method, url, headers=None, params=None, route_params=None, body=b""):
        self.method = method.upper()
        self.url = url
        self.headers = {str(k).lower(): str(v) for k, v in (headers or {}).items()}
        self.params = dict(params or {})
        self.route_params = dict(route_params or {})
        self._body = body or b""

    def get_body(self):
        return self._body

    def get_json(self):
        return json.loads(self._body)


class HttpResponse:
    def __init__(self, body=None, *, status_code=None, headers=None, mimetype=None, charset=None):
        if isinstance(body, str):
            body = body.encode(charset or "utf-8")
        self._body = body or b""
        self.status_code = status_code or 200
        self.headers = dict(headers or {})
        self.mimetype = mimetype or "text/plain"
        self.charset = charset or "utf-8"
        if not any(k.lower() == "content-type" for k in self.headers):
            self.headers["content-type"] = f"{self.mimetype}; charset={self.charset}"

    def get_body(self):
        return self._body


class TimerRequest:
    def __init__(self, past_due=False):
        self.past_due = past_due


class InputStream:
    def __init__(self, name, length, uri, data=b""):
        self.name = name
        self.length = length
        self.uri = uri
        self._data = data

    def read(self, size=-1):
        return self._data if size < 0 else self._data[:size]


class QueueMessage:
    def __init__(self, id, body, dequeue_count, insertion_time, expiration_time, pop_receipt):
        self.id = id
        self._body = body
        self.dequeue_count = dequeue_count
        self.insertion_time = insertion_time
        self.expiration_time = expiration_time
        self.time_next_visible = None
        self.pop_receipt = pop_receipt

    def get_body(self):
        return self._body

    def get_json(self):
        return json.loads(self._body)
