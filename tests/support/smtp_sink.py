#!/usr/bin/python3
"""smtp_sink — a real SMTP server on loopback that stores what it accepts.

Raven's integration tests and the demo send mail to this sink instead of a real
mail server (DESIGN.md, "Testing": no mocked SMTP in integration tests). It is
aiosmtpd (Debian's python3-aiosmtpd; run it with /usr/bin/python3) plus:

Storage
    Each accepted message becomes two files in --maildir DIR:
      NNNNNN-<hex>.eml   the message exactly as received (dot-unstuffed,
                         CRLF line ends as they came over the wire);
      NNNNNN-<hex>.json  its envelope: {"mail_from", "rcpt_tos",
                         "rejected_rcpts": [{"address", "code"}], "received"
                         (UTC, ISO 8601), "connection" (1-based number of the
                         TCP connection it came on), "tls", "auth_user",
                         "mail_options", "size", "eml"}.
    Both are written to a temporary name and renamed, the .eml first: a
    message is complete once its .json exists, and readers never see half a
    file. NNNNNN counts accepted messages from 1 in arrival order; a sink
    restarted on the same directory continues the count (and, with the same
    --stats file, the connection numbers).

Start-up protocol
    The first line on stdout is `listening 127.0.0.1:PORT`, flushed, once the
    socket accepts connections (--port 0, the default, lets the kernel pick a
    free port). Nothing else is written to stdout; diagnostics go to stderr.

Options
    --auth USER:PASS       require AUTH PLAIN or LOGIN with these credentials
                           before MAIL (allowed without TLS: loopback only).
    --auth-mechanisms M,.. offer only these of PLAIN and LOGIN.
    --tls-cert F --tls-key F
                           offer STARTTLS with this certificate and key...
    --implicit-tls         ...or speak TLS from the first byte (SMTPS).
    --reject-rcpt ADDR     answer RCPT TO:<ADDR> with 550 (repeatable;
                           case-insensitive).
    --fail-mail CODE       answer MAIL FROM with CODE (e.g. 421, 550).
    --fail-data CODE       answer the end of DATA with CODE (e.g. 451, 554);
                           the message is not stored.
    --delay-data SECONDS   wait this long before answering the end of DATA
                           (for timeout and cancellation tests).
    --idle-timeout SECONDS close a connection idle this long (without a 421,
                           as aiosmtpd does); default 300.
    --control FILE         a JSON object re-read at every MAIL, RCPT and DATA
                           whose keys override the options above for that
                           command: {"reject_rcpt": ["a@x"], "fail_mail": 421,
                           "fail_data": 451, "delay_data": 2.5}. null or a
                           missing key means "use the command-line value"; a
                           missing or unreadable file means "no overrides".
                           Write it atomically (temporary file + rename).
    --stats FILE           rewritten (atomically) at every new connection:
                           {"connections": N, "messages": M} (M: accepted
                           before that connection) — lets a test prove that
                           nothing connected, or that a client reused its
                           connection. Not rewritten per message: a file
                           created and renamed per reply was a third of the
                           sink's time per message (bench/).
    --exit-with-parent     exit when the parent process goes away (tests that
                           crash do not leave the sink behind).
    --verbose              one stderr line per connection and per message.

It listens on loopback addresses only (it accepts mail from anyone who can
connect) and exits with status 0 on SIGTERM or SIGINT.
"""

import argparse
import asyncio
import hmac
import ipaddress
import json
import logging
import os
import secrets
import signal
import ssl
import sys
import warnings
from datetime import datetime, timezone

from aiosmtpd.smtp import SMTP, AuthResult

HOSTNAME = "smtp-sink.test"  # fixed: socket.getfqdn() can stall on DNS


def log(msg):
    print(f"smtp_sink: {msg}", file=sys.stderr, flush=True)


def reply_for(code, what):
    """A full SMTP reply line for a scripted failure with basic code CODE."""
    code = int(code)
    if not 400 <= code <= 599:
        raise ValueError(f"scripted reply code must be 4xx or 5xx, not {code}")
    # RFC 3463 enhanced status: class.subject.detail; x.0.0 is "other".
    return f"{code} {code // 100}.0.0 {what} (smtp_sink scripted)"


class Behaviour:
    """The scripted behaviour: command-line values, overridden by --control."""

    def __init__(self, args):
        self.defaults = {
            "reject_rcpt": [a.lower() for a in args.reject_rcpt],
            "fail_mail": args.fail_mail,
            "fail_data": args.fail_data,
            "delay_data": args.delay_data,
        }
        self.control = args.control

    def current(self):
        values = dict(self.defaults)
        if not self.control:
            return values
        try:
            with open(self.control, encoding="utf-8") as f:
                overrides = json.load(f)
        except FileNotFoundError:
            return values
        except (OSError, ValueError) as e:
            log(f"ignoring unreadable control file {self.control}: {e}")
            return values
        if not isinstance(overrides, dict):
            log(f"ignoring control file {self.control}: not a JSON object")
            return values
        for key in values:
            if overrides.get(key) is not None:
                values[key] = overrides[key]
        values["reject_rcpt"] = [str(a).lower() for a in values["reject_rcpt"]]
        return values


class SinkSMTP(SMTP):
    """aiosmtpd's SMTP, numbering connections and knowing about implicit TLS."""

    def __init__(self, handler, *, implicit_tls, **kwargs):
        super().__init__(handler, **kwargs)
        self.connection_id = None
        self.implicit_tls = implicit_tls

    def connection_made(self, transport):
        # Called again after STARTTLS on the same connection: count it once.
        if self.connection_id is None:
            self.connection_id = self.event_handler.next_connection_id()
            if self.event_handler.verbose:
                log(f"connection {self.connection_id} from {transport.get_extra_info('peername')}")
        super().connection_made(transport)


class Handler:
    def __init__(self, args):
        self.maildir = args.maildir
        self.behaviour = Behaviour(args)
        self.verbose = args.verbose
        self.stats = args.stats
        self.connections = 0
        # Continue numbering after a restart on the same directory.
        self.accepted = sum(1 for n in os.listdir(self.maildir) if n.endswith(".json"))
        if self.stats:
            try:
                with open(self.stats, encoding="utf-8") as f:
                    self.connections = int(json.load(f).get("connections", 0))
            except (OSError, ValueError, AttributeError):
                pass
            self.write_stats()

    def next_connection_id(self):
        self.connections += 1
        self.write_stats()
        return self.connections

    def write_stats(self):
        if self.stats:
            data = {"connections": self.connections, "messages": self.accepted}
            write_atomically(self.stats, (json.dumps(data) + "\n").encode("utf-8"))

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        envelope.rejected_rcpts = []
        code = self.behaviour.current()["fail_mail"]
        if code:
            return reply_for(code, "sender refused")
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.behaviour.current()["reject_rcpt"]:
            getattr(envelope, "rejected_rcpts", []).append({"address": address, "code": 550})
            return f"550 5.1.1 <{address}>: Recipient address rejected (smtp_sink scripted)"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        behaviour = self.behaviour.current()
        delay = behaviour["delay_data"]
        if delay:
            await asyncio.sleep(float(delay))
        code = behaviour["fail_data"]
        if code:
            if self.verbose:
                log(f"refusing message from {envelope.mail_from} with {code}")
            return reply_for(code, "message refused")
        self.accepted += 1
        self.store(server, session, envelope)
        return "250 2.0.0 OK: stored"

    def store(self, server, session, envelope):
        content = envelope.original_content or b""
        stem = f"{self.accepted:06d}-{secrets.token_hex(4)}"
        auth = session.auth_data
        sidecar = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "rejected_rcpts": getattr(envelope, "rejected_rcpts", []),
            "received": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
            "connection": server.connection_id,
            "tls": bool(server.implicit_tls or session.ssl is not None),
            "auth_user": auth.login.decode("utf-8", "replace") if auth is not None else None,
            "mail_options": list(envelope.mail_options),
            "size": len(content),
            "eml": stem + ".eml",
        }
        write_atomically(os.path.join(self.maildir, stem + ".eml"), content)
        write_atomically(os.path.join(self.maildir, stem + ".json"),
                         (json.dumps(sidecar, indent=1) + "\n").encode("utf-8"))
        if self.verbose:
            log(f"stored {stem} from {envelope.mail_from} to {envelope.rcpt_tos} "
                f"({len(content)} bytes, connection {server.connection_id})")


def write_atomically(path, data):
    # Atomic against a killed sink (the rename), which is all a test needs:
    # the files must outlive the sink process, not the machine. No fsync: two
    # per reply, serialised in this one-threaded server, made the sink (not
    # Raven) the bottleneck of bench/'s latency figures on a busy disk.
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def make_authenticator(credentials):
    user, _, password = credentials.partition(":")
    want_user, want_password = user.encode(), password.encode()

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (mechanism in ("PLAIN", "LOGIN")
              and hmac.compare_digest(auth_data.login, want_user)
              and hmac.compare_digest(auth_data.password, want_password))
        # handled=False: aiosmtpd answers 235 on success and 535 5.7.8 on failure.
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    return authenticator


def parse_args(argv):
    p = argparse.ArgumentParser(description="SMTP sink for Raven's tests (see the module docstring).")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--maildir", required=True)
    p.add_argument("--auth", metavar="USER:PASS")
    p.add_argument("--auth-mechanisms", default="PLAIN,LOGIN", metavar="M,...")
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    p.add_argument("--implicit-tls", action="store_true")
    p.add_argument("--reject-rcpt", action="append", default=[], metavar="ADDR")
    p.add_argument("--fail-mail", type=int, metavar="CODE")
    p.add_argument("--fail-data", type=int, metavar="CODE")
    p.add_argument("--delay-data", type=float, default=0.0, metavar="SECONDS")
    p.add_argument("--idle-timeout", type=float, default=300.0, metavar="SECONDS")
    p.add_argument("--max-size", type=int, default=32 * 1024 * 1024, metavar="BYTES")
    p.add_argument("--control", metavar="FILE")
    p.add_argument("--stats", metavar="FILE")
    p.add_argument("--exit-with-parent", action="store_true")
    p.add_argument("--verbose", action="store_true")
    args = p.parse_args(argv)

    try:
        loopback = args.host == "localhost" or ipaddress.ip_address(args.host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        p.error("--host must be a loopback address: the sink accepts mail from anyone")
    if bool(args.tls_cert) != bool(args.tls_key):
        p.error("--tls-cert and --tls-key go together")
    if args.implicit_tls and not args.tls_cert:
        p.error("--implicit-tls needs --tls-cert and --tls-key")
    if args.auth is not None and ":" not in args.auth:
        p.error("--auth takes USER:PASS")
    args.auth_mechanisms = [m.strip().upper() for m in args.auth_mechanisms.split(",") if m.strip()]
    if not args.auth_mechanisms or not set(args.auth_mechanisms) <= {"PLAIN", "LOGIN"}:
        p.error("--auth-mechanisms takes PLAIN, LOGIN or both")
    for code in (args.fail_mail, args.fail_data):
        if code is not None and not 400 <= code <= 599:
            p.error("--fail-mail/--fail-data take a 4xx or 5xx code")
    if not os.path.isdir(args.maildir):
        p.error(f"--maildir {args.maildir}: not a directory")
    return args


async def watch_parent(stop, parent):
    while not stop.is_set():
        if os.getppid() != parent:
            log("parent exited; stopping")
            stop.set()
            return
        await asyncio.sleep(0.5)


async def serve(args):
    loop = asyncio.get_running_loop()
    tls = None
    if args.tls_cert:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(args.tls_cert, args.tls_key)
    handler = Handler(args)
    smtp_kwargs = dict(
        hostname=HOSTNAME,
        data_size_limit=args.max_size,
        enable_SMTPUTF8=True,
        timeout=args.idle_timeout,
        implicit_tls=args.implicit_tls,
        # With implicit TLS the whole connection is encrypted already; aiosmtpd
        # would otherwise also offer STARTTLS inside it.
        tls_context=None if args.implicit_tls else tls,
    )
    if args.auth is not None:
        smtp_kwargs.update(authenticator=make_authenticator(args.auth),
                           auth_required=True, auth_require_tls=False,
                           auth_exclude_mechanism=[m for m in ("PLAIN", "LOGIN")
                                                   if m not in args.auth_mechanisms])
    else:
        smtp_kwargs.update(auth_require_tls=False)

    server = await loop.create_server(
        lambda: SinkSMTP(handler, loop=loop, **smtp_kwargs),
        host=args.host, port=args.port,
        ssl=tls if args.implicit_tls else None)
    host, port = server.sockets[0].getsockname()[:2]
    print(f"listening {host}:{port}", flush=True)

    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    watcher = None
    if args.exit_with_parent:
        watcher = asyncio.create_task(watch_parent(stop, os.getppid()))
    await stop.wait()
    server.close()
    await server.wait_closed()
    if watcher is not None:
        watcher.cancel()
    if args.verbose:
        log(f"stopped after {handler.connections} connections, {handler.accepted} messages")


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    # aiosmtpd warns that AUTH without TLS is insecure: on loopback that is the point.
    warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    asyncio.run(serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
