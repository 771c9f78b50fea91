"""System metrics of a run: CPU, memory and GPU use, sampled into its step history.

Opt-in (``git ml run --system-metrics``, ``gitml.start_run(system_metrics=True)``). Under
``git ml run`` the supervising process samples (the command is left alone); in-process
runs sample from a daemon thread. Names are MLflow's, so charts and queries carry over:

    system/cpu_utilization_percentage
    system/system_memory_usage_megabytes, system/system_memory_usage_percentage
    system/gpu_<i>_utilization_percentage, system/gpu_<i>_memory_usage_megabytes,
    system/gpu_<i>_memory_usage_percentage          (NVML, when a GPU and its driver exist)

CPU and memory come from psutil when it is installed, else from ``/proc`` (Linux); GPUs
from NVML through ``nvidia-ml-py`` (the ``gitml[gpu]`` extra). Step ``i`` is the ``i``-th
sample; each value carries its time.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from typing import Any

PREFIX = "system/"
DEFAULT_INTERVAL = 10.0
ENV_INTERVAL = "GITML_SYSTEM_METRICS_INTERVAL"
Record = Callable[[str, float, int, int], None]  # (name, value, step, timestamp ms)


def interval_from_env() -> float:
    """Seconds between samples (``$GITML_SYSTEM_METRICS_INTERVAL``, at least 0.1)."""
    try:
        return max(0.1, float(os.environ.get(ENV_INTERVAL, DEFAULT_INTERVAL)))
    except ValueError:
        return DEFAULT_INTERVAL


class _ProcCpu:
    """System-wide CPU use from ``/proc/stat`` between two readings."""

    def __init__(self) -> None:
        self._last = self._read()

    @staticmethod
    def _read() -> tuple[int, int] | None:
        try:
            with open("/proc/stat", encoding="ascii") as fh:
                fields = [int(v) for v in fh.readline().split()[1:]]
        except (OSError, ValueError):
            return None
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
        return sum(fields), idle

    def percent(self) -> float | None:
        now, last = self._read(), self._last
        self._last = now
        if now is None or last is None or now[0] == last[0]:
            return None
        busy = (now[0] - last[0]) - (now[1] - last[1])
        return round(100.0 * busy / (now[0] - last[0]), 2)


def _proc_memory() -> tuple[float, float] | None:
    """(used MB, used %) from ``/proc/meminfo``."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            info = {line.split(":")[0]: int(line.split()[1]) for line in fh if ":" in line}
        total, available = info["MemTotal"], info["MemAvailable"]
    except (OSError, ValueError, KeyError, IndexError):
        return None
    used = total - available
    return round(used / 1024, 2), round(100.0 * used / total, 2)


class Probe:
    """One reading of every available system metric (``{name: value}``)."""

    def __init__(self) -> None:
        try:
            import psutil
        except ImportError:
            psutil = None
        self._psutil: Any = psutil
        self._cpu = None if psutil is not None else _ProcCpu()
        if psutil is not None:
            psutil.cpu_percent(None)  # the first call only starts the measurement
        self._nvml: Any = _nvml()

    def read(self) -> dict[str, float]:
        out: dict[str, float] = {}
        if self._psutil is not None:
            out[f"{PREFIX}cpu_utilization_percentage"] = float(self._psutil.cpu_percent(None))
            mem = self._psutil.virtual_memory()
            out[f"{PREFIX}system_memory_usage_megabytes"] = round(mem.used / 2**20, 2)
            out[f"{PREFIX}system_memory_usage_percentage"] = float(mem.percent)
        else:
            cpu = self._cpu.percent() if self._cpu is not None else None
            if cpu is not None:
                out[f"{PREFIX}cpu_utilization_percentage"] = cpu
            memory = _proc_memory()
            if memory is not None:
                out[f"{PREFIX}system_memory_usage_megabytes"] = memory[0]
                out[f"{PREFIX}system_memory_usage_percentage"] = memory[1]
        if self._nvml is not None:
            out.update(_gpu_readings(self._nvml))
        return out


def _nvml() -> Any:
    """The NVML module, initialised, or None (no binding, no driver or no GPU)."""
    try:
        import pynvml
    except ImportError:
        return None
    try:
        pynvml.nvmlInit()
        if pynvml.nvmlDeviceGetCount() < 1:
            return None
    except (pynvml.NVMLError, OSError):  # no driver, or no usable GPU
        return None
    return pynvml


def _gpu_readings(nvml: Any) -> dict[str, float]:
    out: dict[str, float] = {}
    try:
        for i in range(nvml.nvmlDeviceGetCount()):
            handle = nvml.nvmlDeviceGetHandleByIndex(i)
            util = nvml.nvmlDeviceGetUtilizationRates(handle)
            mem = nvml.nvmlDeviceGetMemoryInfo(handle)
            out[f"{PREFIX}gpu_{i}_utilization_percentage"] = float(util.gpu)
            out[f"{PREFIX}gpu_{i}_memory_usage_megabytes"] = round(mem.used / 2**20, 2)
            out[f"{PREFIX}gpu_{i}_memory_usage_percentage"] = round(100.0 * mem.used / mem.total, 2)
    except (nvml.NVMLError, OSError):  # a GPU that went away mid-run: keep CPU and memory
        return out
    return out


class Sampler:
    """Samples every ``interval`` seconds from a daemon thread until ``stop`` (which takes
    one last sample), handing each value to ``record``."""

    def __init__(self, record: Record, interval: float | None = None) -> None:
        self.record = record
        self.interval = interval if interval is not None else interval_from_env()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._step = 0
        self._probe: Probe | None = None

    def start(self) -> None:
        self._probe = Probe()
        self._thread = threading.Thread(target=self._loop, name="gitml-system-metrics", daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        if self._probe is None:
            return
        stamp = int(time.time() * 1000)
        for name, value in self._probe.read().items():
            self.record(name, value, self._step, stamp)
        self._step += 1

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def stop(self) -> None:
        """Stop sampling; the last sample is taken now (a short run has at least one)."""
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join()
        self._thread = None
        self._sample()
