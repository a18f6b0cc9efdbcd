"""Starts a server of its own for the authentication and TLS tests: a purple-node with every listener on
a free port (with --requirepass-file, and any extra flags such as TLS), or with PURPLE_TARGET=redis a
real redis-server --requirepass, to prove the RESP expectations are Redis's. RedisServer is a plain
redis-server, for the tests that need one beside Purple (the redis backend, the differential test)."""
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PASSWORD = "interop s3cret"


def free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


class RedisServer:
    """A plain redis-server of its own on a free 127.0.0.1 port (no persistence), up when constructed. stop() and
    start() restart it on the same port; close() stops it for good and removes its directory."""

    def __init__(self, port=None):
        self.port = port or free_ports(1)[0]
        self.dir = tempfile.mkdtemp(prefix="purple-redis-")
        self.start()

    def start(self):
        self.proc = subprocess.Popen(["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
                                      "--appendonly", "no", "--dir", self.dir],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"redis-server exited at start with {self.proc.returncode}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start within 20 s")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=15)

    def close(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class SecuredServer:
    def __init__(self, target, password=True, extra=(), health_url=None, ssl_context=None, prefix=()):
        self.ssl_context = ssl_context
        self.dir = tempfile.mkdtemp(prefix="purple-auth-")
        self.resp, self.memcached, self.http, self.grpc = free_ports(4)
        log = open(os.path.join(self.dir, "server.log"), "wb")
        if target == "redis":
            self.proc = subprocess.Popen(["redis-server", "--bind", "127.0.0.1", "--port", str(self.resp), "--save", "",
                                          "--appendonly", "no", "--dir", self.dir, "--requirepass", PASSWORD],
                                         stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            self._wait(lambda: self._tcp_open(self.resp))
        else:
            args = []
            if password:
                password_file = os.path.join(self.dir, "password")
                with open(password_file, "w") as f:
                    f.write(PASSWORD + "\n")
                args += ["--requirepass-file", password_file]
            binary = os.environ.get("PURPLE_BIN") or os.path.join(ROOT, "Purple.Node/bin/Release/net10.0/purple-node")
            self.proc = subprocess.Popen([*prefix, binary, "--host", "127.0.0.1", "--resp-port", str(self.resp),
                                          "--memcached-port", str(self.memcached), "--http-port", str(self.http),
                                          "--grpc-port", str(self.grpc), "--capacity", "64MB", *args, *extra],
                                         stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            scheme = "https" if ssl_context is not None else "http"
            self._health_url = health_url or f"{scheme}://127.0.0.1:{self.http}/healthz"
            self._wait(self._healthy)

    @staticmethod
    def _tcp_open(port):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            return False

    def _healthy(self):
        if self._health_url is None:
            return self._tcp_open(self.resp)
        try:
            with urllib.request.urlopen(self._health_url, timeout=1, context=self.ssl_context) as r:
                return r.status == 200
        except Exception:
            return False


    def _wait(self, ready):
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}; see {self.dir}/server.log")
            if ready():
                return
            time.sleep(0.1)
        # The fixture never yields, so nothing else would stop it: a server left behind outlives the test run.
        self.proc.kill()
        self.proc.wait(timeout=15)
        raise RuntimeError(f"server not ready in 60 s; see {self.dir}/server.log")

    def log(self):
        with open(os.path.join(self.dir, "server.log"), "rb") as f:
            return f.read()

    def metric(self, name):
        """The value of an unlabelled series on this node's /metrics (a node without a password)."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.http}/metrics", timeout=10) as response:
            for line in response.read().decode().splitlines():
                if line.startswith(name + " ") or line.startswith(name + "{"):
                    return float(line.rsplit(" ", 1)[1])
        raise AssertionError(f"{name} not in /metrics")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.dir, ignore_errors=True)
