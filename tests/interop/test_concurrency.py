"""Many clients at once: every update lands exactly once."""
import threading

from conftest import make_client

THREADS = 20
PER_THREAD = 500


def _run(worker):
    errors = []

    def wrap(i):
        try:
            worker(i)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(repr(e))

    ts = [threading.Thread(target=wrap, args=(i,)) for i in range(THREADS)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(120)
    assert not any(t.is_alive() for t in ts), "workers still running after 120 s"
    assert errors == []


def test_concurrent_incr_one_key(r):
    def worker(_):
        c = make_client()
        try:
            for _ in range(PER_THREAD):
                c.incr("counter")
        finally:
            c.close()

    _run(worker)
    assert r.get("counter") == str(THREADS * PER_THREAD)


def test_concurrent_sadd_distinct_members(r):
    def worker(i):
        c = make_client()
        try:
            for j in range(PER_THREAD):
                assert c.sadd("set", f"{i}:{j}") == 1
        finally:
            c.close()

    _run(worker)
    assert r.scard("set") == THREADS * PER_THREAD
    assert r.smembers("set") == {f"{i}:{j}" for i in range(THREADS) for j in range(PER_THREAD)}


def test_concurrent_pipelined_incrby_and_mset(r):
    def worker(i):
        c = make_client()
        try:
            pipe = c.pipeline(transaction=False)
            for j in range(PER_THREAD):
                pipe.incrby("total", 2)
                pipe.set(f"t{i}:{j}", str(j))
            pipe.execute()
        finally:
            c.close()

    _run(worker)
    assert r.get("total") == str(2 * THREADS * PER_THREAD)
    assert r.dbsize() == 1 + THREADS * PER_THREAD


def test_concurrent_transactions_are_atomic(r):
    # Each MULTI/EXEC moves one unit from a to b; a + b must stay constant.
    r.set("a", str(THREADS * 100))
    r.set("b", "0")

    def worker(_):
        c = make_client()
        try:
            for _ in range(100):
                p = c.pipeline(transaction=True)
                p.decr("a").incr("b")
                a, b = p.execute()
                assert 0 <= a and a + b <= THREADS * 100
        finally:
            c.close()

    _run(worker)
    assert (r.get("a"), r.get("b")) == ("0", str(THREADS * 100))
