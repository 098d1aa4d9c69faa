"""{{name}}: runs on a schedule.

The event is an EventBridge Scheduler event; `time` is when this run was due, which is what a
job that catches up after a delay should go by.
"""
from datetime import datetime, timezone


def handler(event, context):
    due = event.get("time") or datetime.now(timezone.utc).isoformat()
    print(f"{{name}}: the run due at {due}")
    # Put the periodic work here: a report, a clean-up, a sync.
    return {"ranFor": due}
