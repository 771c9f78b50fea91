"""The parts of a rerun's judgement: tolerances, metric checks, outputs, environments, signals."""

from __future__ import annotations

import os
import signal

import pytest

from gitml.errors import UsageError
from gitml.rerun.envdiff import compare_env, diff_packages
from gitml.rerun.replay import interruptible, rerun_name, shielded
from gitml.rerun.verdict import (
    MetricCheck,
    Tolerances,
    Verdict,
    compare_outputs,
    judge,
    parse_tolerance,
    tolerances,
)


def test_tolerances_most_specific_wins() -> None:
    tol = tolerances({"default": 1e-3, "loss": 0.1, "acc": 0.2}, ["0.05", "acc=0"])
    assert tol == Tolerances(0.05, {"loss": 0.1, "acc": 0.0})
    assert tol.of("other") == 0.05
    assert tolerances({}).of("x") == 1e-6


@pytest.mark.parametrize("text", ["", "x", "-1", "nan", "inf", "=0.1", "acc=", "acc=-2"])
def test_bad_tolerance_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError, match="--tolerance"):
        parse_tolerance(text)


def test_metric_check_is_relative_and_zero_matches_only_zero() -> None:
    assert MetricCheck("a", 100.0, 100.001, 1e-6).ok is False
    assert MetricCheck("a", 100.0, 100.001, 1e-4).ok is True
    assert MetricCheck("a", -100.0, -100.001, 1e-4).ok is True
    assert MetricCheck("a", 0.0, 0.0, 0.0).ok is True
    assert MetricCheck("a", 0.0, 1e-300, 0.5).ok is False
    missing = MetricCheck("a", 1.0, None, 1.0)
    assert (missing.ok, missing.delta, missing.rel) == (False, None, None)
    assert missing.reason() == "metric a: recorded 1, missing in the rerun"
    assert MetricCheck("b", None, 2.0, 1.0).reason() == (
        "metric b: 2 in the rerun, not in the original run"
    )


def test_outputs_compare_by_digest() -> None:
    assert compare_outputs({"a": "x", "b": "y", "c": "z"}, {"a": "x", "b": "q", "d": "w"}) == {
        "a": "same",
        "b": "differs",
        "c": "missing",
        "d": "new",
    }


def _doc(status: str = "completed", **tables: dict[str, object]) -> dict[str, object]:
    return {"status": status, "exit_code": 0 if status == "completed" else 2, **tables}


def test_a_run_without_metrics_is_judged_by_its_outputs() -> None:
    tol = Tolerances()
    same = judge(_doc(outputs={"m": "x"}), _doc(outputs={"m": "x"}), tol)
    assert same.verdict is Verdict.REPRODUCED
    changed = judge(_doc(outputs={"m": "x"}), _doc(outputs={"m": "y"}), tol)
    assert (changed.verdict, changed.reasons) == (Verdict.DIFFERS, ("output m: differs",))
    nothing = judge(_doc(), _doc(), tol)
    assert nothing.verdict is Verdict.REPRODUCED
    assert nothing.reasons == (
        "no metrics or outputs were recorded; only the exit status was checked",
    )


def test_failed_rerun_of_a_failed_run_says_so() -> None:
    verdict = judge(_doc("failed"), _doc("failed"), Tolerances())
    assert verdict.verdict is Verdict.FAILED
    assert verdict.reasons == (
        "the command failed with exit code 2",
        "the original run failed too (exit code 2)",
    )
    table = verdict.table(["python"])
    assert table == {
        "verdict": "failed",
        "tolerance": 1e-6,
        "reasons": list(verdict.reasons),
        "metrics": {},
        "env": ["python"],
    }


def test_environment_differences_and_package_lists() -> None:
    recorded = {
        "python": "3.11.7",
        "platform": "Linux-6.1-x86_64",
        "gpus": ["A100"],
        "packages": {"digest": "xxh3-128:aa", "count": 3},
        "vars": {"OMP_NUM_THREADS": "1"},
    }
    current = {
        "python": "3.12.1",
        "platform": "Linux-6.1-x86_64",
        "gpus": [],
        "packages": {"digest": "xxh3-128:bb", "count": 3},
        "vars": {"CUDA_VISIBLE_DEVICES": "0", "OMP_NUM_THREADS": "1"},
    }
    diff = compare_env(
        recorded,
        current,
        ["numpy==1.26.0", "old==1.0", "same==2"],
        ["numpy==2.0.0", "new==0.1", "same==2"],
    )
    assert [(c.field, c.recorded, c.current) for c in diff.changes] == [
        ("python", "3.11.7", "3.12.1"),
        ("gpus", "A100", None),
        ("vars.CUDA_VISIBLE_DEVICES", None, "0"),
    ]
    assert diff.fields == ["python", "gpus", "vars.CUDA_VISIBLE_DEVICES", "packages"]
    assert diff.packages.summary() == "numpy 1.26.0 -> 2.0.0, +new==0.1, -old==1.0"
    unknown = compare_env(recorded, current, None, ["numpy==2.0.0"])
    assert unknown.packages.known is False
    assert "recorded list is not available" in unknown.packages.summary()
    assert not compare_env(recorded, recorded, None, ())
    assert not diff_packages(["a==1"], ["a==1"])


def test_rerun_name_stays_a_valid_run_name() -> None:
    assert rerun_name({"name": "base"}) == "base-rerun"
    long = rerun_name({"name": "x" * 57 + "-y" * 3})
    assert len(long) <= 64
    assert long.endswith("-rerun")


def _signal_self(signum: int) -> list[bool]:
    os.kill(os.getpid(), signum)
    for _ in range(1000):  # the handler runs between bytecodes
        pass
    return [True]


def _interrupted_setup() -> None:
    with interruptible():
        _signal_self(signal.SIGTERM)
        raise AssertionError("SIGTERM did not interrupt")  # pragma: no cover


def test_sigterm_interrupts_setup_and_cleanup_holds_signals_back() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(KeyboardInterrupt):
        _interrupted_setup()
    assert signal.getsignal(signal.SIGTERM) is before
    finished: list[bool] = []

    def cleanup() -> None:
        with shielded():
            finished.extend(_signal_self(signal.SIGINT))

    with pytest.raises(KeyboardInterrupt):
        cleanup()
    assert finished == [True]
