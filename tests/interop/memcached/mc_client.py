"""A tiny raw-socket memcached text-protocol client for the interop tests.

pymemcache turns replies into Python values and exceptions; these tests also need the exact
reply lines (`STORED`, `EXISTS`, `CLIENT_ERROR ...`, `VA 3 c12 t-1`), the bytes of values, and
what a server does with malformed input, so they speak the wire through this client.

    c = McClient(host, port)
    c.call("set k 0 0 3", b"abc")        -> b"STORED"           (one reply line, no CRLF)
    c.values("gets a b")                 -> {b"a": Value(...)}  (VALUE lines up to END)
    c.meta("mg k v c")                   -> Meta(b"VA", [b"c12"], b"abc")
    c.stats()                            -> {"pid": "123", ...}
"""
import socket
import time
from collections import namedtuple

__all__ = ["McClient", "Value", "Meta"]

CRLF = b"\r\n"

Value = namedtuple("Value", "key flags data cas")  # cas is None for get/gat


class Meta(namedtuple("Meta", "code flags data")):
    """A meta reply: code (b"VA", b"HD", b"EN", ...), its return flags (list of bytes, in wire
    order) and the data block (bytes, only for VA)."""

    def flag(self, letter):
        """The token of return flag `letter` (without the letter), or None if absent."""
        letter = letter.encode() if isinstance(letter, str) else letter
        for f in self.flags:
            if f[:1] == letter:
                return f[1:]
        return None


def _b(x):
    return x.encode() if isinstance(x, str) else bytes(x)


class McClient:
    def __init__(self, host, port, timeout=10.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.settimeout(timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.timeout = timeout

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    # --- wire -------------------------------------------------------------------------
    def send(self, data):
        """Send raw bytes (str is encoded as ASCII/UTF-8); nothing is appended."""
        self.sock.sendall(_b(data))

    def send_line(self, line, data=None):
        """Send `line` CRLF, then, if given, `data` CRLF (a storage command's data block)."""
        out = _b(line) + CRLF
        if data is not None:
            out += _b(data) + CRLF
        self.sock.sendall(out)

    def _fill(self):
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise ConnectionError("connection closed by server")
        self.buf += chunk

    def line(self):
        """The next reply line, without its CRLF."""
        while True:
            i = self.buf.find(CRLF)
            if i >= 0:
                out = bytes(self.buf[:i])
                del self.buf[: i + 2]
                return out
            self._fill()

    def read_exact(self, n):
        while len(self.buf) < n:
            self._fill()
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def data_block(self, n):
        """n bytes of data followed by CRLF (as after VALUE / VA)."""
        data = self.read_exact(n + 2)
        assert data[-2:] == CRLF, f"data block not ended by CRLF: {data[-10:]!r}"
        return data[:-2]

    # --- commands ---------------------------------------------------------------------
    def call(self, line, data=None):
        """Send one command (and its data block) and return the first reply line."""
        self.send_line(line, data)
        return self.line()

    def store(self, cmd, key, value, flags=0, exptime=0, cas=None, noreply=False):
        """set/add/replace/append/prepend/cas; returns the reply line (None with noreply)."""
        value = _b(value)
        parts = [cmd, _b(key).decode("latin-1"), str(flags), str(exptime), str(len(value))]
        if cas is not None:
            parts.append(str(cas))
        if noreply:
            parts.append("noreply")
        self.send_line(" ".join(parts).encode("latin-1"), value)
        return None if noreply else self.line()

    def read_values(self):
        """VALUE blocks up to END, as {key: Value}; raises on any other line."""
        out = {}
        while True:
            ln = self.line()
            if ln == b"END":
                return out
            parts = ln.split(b" ")
            if parts[0] != b"VALUE" or len(parts) not in (4, 5):
                raise AssertionError(f"unexpected line in a get reply: {ln!r}")
            data = self.data_block(int(parts[3]))
            cas = int(parts[4]) if len(parts) == 5 else None
            out[parts[1]] = Value(parts[1], int(parts[2]), data, cas)

    def values(self, line):
        """Send a get/gets/gat/gats line and return {key: Value}."""
        self.send_line(line)
        return self.read_values()

    def value(self, key):
        """`gets key` -> Value, or None on a miss."""
        return self.values(b"gets " + _b(key)).get(_b(key))

    def read_meta(self):
        ln = self.line()
        parts = ln.split(b" ")
        code, rest = parts[0], parts[1:]
        if code == b"VA":
            size, flags = int(rest[0]), rest[1:]
            return Meta(code, flags, self.data_block(size))
        return Meta(code, rest, None)

    def meta(self, line, data=None):
        """Send a meta command (ms: pass its data) and parse one reply."""
        self.send_line(line, data)
        return self.read_meta()

    def stats(self, arg=""):
        """`stats [arg]` as {name: value string}; raises on a reply that is not STAT/END."""
        self.send_line(("stats " + arg).strip())
        out = {}
        while True:
            ln = self.line()
            if ln == b"END":
                return out
            parts = ln.decode().split(" ", 2)
            if parts[0] != "STAT" or len(parts) != 3:
                raise AssertionError(f"unexpected stats line: {ln!r}")
            out[parts[1]] = parts[2]

    # --- connection state -------------------------------------------------------------
    def is_closed(self, wait=3.0):
        """True if the server closes the connection within `wait` s without sending any more
        bytes; False if it stays open that long. Bytes that arrive first fail the assertion."""
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                chunk = self.sock.recv(4096)
            except socket.timeout:
                break
            except ConnectionResetError:
                return True
            finally:
                self.sock.settimeout(self.timeout)
            if not chunk:
                return True
            self.buf += chunk
        assert not self.buf, f"unexpected bytes from the server: {bytes(self.buf)[:200]!r}"
        return False

    def silent(self, wait=0.1):
        """True if nothing arrives within `wait` s (for noreply checks; a following command's
        reply is the real proof, this only catches replies sent where none is allowed)."""
        if self.buf:
            return False
        self.sock.settimeout(wait)
        try:
            chunk = self.sock.recv(4096)
        except socket.timeout:
            return True
        finally:
            self.sock.settimeout(self.timeout)
        self.buf += chunk
        return False
