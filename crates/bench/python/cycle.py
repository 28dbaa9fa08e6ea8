"""The Python way: log on -> list jobs -> log off against a VBR REST API, N times, with requests.

Usage: cycle.py --url https://localhost:PORT/ --ca CA.pem --cycles N
The user and password come from RESTPOINT_BENCH_USER and RESTPOINT_BENCH_PASSWORD (never the
command line). Prints one JSON line: {"cycles": N, "seconds": S}, timed inside the script (the
interpreter's start and the import are not counted).
"""

import argparse
import json
import os
import sys
import time

import requests

API_VERSION = "1.2-rev1"


def cycle(base, ca, user, password):
    # verify= on each request: a Session's own `verify` loses to REQUESTS_CA_BUNDLE.
    with requests.Session() as s:
        s.headers["x-api-version"] = API_VERSION
        r = s.post(
            base + "api/oauth2/token",
            data={"grant_type": "password", "username": user, "password": password},
            verify=ca,
        )
        r.raise_for_status()
        token = r.json()["access_token"]
        s.headers["Authorization"] = "Bearer " + token
        r = s.get(base + "api/v1/jobs", params={"limit": 50}, verify=ca)
        r.raise_for_status()
        jobs = r.json()["data"]
        r = s.post(base + "api/oauth2/logout", verify=ca)
        r.raise_for_status()
        return len(jobs)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--ca", required=True)
    p.add_argument("--cycles", type=int, default=100)
    a = p.parse_args()
    base = a.url if a.url.endswith("/") else a.url + "/"
    user = os.environ["RESTPOINT_BENCH_USER"]
    password = os.environ["RESTPOINT_BENCH_PASSWORD"]
    cycle(base, a.ca, user, password)  # warm-up: imports inside requests, first handshake
    start = time.perf_counter()
    for _ in range(a.cycles):
        cycle(base, a.ca, user, password)
    seconds = time.perf_counter() - start
    print(json.dumps({"cycles": a.cycles, "seconds": seconds}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
