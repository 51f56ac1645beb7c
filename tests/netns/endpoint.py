#!/usr/bin/python3
"""Real endpoints for the netns enforcement tests: one connection each, outcome to a file.

  endpoint.py server KIND --bind IP --port P --result FILE [--cert C --key K]
  endpoint.py client KIND --connect IP --port P --result FILE [--sni NAME] [--target H:P]
                                                             [--after FILE]

KIND is one of
  tls     TLS (Python's ssl, i.e. OpenSSL) with the client's chosen SNI, then one
          request/answer exchange inside the session;
  banner  an SSH-style identification exchange (RFC 4253 4.2): the server speaks first;
  proxy   the server is an HTTP proxy that answers CONNECT, opens the target and relays;
          the client asks it for --target and reads an SSH banner through the tunnel;
  count   (server only) reads whatever arrives until the connection ends, and reports the
          bytes it got: what crossed the box (a TLS client with --mss sends its hello in
          segments of that size).

The outcome written to --result (and printed) is one word, then details:
  ok       the exchange completed and the bytes received are the bytes sent
  reset    the connection was reset (ECONNRESET / EPIPE)
  timeout  nothing arrived within --timeout seconds (a stalled connection)
  eof      the peer closed without finishing
  error    anything else
The server handles exactly one connection and exits; the client exits 0 whatever the
outcome (the test reads the file).

The server creates FILE.accepted (FILE being its --result) once it holds the connection. A
client given --after FILE.accepted sends nothing until that file exists. Without it, a
client that speaks first can have its first data reach the box before the ACK that ends
its handshake: the client's kernel sends that ACK from the softirq that took in the
SYN-ACK, and on a loaded machine the softirq can be put off (to ksoftirqd, behind the
box's polling worker) while the client process, woken on the other core, sends its data.
The box then blocks the flow on that data and resets the server, which still has only a
half-open connection: the kernel drops it and the server never sees a connection at all.
The box did right (what it saw first was the data); the test wants each host to have a
connection to lose, so the client waits until the server has one.
"""

import argparse
import os
import socket
import ssl
import sys
import threading
import time

SERVER_BANNER = b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"
CLIENT_BANNER = b"SSH-2.0-OpenSSH_9.2p1\r\n"
REQUEST = b"ping from the inside host\n"
ANSWER = b"pong from the outside host\n"


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError("peer closed after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return buf


def recv_line(sock, limit=4096):
    buf = b""
    while not buf.endswith(b"\n"):
        chunk = sock.recv(1)
        if not chunk:
            raise EOFError("peer closed after %r" % buf)
        buf += chunk
        if len(buf) > limit:
            raise ValueError("line too long")
    return buf


def expect(got, want, what):
    if got != want:
        raise ValueError("%s altered: %r" % (what, got))


def banner_client(sock, where):
    """The client's side of the SSH-style exchange: the server's banner, ours, the answer."""
    expect(recv_line(sock), SERVER_BANNER, "server banner" + where)
    sock.sendall(CLIENT_BANNER)
    expect(recv_exact(sock, len(ANSWER)), ANSWER, "answer")


def outcome(fn):
    """Run fn() and name what happened."""
    try:
        detail = fn()
        return "ok", detail or ""
    except (ConnectionResetError, BrokenPipeError) as e:
        return "reset", str(e)
    except ssl.SSLEOFError as e:
        return "eof", str(e)
    except ssl.SSLError as e:
        # OpenSSL may report a reset during the handshake as a system-call error.
        return ("reset" if "reset" in str(e).lower() else "error"), str(e)
    except (socket.timeout, TimeoutError) as e:
        return "timeout", str(e)
    except EOFError as e:
        return "eof", str(e)
    except Exception as e:  # noqa: BLE001 - the test wants every failure named
        return "error", "%s: %s" % (type(e).__name__, e)


def relay(a, b):
    try:
        while True:
            data = a.recv(65536)
            if not data:
                break
            b.sendall(data)
    except OSError:
        pass
    finally:
        try:
            b.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def serve(args):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((args.bind, args.port))
    ls.listen(4)
    ls.settimeout(args.accept_timeout)
    open(args.result + ".ready", "w").close()
    try:
        conn, _ = ls.accept()
    except socket.timeout:
        return "timeout", "no connection arrived"
    open(args.result + ".accepted", "w").close()
    conn.settimeout(args.timeout)

    def tls():
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
        s = ctx.wrap_socket(conn, server_side=True)
        expect(recv_line(s), REQUEST, "request")
        s.sendall(ANSWER)
        return "sni handshake done, request and answer intact"

    def banner():
        conn.sendall(SERVER_BANNER)
        expect(recv_line(conn), CLIENT_BANNER, "client banner")
        conn.sendall(ANSWER)
        return "banners exchanged"

    def count():
        got = 0
        try:
            while True:
                data = conn.recv(65536)
                if not data:
                    break
                got += len(data)
        except (ConnectionResetError, socket.timeout, TimeoutError) as e:
            raise type(e)("%s after %d bytes" % (e, got)) from e
        return "%d bytes" % got

    def proxy():
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = conn.recv(4096)
            if not chunk:
                raise EOFError("client closed in the request")
            head += chunk
        line = head.split(b"\r\n", 1)[0].decode()
        method, target, _ = line.split(" ", 2)
        if method != "CONNECT":
            raise ValueError("not a CONNECT: %r" % line)
        host, port = target.rsplit(":", 1)
        up = socket.create_connection((host, int(port)), timeout=args.timeout)
        conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        t = threading.Thread(target=relay, args=(up, conn), daemon=True)
        t.start()
        relay(conn, up)
        t.join(args.timeout)
        return "relayed %s" % target

    return outcome({"tls": tls, "banner": banner, "proxy": proxy, "count": count}[args.kind])


def connect(args):
    def run():
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if args.mss:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, args.mss)
        sock.settimeout(args.timeout)
        sock.connect((args.connect, args.port))
        if args.after:
            deadline = time.monotonic() + args.timeout
            while not os.path.exists(args.after):
                if time.monotonic() > deadline:
                    raise socket.timeout("the server never held the connection (%s)"
                                         % args.after)
                time.sleep(0.01)
        if args.kind == "tls":
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            s = ctx.wrap_socket(sock, server_hostname=args.sni)
            s.sendall(REQUEST)
            expect(recv_exact(s, len(ANSWER)), ANSWER, "answer")
            return "tls to %s done" % args.sni
        if args.kind == "banner":
            banner_client(sock, "")
            return "banners exchanged"
        # proxy
        sock.sendall(b"CONNECT %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: bw-test\r\n\r\n"
                     % (args.target.encode(), args.target.encode()))
        status = recv_line(sock)
        if not status.startswith(b"HTTP/1.1 200"):
            raise ValueError("proxy said %r" % status)
        while recv_line(sock) != b"\r\n":
            pass
        banner_client(sock, " through the tunnel")
        return "tunnel to %s works" % args.target

    return outcome(run)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("role", choices=["server", "client"])
    ap.add_argument("kind", choices=["tls", "banner", "proxy", "count"])
    ap.add_argument("--bind")
    ap.add_argument("--connect")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--result", required=True)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--sni", default="example.org")
    ap.add_argument("--target", default="")
    ap.add_argument("--timeout", type=float, default=3.0)
    ap.add_argument("--mss", type=int, default=0)
    ap.add_argument("--after", default="")
    ap.add_argument("--accept-timeout", type=float, default=20.0)
    args = ap.parse_args()
    word, detail = serve(args) if args.role == "server" else connect(args)
    with open(args.result, "w") as f:
        f.write("%s %s\n" % (word, detail))
    print("%s %s: %s %s" % (args.role, args.kind, word, detail))
    return 0


if __name__ == "__main__":
    sys.exit(main())
