"""``git ml ui`` at 10k runs: the runs page and API pages, medians over warm requests.

    PYTHONPATH=$PWD python bench/run.py ui            # 10,000 runs
    PYTHONPATH=$PWD python bench/run.py ui --quick    # 1,000 runs
    PYTHONPATH=$PWD python bench/bench_ui.py [--quick] # the same, without the runner

Runs are one real ``gitml.start_run`` run (the template, with a 20-step history) plus
synthetic copies added by ``git fast-import`` (bench_runs.fast_import_runs). The server is
a real ``git ml ui --port 0`` process; requests are plain HTTP GETs from this process, a new
connection each (as the slowest browser would do). "Runs page" is what a browser fetches to
show the table: the HTML shell, ``/api/summary`` and the first ``/api/runs`` page.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
for entry in (ROOT, BENCH_DIR):
    if str(entry) not in sys.path:
        sys.path.insert(0, str(entry))

from bench_runs import fast_import_runs, make_env, new_repo  # noqa: E402
from run import Context, Result  # noqa: E402

PAGE_TARGET_MS = 1000.0
API_TARGET_MS = 100.0
REPEAT = 11

TEMPLATE_RUN = """\
import gitml
with gitml.start_run(name="template", params={"lr": 0.1, "depth": 3}) as run:
    for step in range(20):
        run.log_metric("loss", 1.0 / (step + 1), step=step)
        run.log_metric("acc", 1 - 0.5 / (step + 1), step=step)
"""


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as response:
        data: bytes = response.read()
        return data


def timed_ms(fetch: list[str], repeat: int = REPEAT) -> tuple[float, float]:
    """(median, max) wall milliseconds of fetching every URL of ``fetch`` in turn."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        for url in fetch:
            get(url)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), max(samples)


@contextmanager
def ui_server(repo: Path, env: dict[str, str]) -> Iterator[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "gitml", "ui", "--port", "0"],
        cwd=repo,
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        found = re.search(r"(http://127\.0\.0\.1:\d+/)", line)
        if not found:
            raise RuntimeError(f"git ml ui did not start: {line}")
        yield found.group(1)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def browser_page_ms(url: str, n: int) -> tuple[float, float] | None:
    """Navigation start to a rendered table of 50 rows, in Debian's headless Chromium."""
    if not Path("/usr/bin/chromium").exists():
        return None
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        from selenium.webdriver.support.ui import WebDriverWait
    except ImportError:
        return None
    import tempfile

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    profile = tempfile.mkdtemp(prefix="chromium-")
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--no-first-run",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    samples = []
    try:
        for _ in range(6):
            driver.get("about:blank")
            start = time.perf_counter()
            driver.get(url)
            WebDriverWait(driver, 30, poll_frequency=0.005).until(
                lambda d: (
                    d.execute_script(
                        "return document.querySelectorAll('#runs-table tbody tr').length"
                    )
                    == 50
                )
            )
            samples.append((time.perf_counter() - start) * 1000)
    finally:
        driver.quit()
    samples = samples[1:]  # the first load also warms the browser's caches
    return statistics.median(samples), max(samples)


def build_repo(ctx: Context, n: int) -> tuple[Path, dict[str, str], dict[str, object]]:
    env = make_env(ctx.workdir / "home", ROOT)
    repo = new_repo(ctx.workdir / "runs", env)
    subprocess.run([sys.executable, "-c", TEMPLATE_RUN], cwd=repo, env=env, check=True)
    out = subprocess.run(
        [sys.executable, "-m", "gitml", "ls", "--json", "--limit", "1"],
        cwd=repo,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    template = json.loads(out)[0]
    started = time.perf_counter()
    fast_import_runs(repo, env, template, n - 1)
    ctx.say(f"imported {n - 1:,} runs in {time.perf_counter() - started:.1f} s")
    return repo, env, template


def run(ctx: Context) -> list[Result]:
    n = 1_000 if ctx.quick else 10_000
    repo, env, template_doc = build_repo(ctx, n)
    results: list[Result] = []
    with ui_server(repo, env) as url:
        started = time.perf_counter()
        first = json.loads(get(url + "api/runs?limit=50"))
        cold = (time.perf_counter() - started) * 1000
        assert first["total"] == n, first["total"]
        results.append(Result(f"first request, index built for {n:,} runs", cold, "ms"))
        template = json.loads(get(url + "api/runs?where=" + quote("name = 'template'")))
        run_id = template["rows"][0]["id"]
        other = first["rows"][0]["id"]

        page = [url, url + "api/summary", url + "api/runs?limit=50"]
        median, worst = timed_ms(page)
        results.append(
            Result(
                f"runs page at {n:,} runs (HTML + summary + first 50)",
                median,
                "ms",
                f"median <= {PAGE_TARGET_MS:g} ms",
                median <= PAGE_TARGET_MS,
                f"max {worst:.1f} ms, n={REPEAT}",
            )
        )
        api_pages = {
            "API page of 100 runs (newest)": "api/runs?limit=100",
            "API page of 100 runs at offset 5,000": f"api/runs?limit=100&offset={n // 2}",
            "API page of 100 runs sorted by -metrics.acc": "api/runs?limit=100&sort=-metrics.acc",
            "API page of 100 runs, where acc > 0.5 and lr = 0.1": "api/runs?limit=100&where="
            + quote("metrics.acc > 0.5 and params.lr = 0.1"),
        }
        for name, path in api_pages.items():
            median, worst = timed_ms([url + path])
            results.append(
                Result(
                    f"{name} ({n:,} runs)".replace("5,000", f"{n // 2:,}"),
                    median,
                    "ms",
                    f"median <= {API_TARGET_MS:g} ms",
                    median <= API_TARGET_MS,
                    f"max {worst:.1f} ms, n={REPEAT}",
                )
            )
        fresh = []
        for i in range(REPEAT):
            where = quote(f"metrics.acc > {0.3 + i / 100} and params.lr = 0.1")
            median, _worst = timed_ms([url + f"api/runs?limit=100&where={where}"], repeat=1)
            fresh.append(median)
        median = statistics.median(fresh)
        results.append(
            Result(
                f"API page of 100 runs, a new filter each time ({n:,} runs, count not cached)",
                median,
                "ms",
                f"median <= {API_TARGET_MS:g} ms",
                median <= API_TARGET_MS,
                f"max {max(fresh):.1f} ms, n={REPEAT}",
            )
        )
        after = []
        for _ in range(5):
            fast_import_runs(repo, env, template_doc, 1)
            median, _worst = timed_ms(page, repeat=1)
            after.append(median)
        median = statistics.median(after)
        results.append(
            Result(
                "runs page right after a new run (index refresh, caches invalidated)",
                median,
                "ms",
                f"median <= {PAGE_TARGET_MS:g} ms",
                median <= PAGE_TARGET_MS,
                f"max {max(after):.1f} ms, n=5",
            )
        )
        browser = browser_page_ms(url, n)
        if browser is not None:
            median, worst = browser
            results.append(
                Result(
                    f"runs page in headless Chromium, until the table shows ({n:,} runs)",
                    median,
                    "ms",
                    f"median <= {PAGE_TARGET_MS:g} ms",
                    median <= PAGE_TARGET_MS,
                    f"max {worst:.1f} ms, n=5",
                )
            )
        else:
            ctx.say("no /usr/bin/chromium or selenium: the in-browser measurement is skipped")
        others = {
            "column list": "api/runs/columns",
            "one run with its curves": f"api/runs/{run_id}",
            "compare two runs": f"api/compare?runs={run_id},{other}",
            "app.js": "static/app.js",
        }
        for name, path in others.items():
            median, worst = timed_ms([url + path])
            results.append(Result(name, median, "ms", detail=f"max {worst:.1f} ms, n={REPEAT}"))
    return results


def main() -> int:
    from run import main as run_main

    return run_main(["ui", *sys.argv[1:]])


if __name__ == "__main__":
    os.environ.setdefault("PYTHONPATH", str(ROOT))
    raise SystemExit(main())
