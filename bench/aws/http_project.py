#!/usr/bin/env python3
"""Issue 17's benchmark: plan and first deploy of a project of N Node.js functions, each with
an HTTP route, to a real moto server through the `functory` CLI (the standard credential chain,
AWS_ENDPOINT_URL at moto); then a no-change redeploy. Prints the raw timings and the changing
calls each deploy made (from `functory deploy --json`).

    python3 bench/aws/http_project.py FUNCTORY_BINARY [FUNCTIONS] [RUNS]
"""

import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

VENV = os.environ.get("FUNCTORY_MOTO_VENV", os.path.expanduser("~/.cache/functory/venv"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_moto():
    port = free_port()
    process = subprocess.Popen(
        [os.path.join(VENV, "bin", "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(url + "/moto-api/", timeout=1)
            break
        except Exception:
            time.sleep(0.05)
    request = urllib.request.Request(
        url + "/moto-api/config",
        data=json.dumps({"lambda": {"use_docker": False}}).encode(),
        headers={"content-type": "application/json"},
        method="POST",
    )
    urllib.request.urlopen(request, timeout=5)
    return process, url


def project(root, functions):
    os.makedirs(os.path.join(root, "src"))
    lines = ['[project]\nname = "bench"\n\n[targets.dev]\nadapter = "aws"\nregion = "us-east-1"\n']
    for i in range(functions):
        name = f"f{i:03}"
        with open(os.path.join(root, "src", f"{name}.mjs"), "w") as f:
            f.write(
                "export const handler = async (event) => ({ statusCode: 200, body: "
                f'JSON.stringify({{ fn: "{name}", id: event.pathParameters?.id }}) }});\n'
            )
        lines.append(
            f'\n[functions.{name}]\nruntime = "nodejs24.x"\nhandler = "src/{name}.handler"\n'
            f'\n[[functions.{name}.triggers]]\nkind = "http"\nmethod = "GET"\npath = "/{name}/{{id}}"\n'
        )
    with open(os.path.join(root, "functory.toml"), "w") as f:
        f.write("".join(lines))
    for args in (["init", "-q"], ["config", "user.name", "bench"], ["config", "user.email", "bench@example.com"]):
        subprocess.run(["git", "-C", root, *args], check=True)


def run(functory, root, env, args):
    started = time.perf_counter()
    done = subprocess.run([functory, *args], cwd=root, env=env, capture_output=True, text=True)
    elapsed = (time.perf_counter() - started) * 1000
    if done.returncode != 0:
        raise SystemExit(f"functory {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return elapsed, done.stdout


def once(functory, functions):
    moto, url = start_moto()
    root = tempfile.mkdtemp(prefix="functory-bench-http-")
    try:
        project(root, functions)
        env = dict(
            os.environ,
            AWS_ACCESS_KEY_ID="AKIAIOSFODNN7EXAMPLE",
            AWS_SECRET_ACCESS_KEY="bench-not-a-secret",
            AWS_ENDPOINT_URL=url,
            AWS_CONFIG_FILE="/nonexistent",
            AWS_SHARED_CREDENTIALS_FILE="/nonexistent",
            AWS_EC2_METADATA_DISABLED="true",
            FUNCTORY_KEYCHAIN_NAMESPACE="functory-bench",
        )
        env.pop("AWS_PROFILE", None)
        plan_ms, _ = run(functory, root, env, ["deploy", "--target", "dev", "--plan", "--json"])
        first_ms, first = run(functory, root, env, ["deploy", "--target", "dev", "--yes", "--json"])
        second_ms, second = run(functory, root, env, ["deploy", "--target", "dev", "--yes", "--json"])
        first_calls = sum(len(d["calls"]) for d in json.loads(first)["deployed"])
        second_calls = sum(len(d["calls"]) for d in json.loads(second)["deployed"])
        return {
            "plan_ms": plan_ms,
            "first_deploy_ms": first_ms,
            "redeploy_ms": second_ms,
            "first_deploy_changing_calls": first_calls,
            "redeploy_changing_calls": second_calls,
        }
    finally:
        moto.terminate()
        moto.wait(timeout=10)
        shutil.rmtree(root, ignore_errors=True)


def main():
    functory = sys.argv[1]
    functions = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    results = []
    for n in range(runs):
        result = once(functory, functions)
        print(json.dumps({"run": n + 1, "functions": functions, **result}), flush=True)
        results.append(result)
    median = {k: statistics.median(r[k] for r in results) for k in results[0]}
    median["redeploy_over_first"] = median["redeploy_ms"] / median["first_deploy_ms"]
    print(json.dumps({"median": median}))


if __name__ == "__main__":
    main()
