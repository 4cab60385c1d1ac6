"""Benchmark: authenticated `GET /v1/subjects/{id}` under gunicorn -w 2 vs a bare Flask route, same run.

Usage: python bench/api.py [--subjects 3000] [--duration 5] [--rounds 3] [--connections 4] [--role analyst]

Creates a throwaway instance in a temporary folder (subjects through the real Importer, one API key through
compliance.access.principals.create), runs `gunicorn -w 2 "api:create_app()"` on a free 127.0.0.1 port, then the
bare app (bench/bare_app.py) under the same gunicorn settings, and drives both with wrk (Debian package
`wrk`) on loopback, or with a multi-process http.client client when wrk is missing. Prints req/s of both,
their ratio and p50/p99 latency. Traffic only ever goes to 127.0.0.1; every run is bounded in requests and time.

The harness (instance, gunicorn, load generator) is shared with bench/consent.py.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.machine import describe, percentile  # noqa: E402

HOST = "127.0.0.1"  # the only address any benchmark talks to
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
REAL_APP = "api:create_app()"
BARE_APP = "bench.bare_app:app"
CLIENT = {"name": "auto"}  # auto (wrk when installed), wrk or python: set from --client


def use_wrk() -> bool:
    """True when runs go through wrk."""
    if CLIENT["name"] == "python":
        return False
    if CLIENT["name"] == "wrk" and not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")
    return shutil.which("wrk") is not None


# ---------------------------------------------------------------------------------------------------------
# Instance


def synthetic_rows(n: int, seed: int = 1) -> list[dict[str, str]]:
    """n import rows with unique external ids and emails (fake names, example.com addresses)."""
    rnd = random.Random(seed)
    first = ["Anna", "Boris", "Clara", "Dmitri", "Elena", "Fedor", "Galina", "Igor", "Julia", "Kirill"]
    last = ["Ivanova", "Petrov", "Smirnova", "Kuznetsov", "Popova", "Sokolov", "Lebedeva", "Kozlov"]
    rows = []
    for i in range(n):
        rows.append(
            {
                "external_id": f"B{i:08d}",
                "first_name": rnd.choice(first),
                "last_name": rnd.choice(last),
                "email": f"bench.user{i}@example.com",
                "city": "Moscow",
                "country": "RU",
            }
        )
    return rows


@dataclass
class Instance:
    folder: Path
    settings: object
    svc: object
    subject_ids: list[str]
    api_key: str
    extra_env: dict[str, str] = field(default_factory=dict)  # further CONSENTRY_* settings for the workers

    def env(self) -> dict[str, str]:
        """The environment a gunicorn worker needs to open this instance (no other CONSENTRY_* leaks in)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("CONSENTRY_")}
        env.update(self.extra_env)
        env["CONSENTRY_HOME"] = str(self.settings.home)
        env["PYTHONPATH"] = str(ROOT)
        return env


def make_instance(folder: Path, subjects: int, role: str, seed: int = 1) -> Instance:
    """A fresh instance with `subjects` imported subjects and an API key of `role`."""
    from compliance.access import principals
    from compliance.instance import initialise
    from compliance.services import build_services
    from compliance.settings import Settings
    from compliance.store.models import Subject
    from compliance.subjects.importer import Importer

    settings = Settings.load(env={}, home=folder / "instance")
    initialise(settings)
    svc = build_services(settings)
    actor = svc.local_actor()
    t0 = time.perf_counter()
    report = Importer(svc, actor, source="bench").run(synthetic_rows(subjects, seed))
    took = time.perf_counter() - t0
    print(f"setup: imported {report.imported} subjects in {took:.1f}s ({report.imported / took:,.0f} rows/s)")
    key = principals.create(svc, actor, f"bench-{role}", role, kind="application")["api_key"]
    ids = [s.id for s in Subject.select(Subject.id).order_by(Subject.id)]
    return Instance(folder, settings, svc, ids, key)


# ---------------------------------------------------------------------------------------------------------
# gunicorn


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Gunicorn:
    """`gunicorn -w N APP` on a free loopback port, started and stopped by this process only."""

    def __init__(self, app: str, env: dict[str, str], workers: int = 2, extra: tuple[str, ...] = ()):
        self.port = free_port()
        self.argv = [
            GUNICORN,
            "-w",
            str(workers),
            "-b",
            f"{HOST}:{self.port}",
            "--log-level",
            "warning",
            *extra,
            app,
        ]
        self.env = env
        self.proc: subprocess.Popen | None = None

    @property
    def command(self) -> str:
        return shlex.join(["gunicorn", *self.argv[1:]])

    def __enter__(self) -> Gunicorn:
        self.proc = subprocess.Popen(self.argv, cwd=ROOT, env=self.env)  # noqa: S603 - fixed argv
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}: {self.command}")
            try:
                with socket.create_connection((HOST, self.port), timeout=0.5):
                    pass
                status, _ = request(self.port, "GET", "/healthz")
                if status:
                    time.sleep(1.0)  # both workers booted (each opens the instance on start)
                    return self
            except OSError:
                time.sleep(0.2)
        self.__exit__(None, None, None)
        raise RuntimeError(f"gunicorn did not answer on {HOST}:{self.port} within 60s")

    def worker_pids(self) -> list[int]:
        """Pids of this master's workers (for profiling)."""
        try:
            out = subprocess.run(  # noqa: S603
                ["ps", "-o", "pid=", "--ppid", str(self.proc.pid)], capture_output=True, text=True, check=False
            ).stdout  # noqa: S607
        except OSError:
            return []
        return [int(p) for p in out.split()]

    def __exit__(self, *exc) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)  # the master stops its own workers
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


def request(port: int, method: str, path: str, headers: dict | None = None, body: bytes | None = None):
    """One request to 127.0.0.1:port; (status, body bytes)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


# ---------------------------------------------------------------------------------------------------------
# Load generation

LUA = r"""
-- Requests cycle through a file of lines "METHOD<TAB>PATH<TAB>BODY"; each thread stops after `limit`.
local reqs = {}
for line in io.lines(os.getenv("BENCH_REQUESTS")) do
  local m, p, b = line:match("^([^\t]*)\t([^\t]*)\t?(.*)$")
  reqs[#reqs + 1] = {m, p, b}
end
local limit = tonumber(os.getenv("BENCH_LIMIT"))
local i = 0
local done = 0
function init(args)
  i = math.random(#reqs)
end
function request()
  i = i % #reqs + 1
  local r = reqs[i]
  if r[3] ~= "" then
    local h = {["Content-Type"] = "application/json"}
    for k, v in pairs(wrk.headers) do h[k] = v end  -- wrk.format replaces, not merges, the -H headers
    return wrk.format(r[1], r[2], h, r[3])
  end
  return wrk.format(r[1], r[2])
end
function response(status, headers, body)
  done = done + 1
  if done >= limit then wrk.thread:stop() end
end
"""


@dataclass
class Result:
    label: str
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    tool: str
    cpu_ms: float = float("nan")  # server CPU (master + workers, user + system) per request

    def line(self) -> str:
        return (
            f"{self.label}: {self.rps:,.0f} req/s ({self.requests:,} requests in {self.seconds:.1f}s), "
            f"p50 {self.p50_ms:.2f} ms, p99 {self.p99_ms:.2f} ms, server CPU {self.cpu_ms:.3f} ms/request, "
            f"errors {self.errors} [{self.tool}]"
        )


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip()).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def run_wrk(label, port, reqs, headers, duration, connections, threads, limit, workdir) -> Result:
    """Drive 127.0.0.1:port with wrk; bounded by `duration` seconds and `limit` requests."""
    script = workdir / "bench.lua"
    script.write_text(LUA, encoding="utf-8")
    lines = workdir / f"requests-{port}.tsv"
    lines.write_text("".join(f"{m}\t{p}\t{b or ''}\n" for m, p, b in reqs), encoding="utf-8")
    argv = [
        "wrk",
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{max(1, round(duration))}s",
        "--latency",
        "-s",
        str(script),
    ]
    for k, v in headers.items():
        argv += ["-H", f"{k}: {v}"]
    argv.append(f"http://{HOST}:{port}/")
    env = {**os.environ, "BENCH_REQUESTS": str(lines), "BENCH_LIMIT": str(max(1, limit // threads))}
    out = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=duration + 60, check=False)  # noqa: S603
    text = out.stdout
    if out.returncode != 0 or "Requests/sec" not in text:
        raise RuntimeError(f"wrk failed ({out.returncode}): {(out.stderr or out.stdout).strip()[:300]}")
    total = int(re.search(r"(\d+) requests in ([\d.]+)(\w+)", text).group(1))
    secs = _ms(re.search(r"requests in ([\d.]+\w+)", text).group(1)) / 1000
    errors = 0
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if m:
        errors += int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if m:
        errors += int(m.group(1)) + int(m.group(3)) + int(m.group(4))  # read errors: closed keep-alive sockets
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", text, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", text, re.M).group(1))
    if total >= limit:
        print(f"note: {label} hit the request limit ({limit:,}); req/s is an underestimate")
    return Result(label, total, secs, total / secs, p50, p99, errors, "wrk")


def _client(args) -> tuple[list[float], int]:
    port, reqs, headers, until, limit, offset = args
    latencies, errors = [], 0
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    i = offset
    while len(latencies) < limit and time.monotonic() < until:
        method, path, body = reqs[i % len(reqs)]
        i += 1
        hdrs = dict(headers)
        if body:
            hdrs["Content-Type"] = "application/json"
        t = time.perf_counter()
        try:
            conn.request(method, path, body=body.encode() if body else None, headers=hdrs)
            resp = conn.getresponse()
            resp.read()
            if resp.status >= 300:
                errors += 1
            if resp.will_close:
                conn.close()
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
        latencies.append((time.perf_counter() - t) * 1000)
    conn.close()
    return latencies, errors


def run_python(label, port, reqs, headers, duration, connections, limit) -> Result:
    """Fallback load generator: `connections` processes, each a keep-alive http.client loop."""
    start = time.monotonic()
    until = start + duration
    per = max(1, limit // connections)
    jobs = [(port, reqs, headers, until, per, i * 7919) for i in range(connections)]
    with multiprocessing.get_context("fork").Pool(connections) as pool:
        parts = pool.map(_client, jobs)
    secs = time.monotonic() - start
    lat = [x for p, _ in parts for x in p]
    errors = sum(e for _, e in parts)
    return Result(label, len(lat), secs, len(lat) / secs, percentile(lat, 50), percentile(lat, 99), errors, "python")


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds consumed so far by these processes (Linux /proc)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / os.sysconf("SC_CLK_TCK")


def drive(label, port, reqs, headers, *, duration, connections, limit, workdir, server=None) -> Result:
    """One measured run: wrk when installed, else the Python client; with `server`, its CPU per request."""
    pids = [server.proc.pid, *server.worker_pids()] if server is not None else []
    before = cpu_seconds(pids)
    if use_wrk():
        res = run_wrk(label, port, reqs, headers, duration, connections, 1, limit, workdir)
    else:
        res = run_python(label, port, reqs, headers, duration, connections, limit)
    if pids and res.requests:
        res.cpu_ms = (cpu_seconds(pids) - before) * 1000 / res.requests
    return res


def loadgen_command(duration: float, connections: int) -> str:
    """The load-generator command line as run (for the printed record)."""
    if use_wrk():
        return (
            f"wrk -t 1 -c {connections} -d {max(1, round(duration))}s --latency -s bench.lua "
            f"-H 'Authorization: Bearer csk_…' http://127.0.0.1:PORT/"
        )
    return f"python http.client, {connections} processes with keep-alive, {duration:g}s"


def combine(label: str, runs: list[Result]) -> Result:
    """Rounds of one server and scenario: total requests over total time; median p50 and p99 of the rounds."""
    total = sum(r.requests for r in runs)
    secs = sum(r.seconds for r in runs)
    return Result(
        label,
        total,
        secs,
        total / secs if secs else 0.0,
        percentile([r.p50_ms for r in runs], 50),
        percentile([r.p99_ms for r in runs], 50),
        sum(r.errors for r in runs),
        runs[0].tool,
        sum(r.cpu_ms * r.requests for r in runs) / total if total else float("nan"),
    )


@dataclass
class Scenario:
    label: str
    reqs: list[tuple[str, str, str]]
    bare: bool = True  # also run against the bare app


def compare(inst: Instance, scenarios: list[Scenario], *, rounds, duration, connections, limit, workdir, profile=None):
    """Both apps up at once under identical gunicorn settings; per scenario, `rounds` alternating runs of each
    (bare, real, real, bare, ...) so drift in machine load hits both alike. Returns {label: (real, bare|None)}."""
    headers = {"Authorization": f"Bearer {inst.api_key}"}
    env = inst.env()
    common = {"connections": connections, "limit": limit, "workdir": workdir}
    out = {}
    with Gunicorn(REAL_APP, env) as real_srv, Gunicorn(BARE_APP, env) as bare_srv:
        settings = " ".join(f"{k}={v}" for k, v in sorted(inst.extra_env.items()))
        print(f"$ {settings + ' ' if settings else ''}CONSENTRY_HOME={inst.settings.home} {real_srv.command}")
        print(f"$ {bare_srv.command}")
        print(f"$ {loadgen_command(duration, connections)}   ({rounds} alternating rounds per server)")
        for sc in scenarios:
            method, path, body = sc.reqs[0]
            status, payload = request(
                real_srv.port, method, path, {**headers, "Content-Type": "application/json"}, body.encode() or None
            )
            if status != 200:
                raise RuntimeError(f"{method} {path.split('?')[0]} answered {status}: {payload[:200]!r}")
            if profile:
                profile(real_srv, sc, headers)
            servers = [("consentry", real_srv)] + ([("bare flask", bare_srv)] if sc.bare else [])
            for _, srv in servers:  # warm-up, not measured
                drive(sc.label, srv.port, sc.reqs, headers, duration=2, **common)
            runs: dict[str, list[Result]] = {name: [] for name, _ in servers}
            for r in range(rounds):
                for name, srv in servers if r % 2 else servers[::-1]:
                    res = drive(
                        f"{name} {sc.label}", srv.port, sc.reqs, headers, duration=duration, server=srv, **common
                    )
                    runs[name].append(res)
                real_run = runs["consentry"][-1]
                line = f"  round {r + 1}: consentry {real_run.rps:,.0f} req/s ({real_run.cpu_ms:.3f} ms CPU/req)"
                if sc.bare:
                    bare_run = runs["bare flask"][-1]
                    line += (
                        f", bare {bare_run.rps:,.0f} req/s ({bare_run.cpu_ms:.3f} ms CPU/req), "
                        f"ratio {real_run.rps / bare_run.rps:.3f}"
                    )
                print(line)
            real = combine(f"consentry {sc.label}", runs["consentry"])
            bare = combine(f"bare flask {sc.label}", runs["bare flask"]) if sc.bare else None
            out[sc.label] = (real, bare)
    return out


def report(real: Result, bare: Result, goal: float | None = None) -> float:
    """Print both results and the ratio; return the ratio."""
    print(real.line())
    print(bare.line())
    ratio = real.rps / bare.rps if bare.rps else float("nan")
    suffix = f" (goal >= {goal})" if goal else ""
    print(f"ratio consentry/bare: {ratio:.3f}{suffix}")
    print(
        f"server CPU per request: consentry {real.cpu_ms:.3f} ms, bare {bare.cpu_ms:.3f} ms, "
        f"CPU ratio bare/consentry {bare.cpu_ms / real.cpu_ms:.3f} (the req/s ratio a CPU-bound server would show)"
    )
    if real.errors or bare.errors:
        print("WARNING: some requests failed; the figures above are not valid")
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subjects", type=int, default=3000)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per measured run")
    parser.add_argument("--rounds", type=int, default=3, help="alternating measured runs per server")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--limit", type=int, default=500_000, help="at most this many requests per run")
    parser.add_argument("--role", default="analyst", help="role of the API key (analyst: masked PII)")
    parser.add_argument("--client", choices=("auto", "wrk", "python"), default="auto", help="load generator")
    args = parser.parse_args()
    CLIENT["name"] = args.client
    print(f"machine: {describe()}")
    with tempfile.TemporaryDirectory(prefix="consentry-bench-") as tmp:
        folder = Path(tmp)
        inst = make_instance(folder, args.subjects, args.role)
        inst.svc.close()
        ids = inst.subject_ids[:]
        random.Random(2).shuffle(ids)
        label = "GET /v1/subjects/{id}"
        results = compare(
            inst,
            [Scenario(label, [("GET", f"/v1/subjects/{sid}", "") for sid in ids])],
            rounds=args.rounds,
            duration=args.duration,
            connections=args.connections,
            limit=args.limit,
            workdir=folder,
        )
        real, bare = results[label]
        print(f"subjects: {len(ids)}, API key role: {args.role}, gunicorn -w 2 (sync workers), each read audited")
        ratio = report(real, bare)
        summary = {"real_rps": round(real.rps), "bare_rps": round(bare.rps), "ratio": round(ratio, 3)}
        print("json:", json.dumps(summary))


if __name__ == "__main__":
    main()
