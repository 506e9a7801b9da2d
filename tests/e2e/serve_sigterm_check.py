#!/usr/bin/env python3
"""SIGTERM with requests in flight: sends COUNT digits requests to a running `nimbus serve`,
signals it while they wait in the batching queue, and checks every one is answered with 200.
Usage: serve_sigterm_check.py URL SERVER_PID ROWS_CSV COUNT LABEL"""
import http.client
import json
import os
import signal
import sys
import threading
import time
import urllib.parse

url, pid, rows_path, count, label = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
host = urllib.parse.urlparse(url)
row = [float(v) for v in open(rows_path).readline().split(",")[:64]]
results = []


def one():
    conn = http.client.HTTPConnection(host.hostname, host.port, timeout=10)
    conn.request("POST", "/v2/models/digits/infer",
                 json.dumps({"inputs": [{"name": "input", "shape": [1, 64], "datatype": "FP32", "data": row}]}))
    response = conn.getresponse()
    results.append((response.status, response.read().decode()))


threads = [threading.Thread(target=one) for _ in range(count)]
for t in threads:
    t.start()
time.sleep(0.2)  # accepted and queued, not yet run
os.kill(pid, signal.SIGTERM)
for t in threads:
    t.join()
if len(results) != count or any(status != 200 for status, _ in results):
    print("FAIL: requests in flight at SIGTERM were not answered:", results)
    sys.exit(1)
print("PASS: requests in flight finished after SIGTERM" + label)
