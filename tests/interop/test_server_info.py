"""Server commands: INFO (sections parsed by redis-py), CONFIG GET/SET, TIME, DBSIZE."""
import time

import pytest
import redis

from conftest import PORT


def test_info_server(r):
    info = r.info("server")
    assert "redis_version" in info
    assert info["tcp_port"] == PORT
    assert isinstance(info["uptime_in_seconds"], int)
    assert isinstance(info["process_id"], int)


def test_info_clients(r, client_factory):
    before = r.info("clients")["connected_clients"]
    others = [client_factory() for _ in range(3)]
    for o in others:
        o.ping()
    after = r.info("clients")["connected_clients"]
    assert before >= 1
    # This client and the three others at least; not before + 3, since a connection an earlier test closed may
    # still have been counted in before.
    assert after >= 4


def test_info_memory(r):
    info = r.info("memory")
    # Redis counts its own baseline too; Purple's used_memory is the accounted data that maxmemory
    # limits (docs/engine.md), so an empty server may report 0. Both must grow with data.
    assert isinstance(info["used_memory"], int) and info["used_memory"] >= 0
    assert "maxmemory" in info
    assert "maxmemory_policy" in info
    r.set("big", "x" * 1_000_000)
    assert r.info("memory")["used_memory"] >= info["used_memory"] + 900_000


def test_info_stats_counts_hits_misses(r):
    s0 = r.info("stats")
    r.set("k", "v")
    r.get("k")
    r.get("k")
    r.get("missing")
    s1 = r.info("stats")
    assert s1["keyspace_hits"] - s0["keyspace_hits"] == 2
    assert s1["keyspace_misses"] - s0["keyspace_misses"] == 1
    assert s1["total_commands_processed"] > s0["total_commands_processed"]
    assert "total_connections_received" in s1
    assert "expired_keys" in s1 and "evicted_keys" in s1


def test_info_keyspace(r, client_factory):
    assert r.info("keyspace") == {}
    r.set("a", "1")
    r.set("b", "2", ex=100)
    r.sadd("s", "x")
    client_factory(db=2).set("c", "3")
    ks = r.info("keyspace")
    assert ks["db0"]["keys"] == 3
    assert ks["db0"]["expires"] == 1
    assert ks["db2"]["keys"] == 1
    assert ks["db2"]["expires"] == 0
    assert set(ks) == {"db0", "db2"}


def test_info_default_and_all_sections(r, raw):
    info = r.info()
    for key in ("redis_version", "connected_clients", "used_memory", "total_commands_processed"):
        assert key in info
    text = raw.call("INFO")
    for section in ("# Server", "# Clients", "# Memory", "# Stats", "# Keyspace"):
        assert section in text
    assert "\r\n" in text  # lines end with CRLF


def test_info_multiple_sections(raw):
    text = raw.call("INFO", "server", "clients")
    assert "# Server" in text and "# Clients" in text
    assert "# Memory" not in text


def test_info_unknown_section_is_empty(raw):
    assert raw.call("INFO", "nosuchsection") == ""


def test_config_get_maxmemory(r):
    cfg = r.config_get("maxmemory")
    assert list(cfg) == ["maxmemory"]
    assert cfg["maxmemory"].isdigit()


def test_config_set_maxmemory(r):
    old = r.config_get("maxmemory")["maxmemory"]
    try:
        assert r.config_set("maxmemory", "100mb") is True
        assert r.config_get("maxmemory") == {"maxmemory": "104857600"}
        assert r.info("memory")["maxmemory"] == 104857600
    finally:
        r.config_set("maxmemory", old)
    assert r.config_get("maxmemory") == {"maxmemory": old}


def test_config_set_maxmemory_policy(r):
    old = r.config_get("maxmemory-policy")["maxmemory-policy"]
    try:
        for policy in ("allkeys-lru", "volatile-lfu", "noeviction", "allkeys-lfu", "volatile-lru"):
            assert r.config_set("maxmemory-policy", policy) is True
            assert r.config_get("maxmemory-policy") == {"maxmemory-policy": policy}
    finally:
        r.config_set("maxmemory-policy", old)


def test_config_set_invalid_policy(r):
    with pytest.raises(redis.ResponseError) as e:
        r.config_set("maxmemory-policy", "bogus")
    assert str(e.value).startswith("CONFIG SET failed (possibly related to argument 'maxmemory-policy')")


def test_config_get_databases(r):
    assert r.config_get("databases") == {"databases": "16"}


def test_config_get_glob(r):
    cfg = r.config_get("maxmemory*")
    assert {"maxmemory", "maxmemory-policy"} <= set(cfg)


def test_config_get_unknown_is_empty(r):
    assert r.config_get("no-such-parameter") == {}


def test_time(r):
    secs, usecs = r.time()
    assert abs(secs + usecs / 1e6 - time.time()) < 5
    assert 0 <= usecs < 1_000_000


def test_dbsize_counts_all_types(r):
    r.set("a", "1")
    r.sadd("s", "1", "2")
    r.incr("n")
    assert r.dbsize() == 3


def test_config_set_databases_is_immutable(r):
    with pytest.raises(redis.ResponseError) as e:
        r.config_set("databases", "32")
    assert str(e.value) == ("CONFIG SET failed (possibly related to argument 'databases') - "
                            "can't set immutable config")
    assert r.config_get("databases") == {"databases": "16"}


def test_config_get_multiple(raw):
    reply = raw.call("CONFIG", "GET", "maxmemory", "databases")
    d = dict(zip(reply[0::2], reply[1::2]))
    assert set(d) == {"maxmemory", "databases"}
    assert d["databases"] == "16"


def test_config_wrong_subcommand(raw):
    from resp_client import RespError
    with pytest.raises(RespError, match=r"^ERR unknown subcommand 'NOPE'. Try CONFIG HELP.$"):
        raw.call("CONFIG", "NOPE")
