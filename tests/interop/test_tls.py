"""TLS on every listener with real clients, certificates made by openssl at test time: redis-cli --tls,
redis-py (ssl), pymemcache with an SSL context, curl, grpcio with TLS credentials, openssl s_client
(ALPN h2 on gRPC); mutual TLS with --tls-ca; and a certificate reloaded without a restart (SIGHUP)."""
import os
import signal
import ssl
import subprocess
import tempfile
import time

import grpc
import pytest
import redis
from pymemcache.client.base import Client as Memcache

from grpc_stubs import purple_pb2 as pb, purple_pb2_grpc as pbg
from secured_server import SecuredServer


def openssl(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)


def make_cert(d, name, cn, ext):
    with open(os.path.join(d, f"{name}.ext"), "w") as f:
        f.write(ext)
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", f"{d}/{name}.key",
            "-out", f"{d}/{name}.csr", "-subj", f"/CN={cn}")
    openssl("x509", "-req", "-in", f"{d}/{name}.csr", "-CA", f"{d}/ca.crt", "-CAkey", f"{d}/ca.key", "-CAcreateserial",
            "-out", f"{d}/{name}.crt", "-days", "2", "-extfile", f"{d}/{name}.ext")


@pytest.fixture(scope="module")
def pki():
    d = tempfile.mkdtemp(prefix="purple-tls-")
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", f"{d}/ca.key",
            "-out", f"{d}/ca.crt", "-days", "2", "-subj", "/CN=Purple Interop CA")
    server_ext = "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n"
    make_cert(d, "server", "purple-one", server_ext)
    make_cert(d, "server2", "purple-two", server_ext)
    make_cert(d, "client", "purple-client", "extendedKeyUsage=clientAuth\n")
    return d


def ctx(pki, client_cert=False):
    c = ssl.create_default_context(cafile=f"{pki}/ca.crt")
    if client_cert:
        c.load_cert_chain(f"{pki}/client.crt", f"{pki}/client.key")
    return c


@pytest.fixture(scope="module")
def tls_server(pki):
    # The server's files are copies, so the reload test can replace them.
    for ext in ("crt", "key"):
        with open(f"{pki}/server.{ext}", "rb") as src, open(f"{pki}/live.{ext}", "wb") as dst:
            dst.write(src.read())
    s = SecuredServer("purple", password=False, ssl_context=ctx(pki),
                      extra=["--tls-cert", f"{pki}/live.crt", "--tls-key", f"{pki}/live.key"])
    yield s
    s.stop()


def served_cn(port, pki):
    out = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-CAfile", f"{pki}/ca.crt"],
                         input="", capture_output=True, text=True, timeout=20).stdout
    return next((line.split("CN = ", 1)[1].strip() for line in out.splitlines() if line.startswith("subject=")), None)


def test_redis_cli_and_redis_py_over_tls(tls_server, pki):
    cli = subprocess.run(["redis-cli", "-p", str(tls_server.resp), "--tls", "--cacert", f"{pki}/ca.crt", "SET", "tls:k", "v"],
                         capture_output=True, text=True, timeout=10)
    assert cli.stdout.strip() == "OK"
    r = redis.Redis(host="127.0.0.1", port=tls_server.resp, ssl=True, ssl_ca_certs=f"{pki}/ca.crt", decode_responses=True)
    assert r.get("tls:k") == "v"
    assert r.incr("tls:n") == 1
    # Plain text on the TLS port gets no answer: the handshake fails and the connection closes.
    plain = subprocess.run(["redis-cli", "-p", str(tls_server.resp), "PING"], capture_output=True, text=True, timeout=10)
    assert "PONG" not in plain.stdout


def test_pymemcache_with_an_ssl_context(tls_server, pki):
    mc = Memcache(("127.0.0.1", tls_server.memcached), tls_context=ctx(pki), timeout=10)
    assert mc.set("tls:mc", "over tls", noreply=False) is True
    assert mc.get("tls:mc") == b"over tls"
    mc.close()


def test_curl_over_https(tls_server, pki):
    put = subprocess.run(["curl", "-sS", "--cacert", f"{pki}/ca.crt", "-X", "PUT", "--data-binary", "hello",
                          "-o", "/dev/null", "-w", "%{http_code}", f"https://127.0.0.1:{tls_server.http}/kv/tls:http"],
                         capture_output=True, text=True, timeout=10)
    assert put.stdout == "204"
    get = subprocess.run(["curl", "-sS", "--cacert", f"{pki}/ca.crt", f"https://localhost:{tls_server.http}/kv/tls:http"],
                         capture_output=True, text=True, timeout=10)
    assert get.stdout == "hello"


def test_grpcio_with_tls_credentials_and_alpn_h2(tls_server, pki):
    with open(f"{pki}/ca.crt", "rb") as f:
        creds = grpc.ssl_channel_credentials(root_certificates=f.read())
    with grpc.secure_channel(f"127.0.0.1:{tls_server.grpc}", creds) as channel:
        stub = pbg.PurpleStub(channel)
        stub.KvPut(pb.KvPutRequest(key=b"tls:g", value=b"grpc over tls"), timeout=10)
        assert stub.KvGet(pb.KeyRequest(key=b"tls:g"), timeout=10).value == b"grpc over tls"
    out = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{tls_server.grpc}", "-alpn", "h2", "-CAfile", f"{pki}/ca.crt"],
                         input="", capture_output=True, text=True, timeout=20).stdout
    assert "ALPN protocol: h2" in out
    assert "Verify return code: 0 (ok)" in out


def test_the_certificate_is_reloaded_on_sighup_without_a_restart(tls_server, pki):
    assert served_cn(tls_server.resp, pki) == "purple-one"
    r = redis.Redis(host="127.0.0.1", port=tls_server.resp, ssl=True, ssl_ca_certs=f"{pki}/ca.crt", decode_responses=True)
    assert r.ping() is True
    for ext in ("key", "crt"):
        with open(f"{pki}/server2.{ext}", "rb") as src, open(f"{pki}/live.{ext}", "wb") as dst:
            dst.write(src.read())
    tls_server.proc.send_signal(signal.SIGHUP)
    deadline = time.time() + 10
    while served_cn(tls_server.resp, pki) != "purple-two" and time.time() < deadline:
        time.sleep(0.2)
    assert served_cn(tls_server.resp, pki) == "purple-two"
    assert served_cn(tls_server.http, pki) == "purple-two"
    assert tls_server.proc.poll() is None
    assert r.ping() is True   # the connection opened before the reload keeps working


@pytest.fixture(scope="module")
def mtls_server(pki):
    s = SecuredServer("purple", password=False, ssl_context=ctx(pki, client_cert=True),
                      extra=["--tls-cert", f"{pki}/server.crt", "--tls-key", f"{pki}/server.key", "--tls-ca", f"{pki}/ca.crt"])
    yield s
    s.stop()


def test_mutual_tls_refuses_clients_without_a_certificate(mtls_server, pki):
    without = subprocess.run(["redis-cli", "-p", str(mtls_server.resp), "--tls", "--cacert", f"{pki}/ca.crt", "PING"],
                             capture_output=True, text=True, timeout=10)
    assert "PONG" not in without.stdout
    with_cert = subprocess.run(["redis-cli", "-p", str(mtls_server.resp), "--tls", "--cacert", f"{pki}/ca.crt",
                                "--cert", f"{pki}/client.crt", "--key", f"{pki}/client.key", "PING"],
                               capture_output=True, text=True, timeout=10)
    assert with_cert.stdout.strip() == "PONG"
    code = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", f"{pki}/ca.crt",
                           f"https://127.0.0.1:{mtls_server.http}/healthz"], capture_output=True, text=True, timeout=10)
    assert code.stdout == "000"
    code = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", f"{pki}/ca.crt",
                           "--cert", f"{pki}/client.crt", "--key", f"{pki}/client.key",
                           f"https://127.0.0.1:{mtls_server.http}/healthz"], capture_output=True, text=True, timeout=10)
    assert code.stdout == "200"
    with open(f"{pki}/ca.crt", "rb") as ca, open(f"{pki}/client.key", "rb") as key, open(f"{pki}/client.crt", "rb") as crt:
        creds = grpc.ssl_channel_credentials(ca.read(), key.read(), crt.read())
    with grpc.secure_channel(f"127.0.0.1:{mtls_server.grpc}", creds) as channel:
        assert pbg.PurpleStub(channel).FlagGet(pb.KeyRequest(key=b"tls:f"), timeout=10).value is False
