#!/usr/bin/env python3
"""Timing helpers for run.sh: spawn to first answer of a bare server of each runtime (the cold-start
baseline), cold start of a function behind
`functory run`, and hot-reload latency. Prints one JSON object per measurement."""

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import time


NODE_SERVER = (
    "require('http').createServer((q, s) => s.end('ok'))"
    ".listen(+process.argv[1], '127.0.0.1')"
)
PYTHON_SERVER = (
    "import http.server, sys\n"
    "class H(http.server.BaseHTTPRequestHandler):\n"
    "    def do_GET(self):\n"
    "        self.send_response(200); self.send_header('content-length', '2'); self.end_headers(); self.wfile.write(b'ok')\n"
    "    def log_message(self, *a): pass\n"
    "http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])), H).serve_forever()\n"
)


def spawn_to_first_answer(argv, runs=10):
    """The baseline of a cold start, measured the same way: from spawning a bare server of the
    runtime (`argv` + a port) to its first answered GET — process start, the runtime's own
    start-up, and one request, as a cold invoke has them."""
    times = []
    for _ in range(runs):
        port = free_port()
        started = time.perf_counter()
        process = subprocess.Popen(argv + [str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            while True:
                try:
                    status, _ = get(port, "/")
                    if status == 200:
                        break
                except OSError:
                    time.sleep(0.0005)
                if time.perf_counter() - started > 10:
                    raise SystemExit(f"{argv[0]} never answered")
            times.append((time.perf_counter() - started) * 1000)
        finally:
            process.terminate()
            process.wait(timeout=10)
    return statistics.median(times)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port, path):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, body


def wait_ready(port, deadline_s=30):
    started = time.time()
    while time.time() - started < deadline_s:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.01)
    raise SystemExit(f"nothing listens on {port}")


def start_run(functory, project, port):
    return subprocess.Popen(
        [functory, "run", project, "--port", str(port), "--quiet"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop(process):
    process.terminate()
    process.wait(timeout=10)


def cold_start(functory, project, path, runs=5):
    """The first invoke after deploy, over HTTP: start `functory run`, time the first GET."""
    times = []
    for _ in range(runs):
        port = free_port()
        process = start_run(functory, project, port)
        try:
            wait_ready(port)
            # Give the runtime a moment to finish starting, so only the invoke is timed.
            time.sleep(0.3)
            started = time.perf_counter()
            status, _ = get(port, path)
            times.append((time.perf_counter() - started) * 1000)
            assert status == 200, status
        finally:
            stop(process)
    return statistics.median(times)


def hot_reload(functory, project, handler_file, runs=5):
    """From the moment a saved handler is on disk to the first response from the new code."""
    port = free_port()
    process = start_run(functory, project, port)
    original = open(handler_file).read()
    times = []
    try:
        wait_ready(port)
        get(port, "/hello")
        for n in range(runs):
            marker = f"reloaded-{n}"
            with open(handler_file, "w") as f:
                f.write(original.replace('"world"', f'"{marker}"'))
            started = time.perf_counter()
            while True:
                _, body = get(port, "/hello")
                if marker.encode() in body:
                    break
                if time.perf_counter() - started > 5:
                    raise SystemExit("hot reload never happened")
                time.sleep(0.002)
            times.append((time.perf_counter() - started) * 1000)
            time.sleep(0.3)
    finally:
        with open(handler_file, "w") as f:
            f.write(original)
        stop(process)
    return statistics.median(times), max(times)


def main():
    what = sys.argv[1]
    if what == "process-start":
        print(json.dumps({
            "node": spawn_to_first_answer(["node", "-e", NODE_SERVER]),
            "python": spawn_to_first_answer(["python3", "-c", PYTHON_SERVER]),
        }))
    elif what == "cold-start":
        functory, project = sys.argv[2], sys.argv[3]
        print(json.dumps({"node": cold_start(functory, project, "/hello"), "python": cold_start(functory, project, "/pyhello")}))
    elif what == "hot-reload":
        functory, project = sys.argv[2], sys.argv[3]
        median, worst = hot_reload(functory, project, os.path.join(project, "hello.js"))
        print(json.dumps({"median": median, "max": worst}))


if __name__ == "__main__":
    main()
