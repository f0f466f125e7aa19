#!/usr/bin/env python3
"""Peer: a python3 requests script that follows `next` and counts clicks on port 6260.

Usage: python_requests.py API_BASE TOKEN [--keep] [--limit N]
Without --limit it starts from the URL the API documentation shows (the server's default
page). With --keep it also keeps every row as a list of dicts (what a script that wants to ask a
second question does), to measure the memory that takes. Prints the count; requests and
peak RSS on stderr.
"""
import resource
import sys

import requests


def main():
    base, token = sys.argv[1], sys.argv[2]
    keep = "--keep" in sys.argv[3:]
    url = f"{base}openforiplinkclicks/?token={token}"
    if "--limit" in sys.argv[3:]:
        url = f"{base}openforiplinkclicks/?limit={sys.argv[sys.argv.index('--limit') + 1]}&token={token}"
    session = requests.Session()
    rows = []
    total = 0
    n_requests = 0
    while url:
        page = session.get(url, timeout=60).json()
        n_requests += 1
        if keep:
            rows.extend(page["results"])
        total += sum(1 for r in page["results"] if r["port"] == 6260)
        url = page["next"]
    print(total)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"requests={n_requests} rows_kept={len(rows)} peak_kb={peak_kb}", file=sys.stderr)


if __name__ == "__main__":
    main()
