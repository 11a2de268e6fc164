#!/usr/bin/env python3
"""Mock OpenAI-compatible chat server for scripts/bench (standard library only).

    bench_mock.py serve --port-file FILE   listen on 127.0.0.1:<free port>, write the port to FILE
    bench_mock.py stats PORT               print the counters as JSON
    bench_mock.py reset PORT               zero the counters

A chat request whose last user message holds `[n] ` segment markers at line
starts is answered `[n] EN: <segment text>` for each; any other request gets
`SUMMARY: ` and the first 40 characters of the user message. Every reply is
delayed 300 ms + 5 ms per output token (output tokens = reply characters / 4)
to model a server whose latency grows with output length, and carries `usage`.

Counters: requests, the most requests in flight at once, and each request's
busy time (from the request line read to the response written) and its
wall-clock span, which scripts/bench turns into an ideal wall time and a
breakdown of where the rest went.
"""

import argparse
import json
import os
import re
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MARKER = re.compile(r"^[ \t]*\[(\d{1,4})\] ", re.M)
BASE_DELAY_S = 0.300
PER_TOKEN_S = 0.005


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self._zero()

    def _zero(self):
        self.requests = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.busy = []  # seconds per chat request
        self.output_tokens = []
        self.segments = []
        self.spans = []  # (start, end) wall-clock epoch seconds per chat request

    def reset(self):
        with self.lock:
            self._zero()

    def enter(self):
        with self.lock:
            self.requests += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def leave(self, busy, tokens, segments):
        end = time.time()
        with self.lock:
            self.in_flight -= 1
            self.spans.append((end - busy, end))
            self.busy.append(busy)
            self.output_tokens.append(tokens)
            self.segments.append(segments)

    def snapshot(self):
        with self.lock:
            return {
                "requests": self.requests,
                "in_flight": self.in_flight,
                "max_in_flight": self.max_in_flight,
                "busy_s": list(self.busy),
                "output_tokens": list(self.output_tokens),
                "segments": list(self.segments),
                "spans": list(self.spans),
            }


STATS = Stats()


def segments_of(text):
    """The segment texts under `[n] ` markers, in order."""
    marks = list(MARKER.finditer(text))
    out = []
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        out.append((int(m.group(1)), text[m.end():end].strip()))
    return out


def latin(text):
    """A stand-in translation: each Hangul syllable becomes three Latin
    letters (from its initial, vowel and final), everything else (digits,
    units, names in Latin script) stays. Like a real model's answer it leaves
    no source script behind, so the quality checks flag only what a real
    answer could get wrong (Korean number units such as 억 and 만 are not
    converted: those segments get repairs); and like an English translation
    it is about three letters per syllable long, so a reply's length (and the
    mock's delay) grows with the source as a real translation's does."""
    out = []
    for c in text:
        if "\uac00" <= c <= "\ud7a3":
            n = ord(c) - 0xAC00
            out.append("".join(chr(ord("a") + k % 26) for k in (n // 588, (n // 28) % 21, n % 28)))
        else:
            out.append(c)
    return "".join(out)


def reply_for(user):
    segs = segments_of(user)
    if not segs:
        return "SUMMARY: " + user[:40], 0
    return "\n".join(f"[{n}] EN: {latin(t)}" for n, t in segs), len(segs)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Real servers answer without Nagle's delay: with it, a body written
    # after the headers waits for the client's delayed ACK (40 ms on Linux),
    # a gap the benchmark would charge to gloss's dispatch.
    disable_nagle_algorithm = True

    def log_message(self, *args):  # quiet
        pass

    def send_json(self, status, value):
        body = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_GET(self):
        if self.path.rstrip("/") == "/stats":
            self.send_json(200, STATS.snapshot())
        elif self.path.rstrip("/").endswith("/models"):
            self.send_json(200, {"object": "list", "data": [{"id": "bench-model", "object": "model"}]})
        else:
            self.send_json(404, {"error": {"message": f"no route {self.path}"}})

    def do_POST(self):
        started = time.perf_counter()
        body = self.read_body()
        if self.path.rstrip("/") == "/reset":
            STATS.reset()
            self.send_json(200, {"ok": True})
            return
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self.send_json(404, {"error": {"message": f"no route {self.path}"}})
            return
        try:
            request = json.loads(body)
            messages = request["messages"]
            user = next(m["content"] for m in reversed(messages) if m.get("role") == "user")
            prompt_chars = sum(len(m.get("content") or "") for m in messages)
        except (ValueError, KeyError, StopIteration, TypeError) as e:
            self.send_json(400, {"error": {"message": f"bad chat request: {e}", "type": "invalid_request_error"}})
            return
        STATS.enter()
        tokens, segments = 0, 0
        try:
            text, segments = reply_for(user)
            tokens = (len(text) + 3) // 4
            time.sleep(BASE_DELAY_S + PER_TOKEN_S * tokens)
            self.send_json(200, {
                "id": f"chatcmpl-bench-{STATS.requests}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": request.get("model", "bench-model"),
                "choices": [{
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "stop",
                }],
                "usage": {
                    "prompt_tokens": (prompt_chars + 3) // 4,
                    "completion_tokens": tokens,
                    "total_tokens": (prompt_chars + 3) // 4 + tokens,
                },
            })
        finally:
            STATS.leave(time.perf_counter() - started, tokens, segments)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


def call(port, method, path):
    # No proxy: the mock is on loopback and an ambient HTTP_PROXY must not see it.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    req = urllib.request.Request(f"http://127.0.0.1:{int(port)}{path}", method=method,
                                 data=b"" if method == "POST" else None)
    with opener.open(req, timeout=10) as r:
        return r.read().decode()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--port-file", required=True)
    for name in ("stats", "reset"):
        sub.add_parser(name).add_argument("port", type=int)
    args = ap.parse_args()
    if args.cmd == "stats":
        print(call(args.port, "GET", "/stats"))
        return
    if args.cmd == "reset":
        call(args.port, "POST", "/reset")
        return
    server = Server(("127.0.0.1", 0), Handler)
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(args.port_file + ".tmp", args.port_file)
    try:
        server.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    sys.exit(main())
