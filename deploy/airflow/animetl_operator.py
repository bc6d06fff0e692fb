"""The operator of the animetl_daily DAG: BashOperator with exit codes that decide retries.

animetl exits 0 on success, 1 when the run or a check failed (the source or
warehouse unreachable, a file not delivered yet, the run lock held: worth
retrying) and 2 on bad usage or configuration (retrying cannot help). A plain
BashOperator retries every non-zero exit, so AnimetlOperator fails a task
that exits with one of fail_fast_exit_codes without retrying it
(AirflowFailException). No exit code skips the task unless skip_on_exit_code
says so (it defaults to None here, not BashOperator's 99).
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence

from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk.exceptions import AirflowException, AirflowFailException, AirflowSkipException

EXIT_USAGE = 2


class AnimetlOperator(BashOperator):
    """Runs an animetl command line with the worker's environment passed through."""

    def __init__(self, *, fail_fast_exit_codes: Sequence[int] = (EXIT_USAGE,), **kwargs) -> None:
        kwargs.setdefault("append_env", True)
        kwargs.setdefault("skip_on_exit_code", None)
        super().__init__(**kwargs)
        self.fail_fast_exit_codes = tuple(fail_fast_exit_codes)

    def execute(self, context):
        bash = shutil.which("bash") or "bash"
        result = self.subprocess_hook.run_command(
            command=[bash, "-c", self.bash_command],
            env=self.get_env(context),
            output_encoding=self.output_encoding,
            cwd=self.cwd,
        )
        if result.exit_code == 0:
            return self.output_processor(result.output)
        if result.exit_code in self.skip_on_exit_code:
            raise AirflowSkipException(f"animetl exited {result.exit_code}: skipped")
        if result.exit_code in self.fail_fast_exit_codes:
            raise AirflowFailException(
                f"animetl exited {result.exit_code} (usage or configuration): not retried"
            )
        raise AirflowException(f"animetl exited {result.exit_code}")
