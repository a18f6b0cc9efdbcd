"""A tiny raw-socket RESP2/RESP3 client for the interop tests.

Debian 12's python3-redis is redis-py 4.3.4, which has no `protocol=3` (that arrived in
redis-py 5.0), so RESP3 replies are checked with this client instead. It keeps the wire
types visible: a RESP3 set comes back as a Python `set`, a map as a `dict`, a null as
`None`, a verbatim string as `Verbatim` (a `str` with `.format`), a push as `Push`.
"""
import socket

__all__ = ["RespClient", "RespError", "Verbatim", "Push", "SimpleString"]


class RespError(Exception):
    """A `-ERR ...` or `!` bulk error; `.message` is the full text, prefix included."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class Verbatim(str):
    """RESP3 `=` verbatim string; `.format` is the 3-letter type (e.g. 'txt')."""

    format = "txt"


class SimpleString(str):
    """A `+` simple string (so tests can tell it from a bulk string)."""


class Push(list):
    """RESP3 `>` push message."""


def _hashable(v):
    if isinstance(v, list):
        return tuple(_hashable(x) for x in v)
    if isinstance(v, dict):
        return tuple(sorted((k, _hashable(x)) for k, x in v.items()))
    if isinstance(v, set):
        return frozenset(v)
    return v


class RespClient:
    def __init__(self, host, port, timeout=10.0, decode=True):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.settimeout(timeout)
        self.buf = bytearray()
        self.decode = decode

    # --- wire -----------------------------------------------------------
    @staticmethod
    def encode(*args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            if isinstance(a, str):
                a = a.encode()
            elif isinstance(a, int):
                a = str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        return b"".join(out)

    def send_raw(self, data):
        self.sock.sendall(data)

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("server closed the connection")
        self.buf += chunk

    def _line(self):
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line = bytes(self.buf[:i])
                del self.buf[: i + 2]
                return line
            self._fill()

    def _exact(self, n):
        while len(self.buf) < n + 2:
            self._fill()
        data = bytes(self.buf[:n])
        if self.buf[n : n + 2] != b"\r\n":
            raise ValueError("bulk payload not terminated by CRLF")
        del self.buf[: n + 2]
        return data

    def _str(self, b):
        return b.decode("utf-8", "surrogateescape") if self.decode else b

    def read(self):
        """Read one reply. Errors are *returned* as RespError instances."""
        line = self._line()
        t, rest = line[:1], line[1:]
        if t == b"+":
            return SimpleString(rest.decode())
        if t == b"-":
            return RespError(rest.decode())
        if t == b":":
            return int(rest)
        if t == b"(":
            return int(rest)
        if t == b",":
            s = rest.decode().lower()
            return float(s)  # handles inf, -inf, nan
        if t == b"#":
            return rest == b"t"
        if t == b"_":
            return None
        if t in (b"$", b"=", b"!"):
            n = int(rest)
            if n < 0:
                return None
            data = self._exact(n)
            if t == b"!":
                return RespError(data.decode())
            if t == b"=":
                v = Verbatim(data[4:].decode("utf-8", "surrogateescape"))
                v.format = data[:3].decode()
                return v
            return self._str(data)
        if t in (b"*", b">", b"~"):
            n = int(rest)
            if n < 0:
                return None
            items = [self.read() for _ in range(n)]
            if t == b"~":
                return {_hashable(x) for x in items}
            return Push(items) if t == b">" else items
        if t == b"%":
            n = int(rest)
            d = {}
            for _ in range(n):
                k = self.read()
                d[_hashable(k)] = self.read()
            return d
        if t == b"|":  # attribute: read and drop it, then the real reply
            n = int(rest)
            for _ in range(2 * n):
                self.read()
            return self.read()
        raise ValueError("unknown RESP type byte %r in %r" % (t, line))

    # --- API ------------------------------------------------------------
    def call(self, *args):
        """Send one command, return its reply; raise RespError on an error reply."""
        self.send_raw(self.encode(*args))
        reply = self.read()
        if isinstance(reply, RespError):
            raise reply
        return reply

    def pipeline(self, commands):
        """Send all commands in one write, return all replies (errors as instances)."""
        self.send_raw(b"".join(self.encode(*c) for c in commands))
        return [self.read() for _ in commands]

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
