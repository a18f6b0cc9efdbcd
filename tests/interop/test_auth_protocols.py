"""--requirepass on the other protocols, with their own clients, against a purple-node of its own:
pymemcache (memcached 1.6's text-protocol login: a set whose value is "user password"), curl (HTTP
Bearer), grpcio (authorization metadata). Each refuses in its own terms and touches no data."""
import json
import subprocess

import grpc
import pytest
import redis
from pymemcache.client.base import Client as Memcache
from pymemcache.exceptions import MemcacheClientError

from grpc_stubs import health_pb2, purple_pb2 as pb, purple_pb2_grpc as pbg
from secured_server import PASSWORD, SecuredServer


@pytest.fixture(scope="module")
def server():
    s = SecuredServer("purple")
    yield s
    s.stop()


@pytest.fixture
def admin(server):
    c = redis.Redis(host="127.0.0.1", port=server.resp, password=PASSWORD, decode_responses=True)
    c.set("auth:existing", "old")
    yield c
    c.close()


def test_memcached_refuses_until_the_login_set_and_the_login_stores_nothing(server, admin):
    mc = Memcache(("127.0.0.1", server.memcached), timeout=10)
    with pytest.raises(MemcacheClientError, match="unauthenticated"):
        mc.get("auth:existing")
    with pytest.raises(MemcacheClientError, match="authentication failure"):
        mc.set("login", "default wrong", noreply=False)
    assert admin.get("auth:existing") == "old"
    assert mc.set("login", f"default {PASSWORD}", noreply=False) is True
    assert admin.exists("login") == 0
    assert mc.get("auth:existing") == b"old"
    assert mc.set("auth:existing", "from memcached", noreply=False) is True
    assert admin.get("auth:existing") == "from memcached"
    mc.close()


def curl(server, path, *args):
    out = subprocess.run(["curl", "-sS", "--max-time", "10", "-o", "-", "-w", "\n%{http_code}", *args,
                          f"http://127.0.0.1:{server.http}{path}"], capture_output=True, text=True, timeout=20)
    body, _, code = out.stdout.rpartition("\n")
    return int(code), body


def test_http_needs_the_bearer_password_but_probes_stay_open(server, admin):
    code, body = curl(server, "/kv/auth:existing")
    assert code == 401 and json.loads(body)["title"] == "Unauthorized"
    code, _ = curl(server, "/kv/auth:existing", "-X", "PUT", "--data-binary", "new", "-H", "Authorization: Bearer wrong")
    assert code == 401
    assert admin.get("auth:existing") == "old"
    assert curl(server, "/healthz")[0] == 200
    assert curl(server, "/metrics")[0] == 401
    code, body = curl(server, "/kv/auth:existing", "-H", f"Authorization: Bearer {PASSWORD}")
    assert (code, body) == (200, "old")
    code, body = curl(server, "/metrics", "-H", f"Authorization: Bearer {PASSWORD}")
    assert code == 200 and 'purple_rejected_total{protocol="http",reason="unauthenticated"}' in body


def test_grpc_needs_authorization_metadata_but_health_stays_open(server, admin):
    with grpc.insecure_channel(f"127.0.0.1:{server.grpc}") as channel:
        stub = pbg.PurpleStub(channel)
        with pytest.raises(grpc.RpcError) as refused:
            stub.KvGet(pb.KeyRequest(key=b"auth:existing"), timeout=10)
        assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
        with pytest.raises(grpc.RpcError) as wrong:
            stub.KvPut(pb.KvPutRequest(key=b"auth:existing", value=b"new"), timeout=10,
                       metadata=[("authorization", "Bearer wrong")])
        assert wrong.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert admin.get("auth:existing") == "old"
        check = channel.unary_unary("/grpc.health.v1.Health/Check",
                                    request_serializer=health_pb2.HealthCheckRequest.SerializeToString,
                                    response_deserializer=health_pb2.HealthCheckResponse.FromString)
        assert check(health_pb2.HealthCheckRequest(), timeout=10).status == health_pb2.HealthCheckResponse.SERVING
        got = stub.KvGet(pb.KeyRequest(key=b"auth:existing"), timeout=10, metadata=[("authorization", f"Bearer {PASSWORD}")])
        assert got.value == b"old"
