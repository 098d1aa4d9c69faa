#!/usr/bin/env python3
"""The local AWS services, measured as a handler meets them (run by aws-services.sh).

1. A project with a declared table and a Python handler that makes N PutItem calls through
   boto3 (the SDK Lambda provides, from the SDK cache), timing each one inside the handler, is
   served by `functory run`; the handler's own timings give p50/p99 of a PutItem through the
   local emulator with permissions enforced. The same calls from a plain boto3 client outside
   any handler are the baseline.
2. The emulator's readiness: `functory run` with and without declared resources, from spawn
   to the line that lists the services (ready, resources created, identities made), median of
   5; and the emulator's resident memory once idle.
3. Side by side, the same Python handler invoked through the Lambda Invoke API of MiniStack's
   own Lambda and of Functory's local gateway, with the same boto3 client.

Prints one JSON object per measurement.
"""

import io
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile

import boto3
from botocore.config import Config

FUNCTORY = sys.argv[1]
MINISTACK = sys.argv[2]
CALLS = int(os.environ.get("BENCH_CALLS", "1000"))
INVOKES = int(os.environ.get("BENCH_INVOKES", "300"))

PUT_HANDLER = """import os, time
import boto3

table = boto3.client("dynamodb")


def handler(event, context):
    times = []
    for i in range(event["warmup"] + event["calls"]):
        started = time.perf_counter()
        table.put_item(TableName="items", Item={"id": {"S": f"item-{i}"}, "n": {"N": str(i)}})
        if i >= event["warmup"]:
            times.append((time.perf_counter() - started) * 1000)
    return times
"""

ECHO_HANDLER = """def handler(event, context):
    return {"echo": event}
"""

# Started by an S3 notification: records when it started, for the object's key.
DROP_HANDLER = """import time
import boto3

started = boto3.client("dynamodb")


def handler(event, context):
    now = time.time() * 1000
    for record in event["Records"]:
        started.put_item(TableName="items", Item={"id": {"S": "drop:" + record["s3"]["object"]["key"]}, "n": {"N": repr(now)}})
"""

MANIFEST = """[project]
name = "bench-aws"

[resources.items]
kind = "table"
partition_key = "id"

[functions.put]
runtime = "python3.12"
handler = "put.handler"
memory_mb = 1024
timeout_s = 300

[[functions.put.permissions]]
actions = ["dynamodb:PutItem"]
resources = ["arn:aws:dynamodb:*:*:table/items"]

[functions.echo]
runtime = "python3.12"
handler = "echo.handler"

[resources.drops]
kind = "bucket"

[functions.drop]
runtime = "python3.12"
handler = "drop.handler"

[[functions.drop.triggers]]
kind = "storage"
bucket = "drops"

[[functions.drop.permissions]]
actions = ["dynamodb:PutItem"]
resources = ["arn:aws:dynamodb:*:*:table/items"]
"""


def percentiles(values):
    ordered = sorted(values)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]
    return {"p50_ms": round(statistics.median(ordered), 3), "p95_ms": round(pick(0.95), 3), "p99_ms": round(pick(0.99), 3), "n": len(ordered)}


def project(with_resources=True):
    root = tempfile.mkdtemp(prefix="bench-aws-")
    text = MANIFEST if with_resources else MANIFEST.split("[resources.items]")[0] + MANIFEST.split("[functions.put]")[1].split("[resources.drops]")[0].join(["[functions.put]", ""])
    with open(os.path.join(root, "functory.toml"), "w") as f:
        f.write(text)
    with open(os.path.join(root, "put.py"), "w") as f:
        f.write(PUT_HANDLER)
    with open(os.path.join(root, "echo.py"), "w") as f:
        f.write(ECHO_HANDLER)
    with open(os.path.join(root, "drop.py"), "w") as f:
        f.write(DROP_HANDLER)
    return root


def start_run(root, with_resources=True):
    """Spawns `functory run`; answers (process, gateway URL, emulator endpoint, seconds to ready).

    Ready is the "serving" line, which `functory run` prints once the run started: with
    resources, after the emulator listens, the resources exist and each function's identity is
    made. The services' own line follows it."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [FUNCTORY, "run", root, "--port", "0", "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    gateway = endpoint = None
    ready = None
    lines = []
    while endpoint is None if with_resources else gateway is None:
        line = process.stdout.readline()
        if not line:
            raise SystemExit("functory run ended early:\n" + "".join(lines))
        lines.append(line)
        found = re.search(r"serving \S+ at (http://127\.0\.0\.1:\d+)", line)
        if found:
            gateway = found.group(1)
            ready = time.perf_counter() - started
        found = re.search(r"^\s+aws\s+(http://127\.0\.0\.1:\d+)", line)
        if found:
            endpoint = found.group(1)
    return process, gateway, endpoint, ready


def stop(process):
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def invoke(url, function, payload):
    request = urllib.request.Request(
        f"{url}/2015-03-31/functions/{function}/invocations",
        data=json.dumps(payload).encode(),
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=300) as answer:
        return json.loads(answer.read())


def rss_mb(pid):
    total = 0
    pids = [pid]
    while pids:
        current = pids.pop()
        try:
            with open(f"/proc/{current}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            with open(f"/proc/{current}/task/{current}/children") as f:
                pids.extend(int(p) for p in f.read().split())
        except OSError:
            pass
    return round(total / 1024, 1)


def emulator_pid(endpoint):
    port = endpoint.rsplit(":", 1)[1]
    out = subprocess.run(["ss", "-Hltnp", f"sport = :{port}"], capture_output=True, text=True).stdout
    found = re.search(r"pid=(\d+)", out)
    return int(found.group(1)) if found else None


def main():
    report = lambda what, **values: print(json.dumps({"measure": what, **values}), flush=True)

    # 2. Readiness, with and without the services.
    for with_resources in (False, True):
        times = []
        for _ in range(5):
            root = project(with_resources)
            process, gateway, endpoint, seconds = start_run(root, with_resources)
            times.append(seconds * 1000)
            stop(process)
            shutil.rmtree(root, ignore_errors=True)
        report("functory run ready", aws_services=with_resources, median_ms=round(statistics.median(times), 1), runs_ms=[round(t, 1) for t in times])

    # 1. PutItem from a handler, through the run.
    root = project(True)
    process, gateway, endpoint, _ = start_run(root)
    try:
        time.sleep(3)
        pid = emulator_pid(endpoint)
        report("emulator idle memory", rss_mb=rss_mb(pid) if pid else None, pid=pid)
        times = invoke(gateway, "put", {"warmup": 100, "calls": CALLS})
        report("PutItem from a handler (boto3, permissions enforced)", **percentiles(times))
        client = boto3.client(
            "dynamodb",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="123456789012",
            aws_secret_access_key="bench",
            config=Config(retries={"max_attempts": 1}),
        )
        baseline = []
        for i in range(100 + CALLS):
            started = time.perf_counter()
            client.put_item(TableName="items", Item={"id": {"S": f"direct-{i}"}, "n": {"N": str(i)}})
            if i >= 100:
                baseline.append((time.perf_counter() - started) * 1000)
        report("PutItem from a plain boto3 client (baseline)", **percentiles(baseline))
        if pid:
            report("emulator memory after the calls", rss_mb=rss_mb(pid))

        # S3 PutObject → the start of the storage-triggered function's handler.
        s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="123456789012", aws_secret_access_key="bench")
        put_at = {}
        for i in range(30):
            key = f"drop-{i}.txt"
            put_at[key] = time.time() * 1000
            s3.put_object(Bucket="drops", Key=key, Body=b"x")
            time.sleep(0.3)
        delays = []
        deadline = time.time() + 30
        while time.time() < deadline and len(delays) < len(put_at):
            delays = []
            for key, at in put_at.items():
                item = client.get_item(TableName="items", Key={"id": {"S": "drop:" + key}}).get("Item")
                if item:
                    delays.append(float(item["n"]["N"]) - at)
            time.sleep(0.2)
        report("S3 PutObject to the storage-triggered handler's start", **percentiles(delays[1:] or delays), cold_first_ms=round(delays[0], 1) if delays else None)

        # 3. The same handler through Functory's Invoke API and MiniStack's own Lambda.
        lam = boto3.client(
            "lambda",
            endpoint_url=gateway,
            region_name="us-east-1",
            aws_access_key_id="bench",
            aws_secret_access_key="bench",
        )
        lam.invoke(FunctionName="echo", Payload=b'{"warm": true}')
        functory_times = []
        for i in range(INVOKES):
            started = time.perf_counter()
            answer = lam.invoke(FunctionName="echo", Payload=json.dumps({"i": i}).encode())
            answer["Payload"].read()
            functory_times.append((time.perf_counter() - started) * 1000)
        report("Invoke through Functory's Lambda Invoke API", **percentiles(functory_times))
    finally:
        stop(process)
        shutil.rmtree(root, ignore_errors=True)

    ministack_report(report)


def ministack_report(report):
    state = tempfile.mkdtemp(prefix="bench-ministack-")
    port = 4571
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ["HOME"],
        "GATEWAY_PORT": str(port),
        "BIND_HOST": "127.0.0.1",
        "MINISTACK_HOST": "127.0.0.1",
        "TMPDIR": state,
        "LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen([MINISTACK], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        endpoint = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                urllib.request.urlopen(endpoint + "/_ministack/health", timeout=1)
                break
            except Exception:
                time.sleep(0.05)
        lam = boto3.client("lambda", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("echo.py", ECHO_HANDLER)
        lam.create_function(
            FunctionName="echo",
            Runtime="python3.12",
            Role="arn:aws:iam::000000000000:role/bench",
            Handler="echo.handler",
            Code={"ZipFile": buffer.getvalue()},
        )
        for _ in range(100):
            state_now = lam.get_function(FunctionName="echo")["Configuration"].get("State")
            if state_now in (None, "Active"):
                break
            time.sleep(0.1)
        first = lam.invoke(FunctionName="echo", Payload=b'{"warm": true}')
        body = first["Payload"].read()
        times = []
        for i in range(INVOKES):
            started = time.perf_counter()
            answer = lam.invoke(FunctionName="echo", Payload=json.dumps({"i": i}).encode())
            answer["Payload"].read()
            times.append((time.perf_counter() - started) * 1000)
        report("Invoke through MiniStack's own Lambda", first_answer=body.decode()[:120], **percentiles(times))
    except Exception as error:  # its Lambda may need what this machine lacks: say what
        report("Invoke through MiniStack's own Lambda", error=f"{type(error).__name__}: {error}"[:400])
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(state, ignore_errors=True)


if __name__ == "__main__":
    main()
