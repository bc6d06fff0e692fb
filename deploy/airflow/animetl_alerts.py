"""Alerts of the animetl_daily DAG.

A failed task (after its last try) and a missed deadline POST a JSON object
with a Slack-compatible ``text`` field to the URL in ANIMETL_ALERT_WEBHOOK,
when it is set. An alert is retried a few times and never raises: a webhook
that is down must not change the outcome of a run. The URL is never logged
whole (a webhook's secret is in its path or query); logs show its scheme and
host only.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime

WEBHOOK_ENV = "ANIMETL_ALERT_WEBHOOK"
ATTEMPTS = 3
TIMEOUT_SECONDS = 10

log = logging.getLogger(__name__)


def redact(url: str) -> str:
    """Return the scheme and host of url, without its path, query or credentials."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return "<invalid URL>"
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return f"{parts.scheme}://{host}/…"


def post_alert(text: str, url: str | None = None) -> bool:
    """POST {"text": text} to url (default: $ANIMETL_ALERT_WEBHOOK); True when delivered.

    Tries ATTEMPTS times with a short pause between tries; never raises.
    """
    url = url if url is not None else os.environ.get(WEBHOOK_ENV, "")
    if not url:
        log.info("animetl alert (no %s set): %s", WEBHOOK_ENV, text)
        return False
    body = json.dumps({"text": text}).encode()
    for attempt in range(1, ATTEMPTS + 1):
        request = urllib.request.Request(
            url, data=body, method="POST", headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
                if 200 <= response.status < 300:
                    return True
                reason = f"HTTP {response.status}"
        except urllib.error.HTTPError as err:
            reason = f"HTTP {err.code}"
        except (urllib.error.URLError, OSError, ValueError) as err:
            reason = type(err).__name__
        log.warning("animetl alert to %s failed (try %d of %d): %s", redact(url), attempt, ATTEMPTS, reason)
        if attempt < ATTEMPTS:
            time.sleep(attempt)
    return False


def _describe(context) -> str:
    """Name the DAG run of context: its DAG and its logical date in the DAG's zone."""
    context = context or {}
    dag_run = context.get("dag_run")
    dag_id = getattr(dag_run, "dag_id", None) or "animetl_daily"
    logical = getattr(dag_run, "logical_date", None) or context.get("logical_date")
    if logical is None:
        return dag_id
    zone = getattr(context.get("dag"), "timezone", None)
    if isinstance(logical, datetime):
        if zone is not None and logical.tzinfo is not None:
            logical = logical.astimezone(zone)
        logical = logical.isoformat()
    return f"{dag_id} run of {logical}"


def task_failure_alert(context) -> None:
    """on_failure_callback: alert that a task failed for good (its retries used up or exit 2)."""
    ti = context.get("ti") or context.get("task_instance")
    task_id = getattr(ti, "task_id", "?")
    try_number = getattr(ti, "try_number", "?")
    exc = context.get("exception")
    reason = f": {exc}" if exc else ""
    post_alert(f":red_circle: animetl: task {task_id} of the {_describe(context)} failed on try {try_number}{reason}")


def deadline_message(context=None, deadline: str = "") -> str:
    """The text of a missed-deadline alert."""
    by = f" by {deadline}" if deadline else ""
    return f":warning: animetl is late: the {_describe(context)} has not published{by}"


async def deadline_missed(context=None, deadline: str = "", **_kwargs) -> None:
    """DeadlineAlert callback (runs in the triggerer): alert that the day's data is late."""
    await asyncio.to_thread(post_alert, deadline_message(context, deadline))
