"""report: a daily summary, run on a schedule (weekdays at 18:00 Paris time)."""
import json
import os


def handler(event, context):
    summary = {
        "function": context.function_name,
        "scheduled_at": event.get("time"),
        "bucket": os.environ.get("THUMBS_BUCKET", "thumbs"),
    }
    print(json.dumps(summary))
    return summary
