"""Pipelines and transactions: MULTI EXEC DISCARD WATCH UNWATCH."""
import threading

import pytest
import redis

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


def test_pipeline_1000_commands(r):
    pipe = r.pipeline(transaction=False)
    for i in range(1000):
        pipe.set(f"p{i}", str(i))
    for i in range(1000):
        pipe.incr(f"p{i}")
    replies = pipe.execute()
    assert replies[:1000] == [True] * 1000
    assert replies[1000:] == [i + 1 for i in range(1000)]
    assert r.dbsize() == 1000
    assert r.get("p999") == "1000"


def test_pipeline_errors_do_not_stop_others(r):
    r.set("str", "abc")
    pipe = r.pipeline(transaction=False)
    pipe.set("a", "1").incr("str").get("a")
    replies = pipe.execute(raise_on_error=False)
    assert replies[0] is True
    assert isinstance(replies[1], redis.ResponseError)
    assert str(replies[1]) == "value is not an integer or out of range"
    assert replies[2] == "1"


def test_transaction_pipeline(r):
    pipe = r.pipeline(transaction=True)
    pipe.set("a", "1").incr("a").sadd("s", "x", "y").smembers("s").get("a")
    assert pipe.execute() == [True, 2, 2, {"x", "y"}, "2"]


def test_multi_exec_raw(raw):
    assert raw.call("MULTI") == "OK"
    assert raw.call("SET", "k", "v") == "QUEUED"
    assert raw.call("INCR", "n") == "QUEUED"
    assert raw.call("GET", "k") == "QUEUED"
    assert raw.call("EXEC") == ["OK", 1, "v"]


def test_multi_queues_until_exec(raw, r):
    raw.call("MULTI")
    raw.call("SET", "k", "queued")
    assert r.get("k") is None  # nothing applied before EXEC
    raw.call("EXEC")
    assert r.get("k") == "queued"


def test_empty_multi_exec(raw):
    raw.call("MULTI")
    assert raw.call("EXEC") == []


def test_discard(raw, r):
    raw.call("MULTI")
    raw.call("SET", "k", "v")
    assert raw.call("DISCARD") == "OK"
    assert r.exists("k") == 0
    from resp_client import RespError
    with pytest.raises(RespError, match="^ERR EXEC without MULTI$"):
        raw.call("EXEC")


def test_exec_without_multi(raw):
    from resp_client import RespError
    with pytest.raises(RespError, match="^ERR EXEC without MULTI$"):
        raw.call("EXEC")
    with pytest.raises(RespError, match="^ERR DISCARD without MULTI$"):
        raw.call("DISCARD")


def test_nested_multi(raw):
    from resp_client import RespError
    raw.call("MULTI")
    with pytest.raises(RespError, match="^ERR MULTI calls can not be nested$"):
        raw.call("MULTI")
    raw.call("SET", "k", "v")
    assert raw.call("EXEC") == ["OK"]


def test_execabort_after_queued_error(client_factory):
    c = client_factory(single_connection_client=True)
    c.flushall()
    assert c.execute_command("MULTI") == "OK"
    assert c.execute_command("APPEND", "a", "1") == "QUEUED"  # (SET has a bool callback)
    with pytest.raises(redis.ResponseError, match="^wrong number of arguments for 'set' command$"):
        c.execute_command("SET", "b")
    with pytest.raises(redis.exceptions.ExecAbortError) as e:
        c.execute_command("EXEC")
    assert str(e.value) == "Transaction discarded because of previous errors."
    assert c.exists("a") == 0


def test_execabort_raw_text(raw):
    from resp_client import RespError
    raw.call("MULTI")
    with pytest.raises(RespError) as e:
        raw.call("NOSUCHCMD", "x")
    assert e.value.message == "ERR unknown command 'NOSUCHCMD', with args beginning with: 'x' "
    with pytest.raises(RespError) as e:
        raw.call("EXEC")
    assert e.value.message == "EXECABORT Transaction discarded because of previous errors."


def test_execabort_via_pipeline(r):
    pipe = r.pipeline(transaction=True)
    pipe.set("a", "1")
    pipe.execute_command("SET", "b")
    with pytest.raises(redis.ResponseError, match="wrong number of arguments for 'set' command"):
        pipe.execute()
    assert r.exists("a") == 0


def test_runtime_error_inside_exec(r):
    r.set("str", "abc")
    pipe = r.pipeline(transaction=True)
    pipe.set("a", "1").incr("str").sadd("str", "x").incr("a")
    replies = pipe.execute(raise_on_error=False)
    assert replies[0] is True
    assert str(replies[1]) == "value is not an integer or out of range"
    assert str(replies[2]) == WRONGTYPE
    assert replies[3] == 2
    assert r.get("a") == "2"


def test_watch_success(r):
    r.set("k", "1")
    with r.pipeline() as pipe:
        pipe.watch("k")
        current = int(pipe.get("k"))
        pipe.multi()
        pipe.set("k", str(current + 1))
        assert pipe.execute() == [True]
    assert r.get("k") == "2"


def test_watch_conflict(r, client_factory):
    other = client_factory()
    r.set("k", "1")
    with r.pipeline() as pipe:
        pipe.watch("k")
        other.set("k", "changed")
        pipe.multi()
        pipe.set("k", "mine")
        with pytest.raises(redis.WatchError):
            pipe.execute()
    assert r.get("k") == "changed"


def test_watch_conflict_raw_nil(raw, client_factory):
    other = client_factory()
    raw.call("SET", "k", "1")
    assert raw.call("WATCH", "k") == "OK"
    other.incr("k")
    raw.call("MULTI")
    raw.call("SET", "k", "mine")
    assert raw.call("EXEC") is None
    assert other.get("k") == "2"


def test_watch_missing_key_then_created(raw, client_factory):
    other = client_factory()
    raw.call("WATCH", "newkey")
    other.set("newkey", "x")
    raw.call("MULTI")
    raw.call("SET", "newkey", "y")
    assert raw.call("EXEC") is None


def test_watch_missing_key_created_and_deleted_again(raw, client_factory):
    # Missing when watched and missing at EXEC, but written in between: Redis aborts.
    other = client_factory()
    raw.call("WATCH", "gone")
    other.sadd("gone", "a")
    other.delete("gone")
    raw.call("MULTI")
    raw.call("SET", "gone", "y")
    assert raw.call("EXEC") is None
    # A watch that begins after such a write does not see it; one that nothing touches passes.
    raw.call("WATCH", "gone")
    other.delete("gone")  # deletes nothing: no write
    raw.call("MULTI")
    raw.call("SET", "gone", "z")
    assert raw.call("EXEC") == ["OK"]


def test_watch_not_touched_by_writes_that_change_nothing(raw, client_factory):
    # Redis counts a write only when it changes the key: popping or removing nothing is none.
    other = client_factory()
    raw.call("SADD", "s", "a", "b")
    raw.call("WATCH", "s")
    assert other.execute_command("SPOP", "s", "0") == []
    assert other.srem("s", "zzz") == 0
    assert other.sadd("s", "a") == 0
    raw.call("MULTI")
    raw.call("SCARD", "s")
    assert raw.call("EXEC") == [2]


def test_watch_missing_key_set_with_a_time_already_past(raw, client_factory):
    other = client_factory()
    raw.call("WATCH", "k")
    other.execute_command("SET", "k", "v", "PXAT", "1000")
    raw.call("MULTI")
    raw.call("SET", "k", "mine")
    assert raw.call("EXEC") is None
    assert raw.call("EXISTS", "k") == 0


def test_watch_touched_by_expire_and_del(raw, client_factory):
    other = client_factory()
    raw.call("SET", "k", "v")
    raw.call("WATCH", "k")
    other.expire("k", 100)
    raw.call("MULTI")
    raw.call("GET", "k")
    assert raw.call("EXEC") is None
    raw.call("WATCH", "k")
    other.delete("k")
    raw.call("MULTI")
    raw.call("GET", "k")
    assert raw.call("EXEC") is None


def test_watch_on_set_key(raw, client_factory):
    other = client_factory()
    raw.call("SADD", "s", "a")
    raw.call("WATCH", "s")
    other.sadd("s", "b")
    raw.call("MULTI")
    raw.call("SCARD", "s")
    assert raw.call("EXEC") is None


def test_watch_other_key_untouched(raw, client_factory):
    other = client_factory()
    raw.call("WATCH", "k")
    other.set("unrelated", "x")
    raw.call("MULTI")
    raw.call("SET", "k", "v")
    assert raw.call("EXEC") == ["OK"]


def test_watch_own_write_aborts(raw):
    # A change by the watching client itself also invalidates the WATCH.
    raw.call("SET", "k", "1")
    raw.call("WATCH", "k")
    raw.call("SET", "k", "2")
    raw.call("MULTI")
    raw.call("SET", "k", "3")
    assert raw.call("EXEC") is None
    assert raw.call("GET", "k") == "2"


def test_unwatch(raw, client_factory):
    other = client_factory()
    raw.call("WATCH", "k")
    assert raw.call("UNWATCH") == "OK"
    other.set("k", "x")
    raw.call("MULTI")
    raw.call("SET", "k", "y")
    assert raw.call("EXEC") == ["OK"]


def test_exec_clears_watch(raw, client_factory):
    other = client_factory()
    raw.call("WATCH", "k")
    raw.call("MULTI")
    raw.call("EXEC")
    other.set("k", "x")
    raw.call("MULTI")
    raw.call("SET", "k", "y")
    assert raw.call("EXEC") == ["OK"]


def test_watch_inside_multi(raw):
    from resp_client import RespError
    raw.call("MULTI")
    with pytest.raises(RespError, match="^ERR WATCH inside MULTI is not allowed$"):
        raw.call("WATCH", "k")
    assert raw.call("EXEC") == []


def test_optimistic_increment_with_retries(r, client_factory):
    r.set("counter", "0")
    n_threads, per_thread = 4, 25

    def worker():
        c = client_factory()
        for _ in range(per_thread):
            while True:
                try:
                    with c.pipeline() as pipe:
                        pipe.watch("counter")
                        v = int(pipe.get("counter"))
                        pipe.multi()
                        pipe.set("counter", str(v + 1))
                        pipe.execute()
                        break
                except redis.WatchError:
                    continue

    threads = [threading.Thread(target=worker) for _ in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert r.get("counter") == str(n_threads * per_thread)
