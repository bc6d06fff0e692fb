"""animetl_daily: refresh the animetl warehouse every morning, and say so when it is late.

Copy this file, animetl_operator.py and animetl_alerts.py into the DAGs
folder. The workers need the animetl binary (ANIMETL_BIN, default `animetl`
on PATH) and its settings in their environment: ANIMETL_SOURCE,
ANIMETL_WAREHOUSE and any other ANIMETL_* variable (or ANIMETL_CONFIG naming
a KEY=value file); the tasks pass the worker's environment through.

Tasks: `run` applies the delta days up to the run's date in the DAG's time
zone (`animetl run --mode incremental --backfill :DATE --json`), then `check`
runs the data-quality checks on what was published. An incremental run needs
a full run first: run `animetl run --mode full` once by hand before turning
the DAG on.

Read when the DAG is parsed:
  ANIMETL_AIRFLOW_CRON         cron of the runs (default "0 5 * * *")
  ANIMETL_AIRFLOW_TZ           IANA time zone of the cron and the deadline (default UTC)
  ANIMETL_AIRFLOW_RETRIES      tries after the first for exit 1 (default 2); exit 2 is never retried
  ANIMETL_AIRFLOW_RETRY_DELAY  seconds between tries (default 600)
  ANIMETL_AIRFLOW_TIMEOUT      seconds one try of `run` may take (default 3600)
  ANIMETL_AIRFLOW_DEADLINE     HH:MM in the time zone by which the day must be published
                               (default 07:00), or "off"
Read when a task runs:
  ANIMETL_BIN, ANIMETL_ALERT_WEBHOOK and the ANIMETL_* settings of the binary.
"""

from __future__ import annotations

import os
from datetime import timedelta

import pendulum
from airflow.sdk import DAG, AsyncCallback, DeadlineAlert, DeadlineReference

from animetl_alerts import deadline_missed, task_failure_alert
from animetl_operator import AnimetlOperator

DAG_ID = "animetl_daily"


def _env_int(name: str, default: int, minimum: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r}: want a whole number") from None
    if value < minimum:
        raise ValueError(f"{name}={raw!r}: want {minimum} or more")
    return value


def _deadline_interval(cron: str, deadline: str) -> timedelta | None:
    """Time from a run's logical date (its scheduled time) to the deadline, or None when off.

    The deadline is a time of day in the DAG's zone, so the cron must fire once
    a day at a fixed hour and minute; the deadline is the first HH:MM after it.
    """
    if deadline.lower() == "off":
        return None
    try:
        hh, mm = (int(p) for p in deadline.split(":"))
        if not (0 <= hh < 24 and 0 <= mm < 60):
            raise ValueError
    except ValueError:
        raise ValueError(f"ANIMETL_AIRFLOW_DEADLINE={deadline!r}: want HH:MM or off") from None
    fields = cron.split()
    if len(fields) != 5 or not (fields[0].isdigit() and fields[1].isdigit()):
        raise ValueError(
            f"ANIMETL_AIRFLOW_DEADLINE={deadline!r} needs a daily ANIMETL_AIRFLOW_CRON with a fixed "
            f"minute and hour (such as '0 5 * * *'), not {cron!r}; or set the deadline to off"
        )
    fire = int(fields[1]) * 60 + int(fields[0])
    minutes = (hh * 60 + mm - fire) % (24 * 60)
    return timedelta(minutes=minutes or 24 * 60)


CRON = os.environ.get("ANIMETL_AIRFLOW_CRON", "").strip() or "0 5 * * *"
TZ = pendulum.timezone(os.environ.get("ANIMETL_AIRFLOW_TZ", "").strip() or "UTC")
RETRIES = _env_int("ANIMETL_AIRFLOW_RETRIES", 2, 0)
RETRY_DELAY = _env_int("ANIMETL_AIRFLOW_RETRY_DELAY", 600, 1)
TIMEOUT = _env_int("ANIMETL_AIRFLOW_TIMEOUT", 3600, 1)
DEADLINE = os.environ.get("ANIMETL_AIRFLOW_DEADLINE", "").strip() or "07:00"
DEADLINE_AFTER = _deadline_interval(CRON, DEADLINE)

# The run's date in the DAG's zone: plain {{ ds }} is the UTC date, the day
# before for a morning run east of UTC.
RUN_DATE = "{{ logical_date.in_timezone(dag.timezone) | ds }}"
BIN = '"${ANIMETL_BIN:-animetl}"'

with DAG(
    dag_id=DAG_ID,
    description="animetl: apply the day's delta files, check and publish",
    schedule=CRON,
    start_date=pendulum.datetime(2026, 1, 1, tz=TZ),
    catchup=False,
    max_active_runs=1,
    default_args={
        "retries": RETRIES,
        "retry_delay": timedelta(seconds=RETRY_DELAY),
        "on_failure_callback": task_failure_alert,
        # The JSON summary is in the task log; its last line ("}") is no use as an XCom.
        "do_xcom_push": False,
    },
    deadline=None
    if DEADLINE_AFTER is None
    else DeadlineAlert(
        reference=DeadlineReference.DAGRUN_LOGICAL_DATE,
        interval=DEADLINE_AFTER,
        callback=AsyncCallback(deadline_missed, kwargs={"deadline": f"{DEADLINE} {TZ.name}"}),
    ),
    tags=["animetl"],
) as dag:
    run = AnimetlOperator(
        task_id="run",
        bash_command=f"exec {BIN} run --mode incremental --backfill :{RUN_DATE} --json",
        execution_timeout=timedelta(seconds=TIMEOUT),
    )
    check = AnimetlOperator(
        task_id="check",
        bash_command=f"exec {BIN} check --json",
        execution_timeout=timedelta(minutes=15),
    )
    run >> check
