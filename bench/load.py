"""Loopback load on the feed server while plans are published (issue 10).

    python bench/load.py                      # 5,000 requests a phase, 100 at a time

Makes two plans of the same Kuopio month (seeds 1 and 2), publishes the first into a
fresh store, starts `planner serve` on 127.0.0.1 (a free port), issues tokens, and runs
three phases of bounded loopback load, each 5,000 requests from 100 concurrent
keep-alive connections, stopping by itself:

1. mixed requests (half conditional) while the two plans are published 5 times in turn:
   every answer is checked (no 5xx, no empty 200, every 200's ETag is its body's hash);
2. conditional requests whose ETag matches: 304s a second;
3. unconditional requests: 200s a second.

It prints, per phase, the answers by status, requests a second, and the median and
99th percentile latency. Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLANNER = [sys.executable, str(ROOT / "cli.py")]
HOST = "127.0.0.1"
REQUESTS = 5000
CONCURRENCY = 100
PUBLISHES = 5


def run(*args: str, cwd: Path) -> str:
    done = subprocess.run([*PLANNER, *args], capture_output=True, text=True, cwd=cwd)
    if done.returncode != 0:
        raise SystemExit(f"planner {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


async def fetch(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str, etag: str | None
) -> tuple[int, dict[str, str], bytes]:
    head = f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\n"
    if etag:
        head += f"If-None-Match: {etag}\r\n"
    writer.write((head + "\r\n").encode())
    await writer.drain()
    status_line = await reader.readline()
    status = int(status_line.split()[1])
    headers: dict[str, str] = {}
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        key, _, value = line.decode("latin-1").partition(":")
        headers[key.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    body = await reader.readexactly(length) if length else b""
    return status, headers, body


async def phase(
    port: int, paths: list[str], mode: str, publish: list[list[str]] | None, cwd: Path
) -> dict:
    """``mode``: 'mixed', 'conditional' or 'plain'."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    problems: list[str] = []
    etags: dict[str, str] = {}
    left = REQUESTS
    lock = asyncio.Lock()

    async def worker(number: int) -> None:
        nonlocal left
        reader, writer = await asyncio.open_connection(HOST, port)
        i = number
        try:
            while True:
                async with lock:
                    if left <= 0:
                        return
                    left -= 1
                path = paths[i % len(paths)]
                i += CONCURRENCY
                conditional = mode == "conditional" or (mode == "mixed" and i % 2 == 0)
                started = time.perf_counter()
                status, headers, body = await fetch(
                    reader, writer, path, etags.get(path) if conditional else None
                )
                latencies.append(time.perf_counter() - started)
                statuses[status] = statuses.get(status, 0) + 1
                if status >= 500:
                    problems.append(f"{status} for {path}")
                if status == 200:
                    if not body:
                        problems.append(f"empty 200 for {path}")
                    digest = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
                    if headers.get("etag") != digest:
                        problems.append(f"ETag {headers.get('etag')} is not its body's {digest}")
                    etags[path] = headers.get("etag", "")
        finally:
            writer.close()

    async def publisher() -> None:
        for k in range(PUBLISHES):
            await asyncio.sleep(0.3)
            await asyncio.to_thread(run, *publish[k % len(publish)], cwd=cwd)  # type: ignore[index]

    if mode == "conditional":  # learn the current ETags first
        reader, writer = await asyncio.open_connection(HOST, port)
        for path in paths:
            _, headers, _ = await fetch(reader, writer, path, None)
            etags[path] = headers.get("etag", "")
        writer.close()
    started = time.perf_counter()
    tasks = [worker(n) for n in range(CONCURRENCY)]
    if publish:
        tasks.append(publisher())
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "phase": mode,
        "requests": len(latencies),
        "seconds": round(elapsed, 2),
        "per_second": round(len(latencies) / elapsed),
        "statuses": dict(sorted(statuses.items())),
        "median_ms": round(1000 * statistics.median(latencies), 1),
        "p99_ms": round(1000 * latencies[int(0.99 * (len(latencies) - 1))], 1),
        "problems": len(problems),
        "first_problems": problems[:3],
    }


def main() -> int:
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        db = tmp / "store.db"
        for seed in ("1", "2"):
            print(f"planning 2026-03 with seed {seed} ...", file=sys.stderr, flush=True)
            run(
                "schedule",
                "--month",
                "2026-03",
                "--seed",
                seed,
                "--out",
                str(tmp / seed),
                "--time-limit",
                "15",
                "-q",
                "--db",
                str(tmp / "none.db"),
                cwd=ROOT,
            )
        run("publish", str(tmp / "1"), "--db", str(db), cwd=ROOT)
        staff = [f"s{n:03d}" for n in range(1, 9)]
        tokens = [run("token", "issue", s, "--db", str(db), cwd=ROOT).strip() for s in staff]
        planner = run("token", "issue", "planner:load", "--db", str(db), cwd=ROOT).strip()
        paths = [t[t.index("/feeds/") :] for t in tokens]
        paths.append(planner[planner.index("/feeds/") :])
        paths += [f"/feeds/points/{p}.ics" for p in ("rautavaara", "kaavi", "tervo", "nilsia")]
        with socket.socket() as probe:
            probe.bind((HOST, 0))
            port = probe.getsockname()[1]
        server = subprocess.Popen(
            [*PLANNER, "serve", "--db", str(db), "--host", HOST, "--port", str(port)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    socket.create_connection((HOST, port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.2)
            publishes = [
                ["publish", str(tmp / "2"), "--db", str(db)],
                ["publish", str(tmp / "1"), "--db", str(db)],
            ]
            results = [
                asyncio.run(phase(port, paths, "mixed", publishes, tmp)),
                asyncio.run(phase(port, paths, "conditional", None, tmp)),
                asyncio.run(phase(port, paths, "plain", None, tmp)),
            ]
        finally:
            server.terminate()
            server.wait(timeout=10)
    for row in results:
        print(row)
    bad = sum(r["problems"] for r in results)
    print(
        f"\n{bad} problems (5xx, empty 200s, body/ETag mismatches); 304s "
        f"{results[1]['per_second']}/s (p99 {results[1]['p99_ms']} ms), 200s "
        f"{results[2]['per_second']}/s (p99 {results[2]['p99_ms']} ms), mixed with "
        f"{PUBLISHES} publishes p99 {results[0]['p99_ms']} ms"
    )
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
