#!/usr/bin/env python3
"""opsh's benchmark: side by side with curl+jq and python, against the emulator on loopback.

Run by `make bench` (release build). Prints markdown tables: the README's Performance
section is a copy of the latest run. Figures are wall times of single runs on a shared
machine: read the ratios, not the third digit.
"""
import json
import math
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("OPSH_BIN", os.path.join(ROOT, ".build", "release"))
OPSH = os.path.join(BIN, "opsh")
EMULATOR = os.path.join(BIN, "opsh-emulator")
QUERY = "clicks | where port=6260 | count"
CLICKS = 178_268
MAX_PAGE = 1000
CONNECTIONS = 8
# Every section but disk-cache measures fetching: no process may answer from a store that an
# earlier run left on disk (disk_cache_figures sets its own).
os.environ["OPSH_CACHE"] = "memory"


# The reverse DNS server an emulator started with --dns-port answers on, by its API URL.
DNS_ADDRESSES = {}


def start_emulator(latency_ms, clicks=CLICKS, extra=()):
    proc = subprocess.Popen([EMULATOR, "--port", "0", "--latency-ms", str(latency_ms), "--clicks", str(clicks),
                             "--max-page-size", str(MAX_PAGE)] + list(extra), stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    m = re.search(r"listening on (\S+) \(demo token: ([^)]+)\)", line)
    if not m:
        proc.kill()
        sys.exit(f"bench: the emulator did not start: {line!r}")
    dns = re.search(r"reverse DNS on (\S+)", line)
    if dns:
        DNS_ADDRESSES[m.group(1)] = dns.group(1)
    return proc, m.group(1), m.group(2)


def timed(cmd, env=None, stdin=None):
    """Runs cmd under /usr/bin/time; returns (seconds, stdout, stderr, peak RSS in MB)."""
    with tempfile.NamedTemporaryFile() as t:
        started = time.perf_counter()
        p = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", t.name] + cmd, input=stdin, capture_output=True,
                           text=True, env=env, timeout=900)
        seconds = time.perf_counter() - started
        rss_kb = int(open(t.name).read().strip().splitlines()[-1])
    if p.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd)} failed ({p.returncode}): {p.stderr.strip()}")
    return seconds, p.stdout, p.stderr, rss_kb / 1024


def opsh_session(url, token, lines, extra_env=None, binary=OPSH):
    """Runs lines in one opsh session with timing on; returns [(ms, requests)], stdout lines, RSS MB."""
    env = dict(os.environ, OPENPORT_API_URL=url, OPENPORT_TOKEN=token, **(extra_env or {}))
    script = "set timing on\n" + "\n".join(lines) + "\n"
    _, out, err, rss = timed([binary], env=env, stdin=script)
    times = [(float(m.group(1)), int(m.group(2))) for m in re.finditer(r"time: ([\d.]+) ms, (\d+) request", err)]
    return times[1:], out.split("\n"), rss


def opsh_scans(url, token, runs):
    """Runs QUERY `runs` times, each in a fresh opsh; returns [(ms, requests, answer, timing line)]."""
    env = dict(os.environ, OPENPORT_API_URL=url, OPENPORT_TOKEN=token)
    results = []
    for _ in range(runs):
        _, out, err, _ = timed([OPSH], env=env, stdin="set timing on\n" + QUERY + "\n")
        lines = [l for l in err.splitlines() if l.startswith("time:")]
        m = re.search(r"time: ([\d.]+) ms, (\d+) request", lines[-1])
        results.append((float(m.group(1)), int(m.group(2)), out.strip(), lines[-1]))
    return results


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]


FAULTS = ["--error-rate", "0.05", "--throttle-rate", "0.05", "--truncate-rate", "0.05", "--drop-rate", "0.05"]


def resilience_figures(latency=20, runs=int(os.environ.get("BENCH_RUNS", "5"))):
    """Issue 13: the full scan under a 20 % fault mix and on a busy account, against fault-free."""
    print(f"## Scans under faults and on a busy account ({latency} ms a request, median of {runs} fresh sessions)\n")
    print("| emulator | wall | requests | ÷ fault-free | answer | timing line of the median run |")
    print("| --- | ---: | ---: | ---: | --- | --- |")
    cases = [
        ("fault-free", []),
        ("20 % faults: 5xx, 429 (Retry-After: 0), truncated bodies, dropped connections", FAULTS + ["--retry-after", "0"]),
        ("20 % faults, 429 with Retry-After: 1", FAULTS + ["--retry-after", "1"]),
        ("10 clicks/s appended at the end (oldest first; each count read 20 ms before its rows, as DRF does)",
         ["--append-rate", "10"]),
        ("10 clicks/s inserted at the front (newest first; count read apart)", ["--append-rate", "10", "--newest-first"]),
        ("20 clicks/s inserted at the front (newest first; count read apart)", ["--append-rate", "20", "--newest-first"]),
    ]
    base = None
    for label, extra in cases:
        proc, url, token = start_emulator(latency, extra=extra)
        try:
            results = opsh_scans(url, token, runs)
        finally:
            proc.terminate()
            proc.wait()
        ms = median([r[0] for r in results])
        mid = min(results, key=lambda r: abs(r[0] - ms))
        base = base or ms
        answers = sorted({r[2] for r in results})
        print(f"| {label} | {fmt_s(ms / 1000)} | {mid[1]} | {ms / base:.2f}× | {', '.join(answers)} | `{mid[3]}` |")
    print()


def disk_cache_run(url, token, home, script, env_extra=None, opsh=OPSH):
    """One new opsh process reading `script` on stdin, its XDG_CACHE_HOME in `home`.
    Returns (ms to the answer's first line, ms to exit, requests, answer, peak RSS MB)."""
    env = dict(os.environ, OPENPORT_API_URL=url, OPENPORT_TOKEN=token, XDG_CACHE_HOME=home)
    env.pop("OPSH_CACHE", None)
    env.update(env_extra or {})
    with tempfile.NamedTemporaryFile() as t:
        started = time.perf_counter()
        p = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", t.name, opsh], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        p.stdin.write("set timing on\n" + script)
        p.stdin.close()
        answer = p.stdout.readline().strip()
        answered = time.perf_counter() - started
        rest_out, err = p.stdout.read(), p.stderr.read()
        p.wait()
        exited = time.perf_counter() - started
        rss_kb = int(open(t.name).read().strip().splitlines()[-1])
    if p.returncode != 0:
        sys.exit(f"bench: opsh failed ({p.returncode}): {err.strip()}")
    requests = sum(int(m.group(1)) for m in re.finditer(r"time: [\d.]+ ms, (\d+) request", err))
    return answered * 1000, exited * 1000, requests, answer, rss_kb / 1024


def clicks_total(url, token):
    import urllib.request
    with urllib.request.urlopen(f"{url}openforiplinkclicks/?limit=1&token={token}") as r:
        return json.load(r)["count"]


def rename_a_key(url, token):
    """Renames the first key through the API, as the website would (its clicks are relabelled)."""
    import urllib.request
    with urllib.request.urlopen(f"{url}keys/?limit=1&token={token}") as r:
        key = json.load(r)["results"][0]
    request = urllib.request.Request(f"{url}keys/{key['id']}/?token={token}", method="PATCH",
                                     data=json.dumps({"name": key["name"] + " (renamed)"}).encode(),
                                     headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request).read()


def disk_cache_figures(latency=20, runs=int(os.environ.get("BENCH_RUNS", "5"))):
    """Issue 14: a new process with the click log on disk, against today's cold start."""
    print(f"## A new process with the clicks on disk ({CLICKS:,} clicks, {latency} ms a request, "
          f"median of {runs} processes; time from process start)\n")
    print("| new opsh process, `" + QUERY + "` | to the answer | to exit | requests | peak RSS | answer ÷ today's cold |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    query = QUERY + "\n"
    stale = "set ttl.clicks 0\n" + query
    rows = []

    def measure(label, prepare, script, env_extra=None, opsh=OPSH):
        results = []
        for _ in range(runs):
            proc, url, token = start_emulator(latency)
            emulators[url] = proc
            home = tempfile.mkdtemp(prefix="opsh-bench-cache-")
            try:
                prepare(url, token, home)
                results.append(disk_cache_run(url, token, home, script, env_extra, opsh))
            finally:
                proc.terminate()
                proc.wait()
                subprocess.run(["rm", "-rf", home])
        mid = sorted(results, key=lambda r: r[0])[len(results) // 2]
        rows.append((label, mid))

    def nothing(url, token, home):
        pass

    def filled(url, token, home):
        # An earlier run: the clicks, and the keys an incremental refresh reads.
        disk_cache_run(url, token, home, query + "keys | where id > 0 | count\n")

    emulators = {}

    def filled_then_new(url, token, home):
        filled(url, token, home)
        before = clicks_total(url, token)
        emulators[url].send_signal(signal.SIGUSR1)  # opsh-emulator: 1,000 new clicks
        while clicks_total(url, token) < before + 1000:
            time.sleep(0.01)

    # OPSH_BASELINE=path/to/opsh: the opsh of before this change too, side by side.
    if os.environ.get("OPSH_BASELINE"):
        measure("opsh before the disk cache (OPSH_BASELINE)", nothing, query, opsh=os.environ["OPSH_BASELINE"])
    measure("today: nothing kept (`cache = memory`, as before this change)", nothing, query, {"OPSH_CACHE": "memory"})
    measure("nothing on disk yet (writes the store on exit)", nothing, query)
    measure("clicks on disk, fetched moments ago (fresh)", filled, query)
    def filled_then_renamed(url, token, home):
        filled(url, token, home)
        rename_a_key(url, token)

    measure("clicks on disk and stale, none new (`set ttl.clicks 0`): both ends, a middle page, the keys", filled, stale)
    measure("clicks on disk and stale, 1,000 new since", filled_then_new, stale)
    measure("clicks on disk and stale, a key renamed since (a full scan)", filled_then_renamed, stale)
    base = rows[0][1][0]
    for label, (answer_ms, exit_ms, requests, answer, rss) in rows:
        print(f"| {label} | {answer_ms:.0f} ms | {exit_ms:.0f} ms | {requests} | {rss:.0f} MB | {answer_ms / base:.2f}× |")
    print(f"\nAnswers: {', '.join(r[1][3] for r in rows)} (the last run's count includes the new clicks).\n")


def fmt_s(s):
    return f"{s * 1000:.0f} ms" if s < 10 else f"{s:.1f} s"


def main():
    if sys.argv[1:] == ["https"]:  # `bench/run https`: only the HTTPS table
        https_figures()
        return
    for tool in ("curl", "jq"):
        if subprocess.run(["which", tool], capture_output=True).returncode != 0:
            sys.exit(f"bench: {tool} is needed (apt-get install {tool})")
    print(f"# opsh benchmark — {CLICKS:,} clicks, emulator max page {MAX_PAGE}, opsh {CONNECTIONS} connections\n")
    print(f"Query: `{QUERY}`. The peers start from the URL the API documentation shows and follow `next` "
          f"(the server's default page of 100 rows); one python run asks for limit={MAX_PAGE} pages as opsh does.\n")
    for latency in (20, 50):
        proc, url, token = start_emulator(latency)
        try:
            limit = math.ceil(CLICKS / MAX_PAGE) / CONNECTIONS * latency / 1000
            rows = []
            for name, binary in opsh_binaries():
                times, out, rss = opsh_session(url, token, [QUERY, QUERY], binary=binary)
                (cold_ms, cold_req), (warm_ms, warm_req) = times
                rows.append((f"{name}, cold (first query of a session)", cold_ms / 1000, cold_req, rss, out[0].strip()))
                rows.append((f"{name}, warm (same query again)", warm_ms / 1000, warm_req, rss, out[1].strip()))

            def peer(name, cmd):
                secs, pout, perr, prss = timed(cmd)
                req = int(re.search(r"requests=(\d+)", perr).group(1))
                rows.append((name, secs, req, prss, pout.strip()))

            py = [sys.executable, os.path.join(ROOT, "bench", "python_requests.py"), url, token]
            peer("bash curl + jq, following next", ["bash", os.path.join(ROOT, "bench", "curl_jq.sh"), url, token])
            peer("python3 requests, following next", py)
            peer(f"python3 requests, following next, limit={MAX_PAGE}", py + ["--limit", str(MAX_PAGE)])
            if latency == 20:
                peer(f"python3 requests, limit={MAX_PAGE}, keeping rows as dicts", py + ["--limit", str(MAX_PAGE), "--keep"])

            answers = {r[4] for r in rows}
            print(f"## {latency} ms latency per request — latency limit "
                  f"⌈{CLICKS:,}/{MAX_PAGE}⌉ ÷ {CONNECTIONS} × {latency} ms = {fmt_s(limit)}\n")
            print("| run | wall | requests | peak RSS | wall ÷ opsh cold |")
            print("| --- | ---: | ---: | ---: | ---: |")
            cold = rows[0][1]
            for name, secs, req, mb, _ in rows:
                print(f"| {name} | {fmt_s(secs)} | {req} | {mb:.0f} MB | {secs / cold:.1f}× |")
            same = "all print the same count" if len(answers) == 1 else f"ANSWERS DIFFER: {sorted(answers)}"
            print(f"\nAnswer: {rows[0][4]} ({same}). opsh cold ÷ latency limit: {cold / limit:.2f}; "
                  f"warm ÷ cold: {rows[1][1] / cold * 100:.2f} %.\n")
        finally:
            proc.terminate()
            proc.wait()

    resilience_figures()
    https_figures()
    over_time_figures()
    geo_figures()
    disk_cache_figures()
    interactive_figures()
    suggestion_figures()
    scale_figures()

    # Requests for the cheap questions, and in-memory pipelines over cached rows (no latency).
    proc, url, token = start_emulator(0)
    try:
        lines = ["clicks | count", "clicks | first 10 | count", "clicks | count",
                 "clicks | where port=6260 | count", "clicks | where port=6260 | count",
                 "clicks | group source_ip | first 10", "clicks | sort -timestamp | first 10"]
        runs = [(name,) + opsh_session(url, token, lines, binary=binary) for name, binary in opsh_binaries()]
        print("## Requests and in-memory work\n")
        print("| line | " + " | ".join(f"{r[0]}: time | requests" for r in runs) + " |")
        print("| --- |" + " ---: | ---: |" * len(runs))
        labels = ["clicks | count (nothing cached)", "clicks | first 10 (nothing cached)", None,
                  "clicks | where port=6260 | count (fetch all, cache)", "clicks | where port=6260 | count (cached)",
                  "clicks | group source_ip | first 10 (cached)", "clicks | sort -timestamp | first 10 (cached)"]
        for i, label in enumerate(labels):
            if label:
                print(f"| `{label}` | " + " | ".join(f"{r[1][i][0]:.1f} ms | {r[1][i][1]}" for r in runs) + " |")
        print("\nPeak RSS of that process, holding every click: "
              + ", ".join(f"{r[0]} {r[3]:.0f} MB" for r in runs) + ".\n")
        dump = os.path.join(tempfile.gettempdir(), "opsh-bench-clicks.json")
        subprocess.run([OPSH, "-c", "clicks | json > " + dump], check=True,
                       env=dict(os.environ, OPENPORT_API_URL=url, OPENPORT_TOKEN=token))
        for label, program in (("where port=6260 | count", "[.[]|select(.port==6260)]|length"),
                               ("group source_ip | first 10", "group_by(.source_ip)|map({ip:.[0].source_ip,n:length})|sort_by(-.n)|.[:10]|length"),
                               ("sort -timestamp | first 10", "sort_by(.timestamp)|reverse|.[:10]|length")):
            secs, _, _, mb = timed(["jq", program, dump])
            print(f"- jq over the same rows saved as JSON, `{label}`: {secs * 1000:.0f} ms, {mb:.0f} MB")
        os.unlink(dump)
    finally:
        proc.terminate()
        proc.wait()


def throwaway_ca(directory):
    """A CA and a server certificate for 127.0.0.1, made with openssl; returns (ca, cert, key)."""
    def openssl(*args):
        subprocess.run(["openssl"] + list(args), cwd=directory, check=True, capture_output=True)
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "ca.key",
            "-out", "ca.pem", "-days", "1", "-subj", "/CN=opsh bench CA",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "server.key",
            "-out", "server.csr", "-subj", "/CN=opsh bench server")
    with open(os.path.join(directory, "server.ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial", "1", "-days", "1",
            "-extfile", "server.ext", "-out", "server.pem")
    return [os.path.join(directory, n) for n in ("ca.pem", "server.pem", "server.key")]


HTTPS_RUNS = 9


def https_figures():
    """Issue 17: a cold full scan over HTTPS on loopback against plain HTTP, with no latency
    (TLS's cost at its most visible) and with 20 ms; HTTP/1.1 over 8 pooled connections against HTTP/2 (8 streams
    on one connection, when the server offers h2 by ALPN). Median of HTTPS_RUNS sessions each."""
    if subprocess.run(["which", "openssl"], capture_output=True).returncode != 0:
        print("## HTTPS\n\nSkipped: openssl is needed to make a throwaway CA.\n")
        return
    directory = tempfile.mkdtemp(prefix="opsh-bench-pki-")
    ca, cert, key = throwaway_ca(directory)
    tls = ["--tls-cert", cert, "--tls-key", key]
    variants = [("plain HTTP/1.1, 8 connections", [], {}),
                ("HTTPS, HTTP/1.1, 8 connections", tls, {"SSL_CERT_FILE": ca}),
                ("HTTPS, server offers HTTP/2 by ALPN (opsh keeps HTTP/1.1)", tls + ["--http2"], {"SSL_CERT_FILE": ca})]
    print(f"## HTTPS: a cold full scan on loopback ({HTTPS_RUNS} sessions each)\n")
    print("| transport | latency | cold scan (median) | best | requests | ÷ plain HTTP (median) | ÷ (best) | answer |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for latency in (0, 20):
        https_rows(variants, latency)
    subprocess.run(["rm", "-rf", directory])
    print()


def https_rows(variants, latency):
    plain = None
    for name, args, env in variants:
        proc, url, token = start_emulator(latency, extra=args)
        try:
            runs = []
            for _ in range(HTTPS_RUNS):
                times, out, _ = opsh_session(url, token, [QUERY], extra_env=env)
                runs.append((times[-1][0] / 1000, times[-1][1], out[0].strip()))
            runs.sort()
            secs, req, answer = runs[len(runs) // 2]
            best = runs[0][0]
            plain = plain or (secs, best)
            print(f"| {name} | {latency} ms | {fmt_s(secs)} | {fmt_s(best)} | {req} | {secs / plain[0]:.2f}× | "
                  f"{best / plain[1]:.2f}× | {answer} |")
        finally:
            proc.terminate()
            proc.wait()


SCALE_SIZES = (200_000, 1_000_000, 5_000_000)
SCALE_QUERIES = ("clicks | where port=6260 | count", "clicks | group port | first 10")
DUCK_QUERIES = ("select count(*) from clicks where port = 6260",
                "select port, count(*) as n from clicks group by port order by n desc limit 10")
VENV = os.path.join(ROOT, ".build", "bench-venv")


def opsh_binaries():
    """opsh, and the opsh of before the change beside it when OPSH_BASELINE names one."""
    runs = [("opsh", OPSH)]
    if os.environ.get("OPSH_BASELINE"):
        runs.append(("before (OPSH_BASELINE)", os.environ["OPSH_BASELINE"]))
    return runs


def duckdb_python():
    """A python with duckdb (from PyPI, in a venv under .build/); (None, reason) when it cannot be had."""
    python = os.path.join(VENV, "bin", "python")
    if not os.path.exists(python):
        made = subprocess.run([sys.executable, "-m", "venv", VENV], capture_output=True, text=True)
        if made.returncode != 0:
            return None, f"cannot make a venv: {made.stderr.strip()[-200:]}"
    if subprocess.run([python, "-c", "import duckdb"], capture_output=True).returncode != 0:
        got = subprocess.run([python, "-m", "pip", "install", "-q", "duckdb"], capture_output=True, text=True)
        if got.returncode != 0:
            return None, f"cannot install duckdb from PyPI: {got.stderr.strip().splitlines()[-1] if got.stderr.strip() else got.returncode}"
    version = subprocess.run([python, "-c", "import duckdb; print(duckdb.__version__)"], capture_output=True, text=True)
    return python, version.stdout.strip()


DUCK_SCRIPT = """
import duckdb, json, sys, time
path, queries = sys.argv[1], json.loads(sys.argv[2])
con = duckdb.connect()
con.execute("set enable_progress_bar = false")
started = time.perf_counter()
con.execute(f"create table clicks as select * from read_json('{path}', format='newline_delimited')")
load = time.perf_counter() - started
out = {"load_ms": load * 1000, "queries": []}
for q in queries:
    times, answer = [], None
    for _ in range(7):
        t = time.perf_counter()
        answer = con.execute(q).fetchall()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    out["queries"].append({"ms": times[len(times) // 2], "best": times[0], "answer": answer[0][0] if len(answer) == 1 else len(answer)})
print(json.dumps(out))
"""


def duckdb_run(python, path):
    """DuckDB over the JSON lines at path: (load ms, [(median ms, best ms, answer)], peak RSS MB)."""
    _, out, _, rss = timed([python, "-c", DUCK_SCRIPT, path, json.dumps(DUCK_QUERIES)])
    result = json.loads(out.strip().splitlines()[-1])
    return result["load_ms"], [(q["ms"], q["best"], q["answer"]) for q in result["queries"]], rss


def cached_session(binary, url, token, repeats=5):
    """One process: the click log fetched and cached, then each of SCALE_QUERIES `repeats` times.
    Returns (cold ms, [median ms per query], [answer per query], peak RSS MB)."""
    env = dict(os.environ, OPENPORT_API_URL=url, OPENPORT_TOKEN=token)
    lines = [SCALE_QUERIES[0]] + [q for _ in range(repeats) for q in SCALE_QUERIES]
    _, out, err, rss = timed([binary, "--format", "csv"], env=env, stdin="set timing on\n" + "\n".join(lines) + "\n")
    times = [float(m.group(1)) for m in re.finditer(r"time: ([\d.]+) ms", err)][1:]
    cold, rest = times[0], times[1:]
    per_query = [median(rest[i::len(SCALE_QUERIES)]) for i in range(len(SCALE_QUERIES))]
    answer_lines = out.strip().split("\n")
    return cold, per_query, [answer_lines[0], answer_lines[3] if len(answer_lines) > 3 else ""], rss


def from_disk(binary, url, token, runs=3):
    """A store written by one process; new processes answer SCALE_QUERIES[0] from it.
    Returns (ms to the answer, peak RSS MB, answer) of the median run."""
    home = tempfile.mkdtemp(prefix="opsh-bench-scale-")
    try:
        # Fresh for the hour: the runs measure reading the disk, not a refresh.
        script = "set ttl.clicks 1h\n" + SCALE_QUERIES[0] + "\n"
        disk_cache_run(url, token, home, script, opsh=binary)
        results = sorted(disk_cache_run(url, token, home, script, opsh=binary) for _ in range(runs))
        answered, _, requests, answer, rss = results[len(results) // 2]
        return answered, rss, answer, requests
    finally:
        subprocess.run(["rm", "-rf", home])


def scale_figures():
    """Issue 24 (and 7): 200k, 1M and 5M clicks, each opsh binary beside DuckDB: the click log
    cached in memory, answered from disk by a new process, and streamed with the cache off."""
    python, duck = duckdb_python()
    print(f"## Scale: {', '.join(f'{n:,}' for n in SCALE_SIZES)} clicks (no latency, one process per cell)\n")
    print("`where` = `" + SCALE_QUERIES[0] + "`, `group` = `" + SCALE_QUERIES[1] + "`, each over the cached log "
          "(median of 5 in one process); from disk: a new process's first answer to `where`, from process start "
          "(median of 3). DuckDB: the same rows as `clicks | jsonl > FILE`, loaded into a table, each query "
          "the median of 7; its peak RSS includes the JSON load.\n")
    if python is None:
        print(f"DuckDB: skipped ({duck}); opsh's rows are measured alone.\n")
    print("| clicks | run | full scan, cached | peak RSS, cached | `where` | `group` | from disk: first answer | its peak RSS | answers |")
    print("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    flat = {}
    for clicks in SCALE_SIZES:
        proc, url, token = start_emulator(0, clicks=clicks)
        try:
            ours = None
            for name, binary in opsh_binaries():
                cold, per_query, answers, rss = cached_session(binary, url, token)
                disk_ms, disk_rss, disk_answer, requests = from_disk(binary, url, token)
                ours = ours or per_query
                print(f"| {clicks:,} | {name} | {fmt_s(cold / 1000)} | {rss:.0f} MB | {per_query[0]:.1f} ms | "
                      f"{per_query[1]:.1f} ms | {disk_ms:.0f} ms ({requests} req.) | {disk_rss:.0f} MB | "
                      f"{answers[0]}; {disk_answer}; {answers[1][:40]} |")
            dump = os.path.join(tempfile.mkdtemp(prefix="opsh-bench-jsonl-"), "clicks.jsonl")
            env = dict(os.environ, OPENPORT_API_URL=url, OPENPORT_TOKEN=token)
            for line in (SCALE_QUERIES[0], "clicks | jsonl > " + dump):
                secs, out, _, rss = timed([OPSH, "--format", "csv"], env=env, stdin="set cache off\n" + line + "\n")
                flat[(line.split(" > ")[0], clicks)] = (secs, rss)
            if python:
                load_ms, queries, rss = duckdb_run(python, dump)
                (w_ms, w_best, w_answer), (g_ms, g_best, _) = queries
                ratio = f" (opsh ÷ DuckDB: {ours[0] / w_ms:.1f}×, {ours[1] / g_ms:.1f}×)" if ours else ""
                print(f"| {clicks:,} | DuckDB {duck} (2 threads), JSON load {fmt_s(load_ms / 1000)} | | {rss:.0f} MB | "
                      f"{w_ms:.1f} ms (best {w_best:.1f}) | {g_ms:.1f} ms (best {g_best:.1f}) | | | {w_answer}{ratio} |")
            subprocess.run(["rm", "-rf", os.path.dirname(dump)])
        finally:
            proc.terminate()
            proc.wait()
    print()
    print("With the cache off (`set cache off`), a pipeline that only counts or writes keeps memory flat:\n")
    print("| line, cache off | " + " | ".join(f"{n:,} clicks" for n in SCALE_SIZES) + " |")
    print("| --- |" + " ---: |" * len(SCALE_SIZES))
    for line in (SCALE_QUERIES[0], "clicks | jsonl > FILE"):
        key = line.split(" > ")[0]
        cells = [f"{fmt_s(flat[(key, n)][0])}, {flat[(key, n)][1]:.0f} MB" for n in SCALE_SIZES]
        print(f"| `{line.replace('|', chr(92) + '|')}` | " + " | ".join(cells) + " |")
    print()


def prompt_time(url, token, runs=10, home=None):
    """Seconds from starting opsh at a terminal to its prompt on the screen (best of runs);
    `home` holds its history (state/opsh/history), else there is none."""
    import pty
    import select
    best = None
    home = home or tempfile.mkdtemp()
    env = dict(os.environ, OPENPORT_API_URL=url, OPENPORT_TOKEN=token, TERM="xterm", NO_COLOR="1",
               HOME=home, XDG_STATE_HOME=home + "/state")
    for _ in range(runs):
        master, slave = pty.openpty()
        started = time.perf_counter()
        p = subprocess.Popen([OPSH], stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
        os.close(slave)
        seen = b""
        while b"> " not in seen:
            r, _, _ = select.select([master], [], [], 5)
            if not r:
                break
            seen += os.read(master, 4096)
        elapsed = time.perf_counter() - started
        os.write(master, b"\x04")
        p.wait(timeout=5)
        os.close(master)
        best = elapsed if best is None else min(best, elapsed)
    return best


def interactive_figures():
    """TAB with full caches, and start to prompt (issue 4's targets: 10 ms and 100 ms)."""
    proc, url, token = start_emulator(0)
    try:
        lines = ["keys | where id > 0 | count", "clicks | where port > 0 | count",
                 '__complete "clicks | where po"', "__complete 'keys \"Pi L'",
                 '__complete "clicks | where source_ip="', '__complete "clicks | where source_ip="',
                 '__complete "sessions | select key."']
        runs = [(name, opsh_session(url, token, lines, binary=binary)[0]) for name, binary in opsh_binaries()]
        print("## At the prompt\n")
        print("| TAB on (1,044 keys and 178,268 clicks cached) | " + " | ".join(name for name, _ in runs) + " |")
        print("| --- |" + " ---: |" * len(runs))
        labels = [None, None, "`clicks | where po`", "`keys \"Pi L`", "`clicks | where source_ip=` (first TAB just after the fetch: builds the value index)",
                  "`clicks | where source_ip=` (index ready: built in the background after a fetch)", "`sessions | select key.`"]
        for i, label in enumerate(labels):
            if label:
                print(f"| {label} | " + " | ".join(f"{times[i][0]:.1f} ms" for _, times in runs) + " |")
        print(f"\nStart to prompt (best of 10, at a pseudo-terminal, no demo emulator): "
              f"{prompt_time(url, token) * 1000:.0f} ms.\n")
    finally:
        proc.terminate()
        proc.wait()


def keystroke_latencies(env, history_dir, setting, keys, quiet=0.05):
    """Starts opsh --demo at a pseudo-terminal and types `keys` one at a time; for each, the
    seconds from the write to the last byte the terminal got in answer (answers end when the
    terminal is quiet for `quiet` s, which is not counted)."""
    import pty
    import select
    master, slave = pty.openpty()
    p = subprocess.Popen([OPSH, "--demo"], stdin=slave, stdout=slave, stderr=slave, close_fds=True,
                         env=dict(env, HOME=history_dir, XDG_STATE_HOME=history_dir + "/state"))
    os.close(slave)

    def read_until(marker, timeout=30):
        seen = b""
        deadline = time.perf_counter() + timeout
        while marker not in seen and time.perf_counter() < deadline:
            r, _, _ = select.select([master], [], [], 1)
            if r:
                seen += os.read(master, 65536)
        return seen

    drawn = [0]

    def answer():
        """The time of the last byte of the answer: the first may take long on a loaded
        machine; the answer ends when nothing more comes for `quiet` s."""
        last = None
        wait = 5
        while True:
            r, _, _ = select.select([master], [], [], wait)
            if not r:
                return last
            chunk = os.read(master, 65536)
            drawn[0] += chunk.count(b"\x1b[2m | count")
            last = time.perf_counter()
            wait = quiet

    read_until(b"demo> ")
    answer()
    if setting:
        os.write(master, setting.encode() + b"\r")
        read_until(b"demo> ")
        answer()
    os.write(master, b"clicks | where port=")
    answer()
    times = []
    for key in keys:
        sent = time.perf_counter()
        os.write(master, key)
        done = answer()
        if done is not None:
            times.append(done - sent)
    os.write(master, b"\x15\x04")
    p.wait(timeout=10)
    os.close(master)
    return times, drawn[0]


def suggestion_figures(history_lines=10_000, rounds=100):
    """Issue 25: a suggestion from 10,000 lines of history is drawn in under 1 ms. Typed at a
    pseudo-terminal, suggestions on and off side by side: each key changes the suggestion
    (`0` after `port=` matches only the oldest line, so the whole history is searched;
    backspace brings back the newest)."""
    home = tempfile.mkdtemp()
    os.makedirs(home + "/state/opsh")
    with open(home + "/state/opsh/history", "w") as f:
        f.write("_HiStOrY_V2_\n")
        for i in range(history_lines):
            f.write(f"clicks\\040|\\040where\\040port={i}\\040|\\040count\n")
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "OPENPORT_TOKEN", "OPENPORT_API_URL")}
    env.update(TERM="xterm-256color", LANG="C.UTF-8")
    keys = [b"0", b"\x7f"] * rounds
    rows = []
    for label, setting in (("suggestions on", None), ("set suggest off", "set suggest off")):
        times, drawn = keystroke_latencies(env, home, setting, keys)
        expected = rounds if setting is None else 0
        if drawn != expected:
            sys.exit(f"bench: {label}: the oldest line's suggestion was drawn {drawn} times, not {expected}")
        rows.append((label, sorted(times)))
    print(f"## At the prompt: suggestions from {history_lines:,} lines of history\n")
    print("Keystroke to the last byte on the terminal, at a pseudo-terminal, release build; each key changes "
          "the suggestion (`0` after `clicks | where port=` matches only the oldest line, backspace the newest).\n")
    print("| prompt | keys | median | 90th percentile | max |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for label, times in rows:
        n = len(times)
        print(f"| {label} | {n} | {times[n // 2] * 1000:.2f} ms | {times[n * 9 // 10] * 1000:.2f} ms | {times[-1] * 1000:.2f} ms |")
    on, off = rows[0][1], rows[1][1]
    cost = on[len(on) // 2] - off[len(off) // 2]
    print(f"\nA suggestion costs {cost * 1000:.2f} ms a key at the median "
          f"({'under' if cost < 0.001 else 'NOT under'} 1 ms): the difference of the two medians.")
    proc, url, token = start_emulator(0)
    try:
        empty = tempfile.mkdtemp()
        pairs = [(prompt_time(url, token, home=empty), prompt_time(url, token, home=home)) for _ in range(3)]
    finally:
        proc.terminate()
        proc.wait()
    best_empty, best_full = min(p[0] for p in pairs), min(p[1] for p in pairs)
    print(f"Start to prompt, best of 30 each, taken in turns: {best_empty * 1000:.0f} ms with no history, "
          f"{best_full * 1000:.0f} ms with the {history_lines:,} lines to load ({best_full / best_empty:.2f}×).\n")


def cpu_seconds(cmd, env, stdin):
    """Runs cmd under /usr/bin/time; returns (wall seconds, user + system CPU seconds)."""
    with tempfile.NamedTemporaryFile() as t:
        started = time.perf_counter()
        p = subprocess.run(["/usr/bin/time", "-f", "%U %S", "-o", t.name] + cmd, input=stdin, capture_output=True,
                           text=True, env=env, timeout=900)
        wall = time.perf_counter() - started
        user, system = (float(x) for x in open(t.name).read().strip().splitlines()[-1].split())
    if p.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd)} failed ({p.returncode}): {p.stderr.strip()}")
    return wall, user + system


def over_time_figures(follow_seconds=20):
    """Issue 15's targets: a day chart over the cached click log (50 ms), follow idling (1 % CPU)."""
    proc, url, token = start_emulator(0)
    try:
        chart = "clicks | group timestamp by day | chart > /dev/null"
        lines = ["clicks | where port > 0 | count", chart, chart, chart, "set timezone Europe/Brussels", chart, chart, chart]
        runs = [(name, opsh_session(url, token, lines, binary=binary)[0]) for name, binary in opsh_binaries()]
        print("## Over time\n")
        print("| line, over 178,268 cached clicks, median of 3 | " + " | ".join(name for name, _ in runs) + " |")
        print("| --- |" + " ---: |" * len(runs))
        print("| `clicks \\| group timestamp by day \\| chart` (UTC) | "
              + " | ".join(f"{median([ms for ms, _ in times[1:4]]):.1f} ms" for _, times in runs) + " |")
        print("| the same in Europe/Brussels | "
              + " | ".join(f"{median([ms for ms, _ in times[5:8]]):.1f} ms" for _, times in runs) + " |")
        env = dict(os.environ, OPENPORT_API_URL=url, OPENPORT_TOKEN=token)
        base_wall, base_cpu = cpu_seconds([OPSH], env, "clicks | where port > 0 | count\n")
        wall, cpu = cpu_seconds([OPSH], env, f"clicks | where port > 0 | count\nclicks | follow --for {follow_seconds}s\n")
        idle = max(0.0, cpu - base_cpu) / max(1e-9, wall - base_wall)
        print(f"\n`clicks | follow` for {follow_seconds} s with nothing new (a poll every 5 s): "
              f"{idle * 100:.2f} % of one core between polls ({cpu - base_cpu:.2f} s CPU beyond the first fetch).\n")
    finally:
        proc.terminate()
        proc.wait()


def geo_figures(dns_latency=20):
    """Issue 26: countries over the cached click log (200 ms), 1,000 host names at 20 ms (2 s)."""
    home = tempfile.mkdtemp(prefix="opsh-bench-geo-")
    subprocess.run([EMULATOR, "--write-geoip", home], check=True, capture_output=True)
    city = os.path.join(home, "opsh-demo-city.mmdb")
    proc, url, token = start_emulator(0, extra=["--dns-port", "0", "--dns-latency-ms", str(dns_latency)])
    try:
        # The emulator's own DNS server on 127.0.0.1: no query leaves this machine.
        env = {"OPSH_DNS_SERVER": DNS_ADDRESSES[url], "OPSH_CACHE": "memory"}
        plain = "clicks | group source_ip | first 10 > /dev/null"
        country = "clicks | group source_ip.country | first 10 > /dev/null"
        names = "clicks | group source_ip | first 1000 | select source_ip,source_ip.host > /dev/null"
        no_names = "clicks | group source_ip | first 1000 | select source_ip > /dev/null"
        every = "clicks | group source_ip.host | first 10 > /dev/null"
        lines = ["clicks | where port > 0 | count", f"set geoip {city}"] + [plain, country] * 5 + [no_names, names, names, every]
        times, _, _ = opsh_session(url, token, lines, extra_env=env)
        if len(times) != len(lines):
            sys.exit(f"bench: expected {len(lines)} timing lines from opsh, got {len(times)}")
        # times[0] is the fetch, times[1] the `set`.
        plain_ms = median([ms for ms, _ in times[2:12:2]])
        country_ms = median([ms for ms, _ in times[3:12:2]])
        no_names_ms, names_ms, again_ms, every_ms = (ms for ms, _ in times[12:16])
        print(f"## Who opened my ports ({CLICKS:,} cached clicks, the demo's made-up databases; "
              f"reverse DNS from a server on 127.0.0.1 answering in {dns_latency} ms)\n")
        print("| line | time | target |")
        print("| --- | ---: | ---: |")
        print(f"| `clicks \\| group source_ip \\| first 10` (no lookups; median of 5) | {plain_ms:.1f} ms | |")
        print(f"| `clicks \\| group source_ip.country \\| first 10` (city database; median of 5) | {country_ms:.1f} ms | 200 ms |")
        print(f"| `clicks \\| group source_ip \\| first 1000 \\| select source_ip` | {no_names_ms:.0f} ms | |")
        print(f"| the same with `source_ip.host`: 1,000 distinct addresses looked up | {names_ms:.0f} ms | 2 s |")
        print(f"| the same again (the names now in memory) | {again_ms:.0f} ms | |")
        print(f"| `clicks \\| group source_ip.host \\| first 10` (every distinct address, page by page) | {every_ms:.0f} ms | |")
        print()
    finally:
        proc.terminate()
        proc.wait()
        subprocess.run(["rm", "-rf", home])


if __name__ == "__main__":
    if sys.argv[1:] == ["geo"]:
        geo_figures()
    elif sys.argv[1:] == ["resilience"]:
        resilience_figures()
    elif sys.argv[1:] == ["over-time"]:
        over_time_figures()
    elif sys.argv[1:] == ["disk-cache"]:
        disk_cache_figures()
    elif sys.argv[1:] == ["scale"]:
        scale_figures()
    elif sys.argv[1:] == ["suggest"]:
        suggestion_figures()
    else:
        main()
