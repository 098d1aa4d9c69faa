"""A stand-in for the Python Functions Framework server, for the fake Cloud Functions: it
imports `main.py` from the package folder (the framework's default source), takes the function
named by FUNCTION_TARGET, and serves it with its registered signature: `http` with a
Flask-like request (method, path, headers, args, query_string, get_data, get_json) whose
return value may be a string, bytes, a dict or a (body, status, headers) tuple, or
`cloudevent` with a binary-mode CloudEvent. It prints `FUNCTORY_HARNESS_PORT=<port>` once it
listens; everything else on stdout is the function's."""
import json
import os
import sys
import threading
import traceback
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

folder = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
os.chdir(folder)
sys.path.insert(0, folder)

import functions_framework  # noqa: E402  (the stand-in, on PYTHONPATH)

try:
    import main  # noqa: E402
except Exception:
    sys.__stderr__.write("could not import main.py:\n" + traceback.format_exc())
    sys.exit(1)

target = os.environ.get("FUNCTION_TARGET", "")
function = getattr(main, target, None)
if not callable(function):
    sys.__stderr__.write("File main.py is expected to contain a function named %s\n" % target)
    sys.exit(1)
signature = functions_framework.signature_of(target, os.environ.get("FUNCTION_SIGNATURE_TYPE", "http"))


class Headers:
    def __init__(self, pairs):
        self._pairs = list(pairs)

    def items(self):
        return list(self._pairs)

    def get(self, name, default=None):
        for key, value in self._pairs:
            if key.lower() == name.lower():
                return value
        return default

    def __getitem__(self, name):
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value

    def __contains__(self, name):
        return self.get(name) is not None


class Request:
    def __init__(self, method, target_path, headers, body):
        parsed = urllib.parse.urlsplit(target_path)
        self.method = method
        self.path = parsed.path
        self.full_path = target_path
        self.query_string = parsed.query.encode("latin-1")
        self.args = dict(urllib.parse.parse_qsl(parsed.query, keep_blank_values=True))
        self.headers = headers
        self.data = body

    def get_data(self, as_text=False):
        return self.data.decode("utf-8") if as_text else self.data

    def get_json(self, silent=False):
        try:
            return json.loads(self.data)
        except ValueError:
            if silent:
                return None
            raise


def _response(value):
    status, headers = 200, {}
    if isinstance(value, tuple):
        if len(value) == 3:
            value, status, headers = value
        elif len(value) == 2:
            value, status = value
    if isinstance(value, (dict, list)):
        body = json.dumps(value).encode("utf-8")
        headers = dict(headers)
        headers.setdefault("Content-Type", "application/json")
    elif isinstance(value, bytes):
        body = value
    else:
        body = ("" if value is None else str(value)).encode("utf-8")
    return int(status), dict(headers), body


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _serve(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = Headers(self.headers.items())
        try:
            if signature == "cloudevent":
                attributes = {k[3:].lower(): v for k, v in headers.items() if k.lower().startswith("ce-")}
                event = functions_framework.CloudEvent(attributes, json.loads(body) if body else None)
                function(event)
                status, out_headers, out = 200, {}, b"OK"
            else:
                status, out_headers, out = _response(function(Request(self.command, self.path, headers, body)))
        except Exception:
            sys.__stderr__.write(traceback.format_exc())
            sys.__stderr__.flush()
            status, out_headers, out = 500, {"Content-Type": "text/plain"}, b"Internal Server Error"
        self.send_response(status)
        for name, value in out_headers.items():
            self.send_header(name, str(value))
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
sys.__stdout__.write("FUNCTORY_HARNESS_PORT=%d\n" % server.server_address[1])
sys.__stdout__.flush()
threading.Thread(target=server.serve_forever, daemon=True).start()
threading.Event().wait()
