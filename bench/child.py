"""Running one measured step in a process of its own, so its peak RSS is its own.

A step is `python -m bench.<module> <task>` with the app's settings in its environment; it
prints one JSON line (its figures, with peak_rss_mb) as its last line of output.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def peak_rss_mb() -> float:
    """This process's peak resident set size so far, in MiB. VmHWM, not ru_maxrss: after
    fork and exec, ru_maxrss still counts the parent's pages the child started with."""
    try:
        return round(_vm_hwm_mb("self"), 1)
    except OSError:
        return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _vm_hwm_mb(pid: int | str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _descendants(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found += [int(child), *_descendants(int(child))]
    return found


def tree_peak_rss_mb() -> float:
    """This process's peak RSS plus each of its live descendants' (the poller's form
    readers and their fork server): the sum of the peaks, an upper bound of the whole's."""
    total = peak_rss_mb()
    for pid in _descendants(os.getpid()):
        try:
            total += _vm_hwm_mb(pid)
        except OSError:  # ended meanwhile
            pass
    return round(total, 1)


def emit(figures: dict) -> None:
    """The child's last line: its figures (peak_rss_mb: this process's, unless given)."""
    figures.setdefault("peak_rss_mb", peak_rss_mb())
    sys.stdout.write(json.dumps(figures) + "\n")
    sys.stdout.flush()


def start(module: str, task: str, env: dict[str, str], *args: str) -> subprocess.Popen:
    """Start a step; `finish` collects its figures."""
    return subprocess.Popen(
        [sys.executable, "-m", f"bench.{module}", task, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen, timeout: float = 1800) -> dict:
    out, err = process.communicate(timeout=timeout)
    if process.returncode != 0:
        raise RuntimeError(f"bench step failed ({process.args}):\n{err[-4000:]}")
    lines = [line for line in out.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"bench step printed no figures ({process.args}):\n{err[-4000:]}")
    return json.loads(lines[-1])


def run(module: str, task: str, env: dict[str, str], *args: str) -> dict:
    return finish(start(module, task, env, *args))


class Timer:
    def __enter__(self) -> Timer:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self.start


def profiled(name: str):
    """A context manager that profiles the block with pyinstrument when BENCH_PROFILE names
    a folder (its text and HTML reports go there), else does nothing."""
    folder = os.environ.get("BENCH_PROFILE")
    if not folder:
        from contextlib import nullcontext

        return nullcontext()
    from contextlib import contextmanager

    @contextmanager
    def run_profiler():
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.002)
        profiler.start()
        try:
            yield
        finally:
            profiler.stop()
            path = Path(folder)
            path.mkdir(parents=True, exist_ok=True)
            (path / f"{name}.txt").write_text(profiler.output_text(unicode=True, show_all=False))
            (path / f"{name}.html").write_text(profiler.output_html())

    return run_profiler()


TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_of(pid: int | str) -> float:
    """A process's CPU seconds so far (user + system, every thread)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def _machine_busy() -> float:
    """CPU seconds spent by the whole machine so far (all cores, not idle nor waiting)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(values) - values[3] - values[4]) / TICKS


class CpuMeter:
    """Where a step's CPU went: this process, its descendants (the form readers), the
    database server's processes (`server_pids()`, asked before and after), and the whole
    machine; in seconds, to set beside the step's wall time."""

    def __init__(self, server_pids=lambda: []) -> None:
        self.server_pids = server_pids

    def _snapshot(self) -> dict:
        snapshot = {"machine": _machine_busy(), "self": _cpu_of("self"), "pids": {}}
        for pid in [*_descendants(os.getpid()), *self.server_pids()]:
            try:
                snapshot["pids"][pid] = _cpu_of(pid)
            except OSError:
                pass
        return snapshot

    def __enter__(self) -> CpuMeter:
        self.before = self._snapshot()
        return self

    def __exit__(self, *exc) -> None:
        after, before = self._snapshot(), self.before
        readers = set(_descendants(os.getpid()))
        spent = {pid: cpu - before["pids"].get(pid, 0.0) for pid, cpu in after["pids"].items()}
        self.figures = {
            "cpu_poller_s": round(after["self"] - before["self"], 2),
            "cpu_readers_s": round(sum(v for p, v in spent.items() if p in readers), 2),
            "cpu_database_s": round(sum(v for p, v in spent.items() if p not in readers), 2),
            "cpu_machine_s": round(after["machine"] - before["machine"], 2),
        }
