"""{{name}}: works through a batch of jobs from its queue.

A job that fails is named in `batchItemFailures`: only it returns to the queue (and after the
queue's max receives, to its dead-letter queue); the others are done and deleted.
"""
import json


def work(job):
    # The work itself. A job is a JSON object such as {"task": "welcome-email", "user": 7}.
    if not isinstance(job, dict) or not isinstance(job.get("task"), str):
        raise ValueError("a job is a JSON object with a `task`")
    print(f"done: {job['task']}", json.dumps(job))


def handler(event, context):
    failures = []
    for record in event.get("Records", []):
        try:
            work(json.loads(record["body"]))
        except Exception as error:  # noqa: BLE001 - any failure returns the job to the queue
            print(f"job {record['messageId']} failed: {error}")
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
