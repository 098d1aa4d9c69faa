"""Imitates what the Azure Functions host's Python worker does for one invocation of a v1
programming model function: put the app's root on sys.path, load the function's scriptFile,
call its entry point with the binding named by each parameter (and `context`), and report
what the host would answer.

Usage: python3 python_worker.py <request.json>; the result goes to the request's resultFile.
"""

import base64
import importlib.util
import inspect
import json
import os
import sys
from datetime import datetime, timedelta, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
request = json.load(open(sys.argv[1], encoding="utf-8"))
root = request["appRoot"]
folder = os.path.join(root, request["function"])
# The stand-in for the azure-functions library, then the app (as the worker does).
sys.path.insert(0, os.path.join(HERE, "python"))
sys.path.insert(0, root)

import azure.functions as func  # noqa: E402


def finish(outcome):
    with open(request["resultFile"], "w", encoding="utf-8") as out:
        json.dump(outcome, out)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # a handler thread still running after a timeout must not keep us alive


config = json.load(open(os.path.join(folder, "function.json"), encoding="utf-8"))
trigger = next(b for b in config["bindings"] if b["type"].endswith("Trigger"))

try:
    location = os.path.join(folder, config.get("scriptFile", "__init__.py"))
    spec = importlib.util.spec_from_file_location(f"__app__.{request['function']}", location)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    main = getattr(module, config.get("entryPoint", "main"))
except Exception as error:  # noqa: BLE001
    print(f"Worker failed to load function {request['function']}: {error!r}", file=sys.stderr)
    finish({"ok": False, "error": str(error)})

context = func.Context(request["invocationId"], request["function"], folder)
kind = trigger["type"]
if kind == "httpTrigger":
    http = request["http"]
    value = func.HttpRequest(
        method=http["method"],
        url=http["url"],
        headers=http["headers"],
        params=http["query"],
        route_params=http["params"],
        body=base64.b64decode(http.get("bodyBase64") or ""),
    )
elif kind == "timerTrigger":
    value = func.TimerRequest(past_due=False)
elif kind == "queueTrigger":
    now = datetime.now(timezone.utc)
    value = func.QueueMessage(
        id=request["invocationId"],
        body=request["input"].encode("utf-8"),
        dequeue_count=1,
        insertion_time=now,
        expiration_time=now + timedelta(days=7),
        pop_receipt="AgAAAAMAAAAAAAAA",
    )
elif kind == "blobTrigger":
    value = func.InputStream(
        name=request["input"], length=0, uri=f"https://storage.example/{request['input']}", data=b""
    )
else:
    finish({"ok": False, "error": f"the fake host does not run {kind}"})

arguments = {}
for name in inspect.signature(main).parameters:
    if name == "context":
        arguments[name] = context
    elif name == trigger["name"]:
        arguments[name] = value
    else:
        finish({"ok": False, "error": f"parameter {name} has no binding in function.json"})

try:
    result = main(**arguments)
except Exception as error:  # noqa: BLE001
    print(f"Exception while executing function: Functions.{request['function']} {error!r}", file=sys.stderr)
    finish({"ok": False, "error": str(error)})

response = None
if isinstance(result, func.HttpResponse):
    response = {
        "status": result.status_code,
        "headers": {k.lower(): v for k, v in result.headers.items()},
        "cookies": [],
        "bodyBase64": base64.b64encode(result.get_body()).decode("ascii"),
    }
elif isinstance(result, str):
    response = {
        "status": 200,
        "headers": {"content-type": "text/plain"},
        "cookies": [],
        "bodyBase64": base64.b64encode(result.encode("utf-8")).decode("ascii"),
    }
finish({"ok": True, "response": response})
