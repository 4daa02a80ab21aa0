#!/usr/bin/python3
"""A scripted OpenAI-compatible chat-completions server for Raven's tests and demo.

Usage:
    llm_standin.py [--port 0] [--script FILE] [--api-key KEY]
                   [--fail-rate 0.2] [--hang-rate 0.05] [--seed N]
                   [--tls-cert FILE --tls-key FILE]

It listens on 127.0.0.1 only.  The first line on stdout is
``listening 127.0.0.1:PORT`` (flushed; with --port 0 the kernel picks PORT);
nothing else is printed there.  SIGTERM or SIGINT stops it cleanly (exit 0).
With --tls-cert/--tls-key it speaks HTTPS only (handshake in the handler
thread, so a client that never completes it blocks nobody else).

Endpoints
    POST /v1/chat/completions, /chat/completions   answered from the script
    GET  /v1/models, /models                       one model, "standin"
    POST /_control/script    body = a script (below); replaces the script
    GET  /_control/requests  the request log as a JSON array
    POST /_control/reset     back to the start-up script; clears the log
The /_control endpoints need no key and are not logged.  HTTP/1.1 keep-alive
is supported: every answer carries a correct Content-Length (except a scripted
truncation, which then closes the connection).

With --api-key KEY, /v1 and /chat requests must carry
``Authorization: Bearer KEY``, else 401 with an OpenAI-style error body (which
echoes the key it was given, as a careless server might: the client must not
repeat it).

Script format (JSON)
    Either a list of entries, or {"responses": [entries...], "default": entry}.
    Each chat request takes the next entry.  When the list is used up, the
    "default" entry applies if given, else the last entry repeats; an empty
    script answers every request with the echo answer.

    An entry is an object; every key is optional:
      "content": "text"          the assistant's answer.  Without it (and with
                                 no other kind below) the answer echoes the
                                 request: "Thanks for your message about
                                 <Subject: line or first line of the last user
                                 turn>", or, after a tool message,
                                 "Tool result: <first line of its content>".
      "tool_calls": [{"id": "call_1", "name": "f", "arguments": {...} | "json"}]
                                 OpenAI tool_calls, finish_reason "tool_calls"
                                 (ids default to call_<n>).  A request with
                                 tool_choice "none" is answered as a real
                                 server would: with the entry's "content",
                                 else the echo answer, and no tool_calls.
      "finish_reason": "length"  overrides the finish reason.
      "usage": {...}             overrides the usage object.
      "status": 500              answer with this HTTP status and an
                                 OpenAI-style error body ...
      "body": "text" | {...}     ... or this body instead (with any status).
      "retry_after": 1 | "text"  a Retry-After header (seconds, or verbatim).
      "retry_after_date": 2      a Retry-After HTTP-date this many seconds ahead.
      "delay": 1.5               wait this many seconds before answering
                                 (other requests are not held up).
      "hang": true               never answer; the handler returns when the
                                 client goes away or the server stops.
      "truncate": true           Content-Length says more than is sent, then
                                 the connection is closed.
      "garbage": true | "text"   status 200 with a body that is not JSON.
      "empty_choices": true      a 200 answer whose "choices" is [].
      "json": {...}              this exact JSON object as a 200 body.
      "oversize": N              a 200 body of exactly N bytes (valid JSON
                                 with a huge content), streamed in chunks;
      "chunked": true            ... sent with Transfer-Encoding: chunked
                                 (no Content-Length to refuse it by).
      "repeat": N                use this entry for N requests before moving on.

    Example:  [{"status": 500, "repeat": 2}, {"content": "Hello!"}]

Chaos (for soak tests): --fail-rate P answers a request with 500 with
probability P, --hang-rate P hangs with probability P, before the script is
consulted (those requests consume no entry); --seed makes it reproducible.

Request log: one JSON object per chat/models request: seq, time, method, path,
connection (a number per TCP connection), client_port, headers (Authorization
redacted), auth ("ok", "bad", "missing" or "unchecked"), model, messages
(count), tools (bool), tool_choice, body (the parsed JSON request, or null),
outcome (what the stand-in did), and bytes_sent for oversized answers.
"""

import argparse
import email.utils
import http.server
import itertools
import json
import random
import select
import signal
import socket
import ssl
import sys
import threading
import time

SHUTDOWN = threading.Event()


class State:
    """The script position and the request log, shared by handler threads."""

    def __init__(self, script, api_key, fail_rate, hang_rate, seed):
        self.lock = threading.Lock()
        self.initial_script = script
        self.api_key = api_key
        self.fail_rate = fail_rate
        self.hang_rate = hang_rate
        self.rng = random.Random(seed)
        self.connections = itertools.count(1)
        self.set_script(script)
        self.log = []

    def set_script(self, script):
        if isinstance(script, list):
            script = {"responses": script}
        if not isinstance(script, dict) or not isinstance(script.get("responses", []), list):
            raise ValueError("a script is a list of entries or {responses: [...], default: {...}}")
        expanded = []
        for entry in script.get("responses", []):
            if not isinstance(entry, dict):
                raise ValueError("each script entry must be an object")
            expanded.extend([entry] * int(entry.get("repeat", 1)))
        with self.lock:
            self.responses = expanded
            self.default = script.get("default")
            self.position = 0

    def next_entry(self):
        with self.lock:
            roll = self.rng.random()
            if roll < self.hang_rate:
                return {"hang": True}, "chaos hang"
            if roll < self.hang_rate + self.fail_rate:
                return {"status": 500}, "chaos 500"
            if self.position < len(self.responses):
                self.position += 1
                return self.responses[self.position - 1], None
            if self.default is not None:
                return self.default, None
            return (self.responses[-1] if self.responses else {}), None

    def record(self, entry):
        with self.lock:
            entry["seq"] = len(self.log) + 1
            self.log.append(entry)

    def snapshot(self):
        with self.lock:
            return json.dumps(self.log)


def first_line(text, limit=80):
    for line in (text or "").splitlines():
        if line.strip():
            return line.strip()[:limit]
    return ""


def text_of(content):
    """Message content as text: a string, or the text parts of a list."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def echo_answer(messages):
    if messages and messages[-1].get("role") == "tool":
        return "Tool result: " + first_line(text_of(messages[-1].get("content")))
    user = next((m for m in reversed(messages) if m.get("role") == "user"), {})
    text = text_of(user.get("content"))
    about = next((line.split(":", 1)[1].strip() for line in text.splitlines()
                  if line.lower().startswith("subject:")), None)
    return "Thanks for your message about " + (about or first_line(text) or "nothing")


def count_tokens(text):
    return len(text.split())


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the client reuses one connection
    server_version = "llm-standin/1"

    def setup(self):
        if isinstance(self.request, ssl.SSLSocket):
            self.request.settimeout(10)
            self.request.do_handshake()
            self.request.settimeout(None)
        super().setup()
        self.connection_id = next(self.server.state.connections)

    def log_message(self, format, *args):  # noqa: A002 - quiet: tests read the request log
        pass

    # --- plumbing -------------------------------------------------------

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def send(self, status, body, content_type="application/json", headers=()):
        if not isinstance(body, bytes):
            body = (body if isinstance(body, str) else json.dumps(body)).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def error_body(self, status, message, kind="server_error"):
        return {"error": {"message": message, "type": kind, "code": status}}

    def client_gone(self):
        """True once the client closed its side (or the server is stopping)."""
        if SHUTDOWN.is_set():
            return True
        readable, _, _ = select.select([self.connection], [], [], 0.2)
        if not readable:
            return False
        try:
            return self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    # --- endpoints ------------------------------------------------------

    def do_GET(self):
        if self.path == "/_control/requests":
            return self.send(200, self.server.state.snapshot())
        if self.path in ("/v1/models", "/models"):
            log = self.log_request_entry(None)
            if not self.authorized():
                log["outcome"] = "401"
                return
            log["outcome"] = "models"
            return self.send(200, {"object": "list", "data": [
                {"id": "standin", "object": "model", "owned_by": "raven-tests"}]})
        self.send(404, self.error_body(404, "no such endpoint: " + self.path, "not_found"))

    def do_POST(self):
        raw = self.read_body()
        state = self.server.state
        if self.path == "/_control/script":
            try:
                state.set_script(json.loads(raw or b"[]"))
            except (ValueError, TypeError) as e:
                return self.send(400, self.error_body(400, str(e), "invalid_script"))
            return self.send(200, {"ok": True})
        if self.path == "/_control/reset":
            state.set_script(state.initial_script)
            with state.lock:
                state.log.clear()
            return self.send(200, {"ok": True})
        if self.path not in ("/v1/chat/completions", "/chat/completions"):
            return self.send(404, self.error_body(404, "no such endpoint: " + self.path, "not_found"))

        try:
            request = json.loads(raw.decode("utf-8"))  # strict: invalid UTF-8 is the client's bug
        except (UnicodeDecodeError, ValueError):
            request = None
        log = self.log_request_entry(request)
        if not self.authorized():
            log["outcome"] = "401"
            return
        if not isinstance(request, dict) or not isinstance(request.get("messages"), list):
            log["outcome"] = "400"
            return self.send(400, self.error_body(400, "request body is not a JSON chat request",
                                                  "invalid_request_error"))
        entry, chaos = state.next_entry()
        log["outcome"] = chaos or self.outcome_name(entry, request)
        self.answer(entry, request, log)

    def log_request_entry(self, request):
        headers = {k: ("<redacted>" if k.lower() == "authorization" else v)
                   for k, v in self.headers.items()}
        request_dict = request if isinstance(request, dict) else {}
        messages = request_dict.get("messages")
        entry = {
            "time": time.time(), "method": self.command, "path": self.path,
            "connection": self.connection_id, "client_port": self.client_address[1],
            "headers": headers, "auth": self.auth_status(),
            "model": request_dict.get("model"),
            "messages": len(messages) if isinstance(messages, list) else 0,
            "tools": bool(request_dict.get("tools")),
            "tool_choice": request_dict.get("tool_choice"),
            "body": request, "outcome": None,
        }
        self.server.state.record(entry)
        return entry

    def auth_status(self):
        key = self.server.state.api_key
        if key is None:
            return "unchecked"
        given = self.headers.get("Authorization")
        if given is None:
            return "missing"
        return "ok" if given == "Bearer " + key else "bad"

    def authorized(self):
        status = self.auth_status()
        if status in ("ok", "unchecked"):
            return True
        given = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
        message = ("Incorrect API key provided: " + given if given
                   else "You didn't provide an API key.")
        self.send(401, self.error_body(401, message, "invalid_request_error"))
        return False

    @staticmethod
    def outcome_name(entry, request):
        for kind in ("hang", "truncate", "garbage", "empty_choices", "json", "oversize",
                     "tool_calls", "status"):
            if kind == "tool_calls" and request.get("tool_choice") == "none":
                continue
            if kind in entry:
                return kind if kind != "status" else str(entry["status"])
        return "text"

    # --- scripted answers -------------------------------------------------

    def answer(self, entry, request, log):
        if entry.get("delay") and SHUTDOWN.wait(float(entry["delay"])):
            return
        if entry.get("hang"):
            while not self.client_gone():
                pass
            self.close_connection = True
            return

        headers = []
        if "retry_after" in entry:
            headers.append(("Retry-After", str(entry["retry_after"])))
        if "retry_after_date" in entry:
            when = time.time() + float(entry["retry_after_date"])
            headers.append(("Retry-After", email.utils.formatdate(when, usegmt=True)))

        if "status" in entry and "body" not in entry:
            status = int(entry["status"])
            return self.send(status, self.error_body(status, "scripted error " + str(status)),
                             headers=headers)
        if "body" in entry:
            return self.send(int(entry.get("status", 200)), entry["body"], headers=headers)
        if entry.get("garbage"):
            text = entry["garbage"] if isinstance(entry["garbage"], str) else "<html>Bad gateway?"
            return self.send(200, text, headers=headers)
        if "json" in entry:
            return self.send(200, entry["json"], headers=headers)
        if "oversize" in entry:
            return self.send_oversize(int(entry["oversize"]), bool(entry.get("chunked")), log)

        body = self.completion(entry, request)
        if entry.get("empty_choices"):
            body["choices"] = []
        if entry.get("truncate"):
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data) + 100))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.send(200, body, headers=headers)

    def completion(self, entry, request):
        messages = request["messages"]
        message = {"role": "assistant", "content": None}
        finish = "stop"
        if "tool_calls" in entry and request.get("tool_choice") != "none":
            calls = []
            for n, call in enumerate(entry["tool_calls"], 1):
                arguments = call.get("arguments", {})
                if not isinstance(arguments, str):
                    arguments = json.dumps(arguments)
                calls.append({"id": call.get("id", "call_%d" % n), "type": "function",
                              "function": {"name": call.get("name", ""), "arguments": arguments}})
            message["tool_calls"] = calls
            message["content"] = entry.get("content")
            finish = "tool_calls"
        else:
            message["content"] = entry.get("content", echo_answer(messages))
        prompt = sum(count_tokens(text_of(m.get("content"))) for m in messages if isinstance(m, dict))
        completion = count_tokens(message["content"] or "") + 10 * len(message.get("tool_calls", []))
        return {
            "id": "chatcmpl-standin-%d" % log_seq(self.server.state),
            "object": "chat.completion",
            "created": int(time.time()),
            "model": request.get("model") or "standin",
            "choices": [{"index": 0, "message": message,
                         "finish_reason": entry.get("finish_reason", finish)}],
            "usage": entry.get("usage", {"prompt_tokens": prompt, "completion_tokens": completion,
                                         "total_tokens": prompt + completion}),
        }

    def send_oversize(self, size, chunked, log):
        head = b'{"choices":[{"index":0,"message":{"role":"assistant","content":"'
        tail = b'"},"finish_reason":"stop"}]}'
        filler = max(0, size - len(head) - len(tail))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(len(head) + filler + len(tail)))
        self.end_headers()

        def write(data):
            if chunked:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            else:
                self.wfile.write(data)

        sent = 0
        chunk = b"x" * 65536
        try:
            write(head)
            sent += len(head)
            while filler > 0 and not SHUTDOWN.is_set():
                piece = chunk[: min(filler, len(chunk))]
                write(piece)
                sent += len(piece)
                filler -= len(piece)
            write(tail)
            sent += len(tail)
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
        except OSError:
            self.close_connection = True
        with self.server.state.lock:
            log["bytes_sent"] = sent


def log_seq(state):
    with state.lock:
        return len(state.log)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True  # a hanging handler must not hold up exit
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        # A client that hangs up mid-answer is expected in these tests.
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError, ssl.SSLError)):
            super().handle_error(request, client_address)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--script", help="JSON script file (see the module docstring)")
    parser.add_argument("--api-key", help="require Authorization: Bearer KEY")
    parser.add_argument("--fail-rate", type=float, default=0.0)
    parser.add_argument("--hang-rate", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--tls-cert", help="PEM certificate (chain): serve HTTPS")
    parser.add_argument("--tls-key", help="PEM private key for --tls-cert")
    args = parser.parse_args()

    script = []
    if args.script:
        with open(args.script, encoding="utf-8") as f:
            script = json.load(f)
    state = State(script, args.api_key, args.fail_rate, args.hang_rate, args.seed)

    server = Server(("127.0.0.1", args.port), Handler)
    server.state = state
    if args.tls_cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        server.socket = context.wrap_socket(server.socket, server_side=True,
                                            do_handshake_on_connect=False)

    def stop(signum, frame):
        SHUTDOWN.set()
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("listening 127.0.0.1:%d" % server.server_address[1], flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        SHUTDOWN.set()
        server.server_close()


if __name__ == "__main__":
    main()
