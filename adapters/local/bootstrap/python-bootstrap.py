"""Functory's Python bootstrap: imports the handler named by _HANDLER from LAMBDA_TASK_ROOT and
serves invocations from the Lambda Runtime API at AWS_LAMBDA_RUNTIME_API, as the Lambda Python
runtime does: handler(event, context) with Lambda's context object."""

import importlib
import json
import logging
import os
import resource
import socket
import sys
import time

API = os.environ["AWS_LAMBDA_RUNTIME_API"]
# Functory also serves the API as frames to its own bootstraps, over two pipes whose ends this
# process inherits as descriptors R and W (`--runtime-api-fds=R,W`): cheaper per invocation than
# HTTP over loopback TCP. The argument leaves sys.argv before the handler is imported.
_FDS_FLAG = "--runtime-api-fds="
API_FDS = next((tuple(int(n) for n in a[len(_FDS_FLAG):].split(","))
                for a in sys.argv if a.startswith(_FDS_FLAG)), None)
sys.argv = [a for a in sys.argv if not a.startswith(_FDS_FLAG)]
BASE = "/2018-06-01/runtime"
_request_id = None

# Frames: blocking reads and writes on the two pipes. HTTP: one kept-alive connection to the
# Runtime API. Importing http.client (and the email package behind it) would cost more start-up
# time than the rest of this file.
_socket = None
_connected = False
_buffer = b""


def _receive():
    global _buffer
    chunk = os.read(API_FDS[0], 65536) if API_FDS else _socket.recv(65536)
    if not chunk:
        raise ConnectionError("the Runtime API closed the connection")
    _buffer += chunk


def _send(data):
    if not API_FDS:
        _socket.sendall(data)
        return
    view = memoryview(data)
    while view:
        view = view[os.write(API_FDS[1], view):]


def _connect():
    global _socket, _connected
    if API_FDS:
        # Not for the handler's child processes.
        for fd in API_FDS:
            os.set_inheritable(fd, False)
    else:
        host, port = API.rsplit(":", 1)
        _socket = socket.create_connection((host, int(port)))
        _socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    _connected = True


# Frames: a line "<header bytes> <body bytes>", a JSON header, the body. The
# runtime answers only `next`, with the Lambda headers (lower-cased) and the event.
_NEXT_HEAD = b'{"op":"next"}'
_NEXT_FRAME = b"%d 0\n%s" % (len(_NEXT_HEAD), _NEXT_HEAD)


def _quoted(text):
    """A JSON string of `text`; request ids are UUIDs, which need no escaping."""
    if text.isascii() and '"' not in text and "\\" not in text and text.isprintable():
        return b'"%s"' % text.encode()
    return json.dumps(text).encode()


def _encode_frame(call):
    op, request_id, error_type, body = call
    if op == "next":
        return _NEXT_FRAME
    payload = body or b""
    if op == "response":
        # The one frame sent per invocation, formatted by hand. It carries the peak resident
        # set, so the runtime need not read /proc for "Max Memory Used".
        head = b'{"op":"response","id":%s,"maxRssKib":%d}' % (
            _quoted(request_id), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    else:
        header = {"op": op}
        if request_id is not None:
            header["id"] = request_id
        if error_type is not None:
            header["errorType"] = error_type
        if op == "error":
            header["maxRssKib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        head = json.dumps(header).encode()
    return b"%d %d\n" % (len(head), len(payload)) + head + payload


def _read_frame():
    global _buffer
    while b"\n" not in _buffer:
        _receive()
    line, _, _buffer = _buffer.partition(b"\n")
    header_length, body_length = (int(n) for n in line.split(b" "))
    while len(_buffer) < header_length + body_length:
        _receive()
    headers = json.loads(_buffer[:header_length])
    body = _buffer[header_length:header_length + body_length]
    _buffer = _buffer[header_length + body_length:]
    return headers, body


# HTTP/1.1 (loopback TCP, when started without the frame pipes).
_PATHS = {"next": ("GET", "/invocation/next"), "init_error": ("POST", "/init/error")}


def _encode_http(call):
    op, request_id, error_type, body = call
    method, path = _PATHS.get(op) or ("POST", f"/invocation/{request_id}/{op}")
    payload = body or b""
    head = f"{method} {BASE}{path} HTTP/1.1\r\nHost: {API}\r\n"
    if error_type is not None:
        head += f"Lambda-Runtime-Function-Error-Type: {error_type}\r\n"
    head += f"Content-Length: {len(payload)}\r\n\r\n"
    return head.encode("latin-1") + payload


def _read_http():
    global _buffer
    while b"\r\n\r\n" not in _buffer:
        _receive()
    head_bytes, _, _buffer = _buffer.partition(b"\r\n\r\n")
    lines = head_bytes.decode("latin-1").split("\r\n")
    received = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        received[name.strip().lower()] = value.strip()
    if received.get("transfer-encoding") == "chunked":
        parts = []
        while True:
            while b"\r\n" not in _buffer:
                _receive()
            size_line, _, _buffer = _buffer.partition(b"\r\n")
            size = int(size_line, 16)
            while len(_buffer) < size + 2:
                _receive()
            parts.append(_buffer[:size])
            _buffer = _buffer[size + 2:]
            if size == 0:
                break
        return received, b"".join(parts)
    length = int(received.get("content-length", "0"))
    while len(_buffer) < length:
        _receive()
    data, _buffer = _buffer[:length], _buffer[length:]
    return received, data


# `_X_AMZN_TRACE_ID` changes with every invocation. `os.environ[...] = ...` calls glibc's
# setenv, which keeps every value ever set for the life of the process (callers of getenv may
# still hold them): each invocation would leak its trace header until a busy instance ran into
# its own memory limit. So os.environ's mapping is updated directly, and the process
# environment (what child processes and native code see) holds the variable in one buffer of
# ours, given to putenv once and rewritten in place, which allocates nothing.
_TRACE_NAME = "_X_AMZN_TRACE_ID"
_TRACE_KEY = os.environ.encodekey(_TRACE_NAME)
_trace_buffer = None
_trace_buffer_tried = False


def _set_trace(trace):
    if trace:
        os.environ._data[_TRACE_KEY] = os.environ.encodevalue(trace)
    else:
        os.environ._data.pop(_TRACE_KEY, None)
    if _trace_buffer is not None:
        entry = (_TRACE_NAME + "=" + (trace or "")).encode("utf-8", "surrogateescape")
        if len(entry) < len(_trace_buffer):
            _trace_buffer.value = entry
        else:
            _install_trace_buffer(trace)
    elif trace:
        os.putenv(_TRACE_NAME, trace)
    else:
        os.unsetenv(_TRACE_NAME)


def _install_trace_buffer(trace):
    """Puts the buffer in the process environment. ctypes costs milliseconds to import, so this
    runs once the first invocation's answer is on its way, not before it."""
    global _trace_buffer, _trace_buffer_tried
    _trace_buffer_tried = True
    try:
        import ctypes

        entry = (_TRACE_NAME + "=" + (trace or "")).encode("utf-8", "surrogateescape")
        buffer = ctypes.create_string_buffer(entry, max(256, len(entry) * 2))
        # Any failure leaves the variable to os.putenv, as before.
        _trace_buffer = buffer if ctypes.CDLL(None).putenv(buffer) == 0 else None
    except (ImportError, OSError, AttributeError):
        _trace_buffer = None


def exchange(calls):
    """Sends the calls, (op, request id, error type, body), in one write; returns the next
    invocation, (headers, body), when the last call is `next` (frames answer nothing else;
    HTTP answers are read and dropped)."""
    if not _connected:
        _connect()
    framed = API_FDS is not None
    _send(b"".join((_encode_frame if framed else _encode_http)(call) for call in calls))
    if not _trace_buffer_tried and calls[0][0] in ("response", "error"):
        _install_trace_buffer(os.environ.get(_TRACE_NAME))
    answer = None
    for call in calls:
        if call[0] == "next":
            answer = _read_frame() if framed else _read_http()
        elif not framed:
            _read_http()
    return answer


# What the context says of the sandbox is fixed for its life: read once.
_SANDBOX = tuple(os.environ.get(name) for name in (
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME"))


class LambdaContext:
    def __init__(self, headers):
        self.aws_request_id = headers.get("lambda-runtime-aws-request-id")
        self.invoked_function_arn = headers.get("lambda-runtime-invoked-function-arn")
        (self.function_name, self.function_version, self.memory_limit_in_mb, self.log_group_name,
         self.log_stream_name) = _SANDBOX
        client_context = headers.get("lambda-runtime-client-context")
        identity = headers.get("lambda-runtime-cognito-identity")
        self.client_context = json.loads(client_context) if client_context else None
        self.identity = json.loads(identity) if identity else None
        self._deadline_ms = int(headers.get("lambda-runtime-deadline-ms") or 0)

    def get_remaining_time_in_millis(self):
        return max(0, self._deadline_ms - int(time.time() * 1000))


class _LambdaFormatter(logging.Formatter):
    def format(self, record):
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        millis = int(record.msecs)
        text = record.getMessage()
        if record.exc_info:
            import traceback

            text += "\n" + "".join(traceback.format_exception(*record.exc_info))
        line = f"[{record.levelname}]\t{stamp}.{millis:03d}Z\t{_request_id}\t{text}"
        return line.replace("\n", "\r")


def _install_logging():
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(_LambdaFormatter())
    root = logging.getLogger()
    root.handlers = [handler]


def _error_document(error_type, message, stack=None):
    return {"errorMessage": message, "errorType": error_type, "requestId": _request_id or "", "stackTrace": stack or []}


def _log_error(prefix, document):
    line = f"[ERROR] {prefix}{document['errorType']}: {document['errorMessage']}"
    for frame in document.get("stackTrace") or []:
        line += "\r" + frame.rstrip("\n").replace("\n", "\r")
    print(line, flush=True)


def load_handler():
    spec = os.environ.get("_HANDLER", "")
    module_name, _, function_name = spec.rpartition(".")
    if not module_name or not function_name:
        raise _InitError("Runtime.MalformedHandlerName", f"Bad handler '{spec}': not enough values to unpack")
    task_root = os.environ.get("LAMBDA_TASK_ROOT", os.getcwd())
    if task_root not in sys.path:
        sys.path.insert(0, task_root)
    dotted = module_name.replace("/", ".")
    try:
        module = importlib.import_module(dotted)
    except SyntaxError as error:
        raise _InitError("Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {error}")
    except ModuleNotFoundError as error:
        raise _InitError("Runtime.ImportModuleError", f"Unable to import module '{module_name}': {error}")
    except Exception as error:  # noqa: BLE001 - any import-time failure is an init error
        raise _InitError("Runtime.ImportModuleError", f"Unable to import module '{module_name}': {error}")
    handler = getattr(module, function_name, None)
    if not callable(handler):
        raise _InitError("Runtime.HandlerNotFound", f"Handler '{function_name}' missing on module '{module_name}'")
    return handler


class _InitError(Exception):
    def __init__(self, error_type, message):
        super().__init__(message)
        self.error_type = error_type
        self.message = message


def main():
    global _request_id
    _install_logging()
    try:
        handler = load_handler()
    except _InitError as error:
        document = _error_document(error.error_type, error.message)
        _log_error("", document)
        exchange([("init_error", None, error.error_type, json.dumps(document).encode())])
        sys.exit(1)
    headers, body = exchange([("next", None, None, None)])
    while True:
        _request_id = headers.get("lambda-runtime-aws-request-id")
        _set_trace(headers.get("lambda-runtime-trace-id"))
        context = LambdaContext(headers)
        try:
            event = json.loads(body)
            result = handler(event, context)
            payload = json.dumps(result).encode()
        except Exception as error:  # noqa: BLE001 - every handler failure is reported to Lambda
            import traceback

            stack = traceback.format_tb(error.__traceback__)
            document = _error_document(type(error).__name__, str(error), stack)
            _log_error("", document)
            answer = ("error", _request_id, document["errorType"], json.dumps(document).encode())
        else:
            answer = ("response", _request_id, None, payload)
        # The answer and the request for the next invocation leave in one write.
        headers, body = exchange([answer, ("next", None, None, None)])


if __name__ == "__main__":
    main()
