using System.Buffers;
using System.Text;
using Purple.Core;
using Purple.Core.Commands;
using Purple.Core.Execution;
using Purple.Protocols.Memcached;

namespace Purple.Protocols.Tests.Memcached;

/// <summary>
/// mg h/l/u, me la/fetch, and leases (mg N/R, md I, ms I) against the real engine, with the reply lines memcached
/// 1.6.18 prints for the same sequences (probed with a raw socket). CAS values are exact because each harness has
/// a fresh engine, whose CAS counter starts at 1; memcached's differ only in number.
/// </summary>
public class MemcachedMetaLeaseTests
{
    private static byte[] B(string s) => System.Text.Encoding.Latin1.GetBytes(s);

    [Fact]
    public async Task Vivify_on_miss_wins_once_and_later_readers_see_Z()
    {
        await using var mc = new SessionHarness();
        await using var other = new SessionHarness(sharing: mc);
        Assert.Equal("VA 0 c1 t30 W\r\n\r\n", mc.Send("mg v1 N30 c t v\r\n"));
        Assert.Equal("VA 0 c1 t30 Z\r\n\r\n", other.Send("mg v1 N30 c t v\r\n"));
        Assert.Equal("VA 0 c1 t30 Z\r\n\r\n", other.Send("mg v1 c t v\r\n"));
        Assert.Equal("HD s0 kv1 Z\r\n", mc.Send("mg v1 s k N30 q\r\n"));
        // The winner fills it: the lease ends with the write.
        Assert.Equal("HD\r\n", mc.Send("ms v1 3 T30\r\nabc\r\n"));
        Assert.Equal("VA 3 c2 t30\r\nabc\r\n", other.Send("mg v1 v c t N30\r\n"));
        // A miss with q and N still answers: the item exists now.
        Assert.Equal("VA 0 kmiss O1 W\r\n\r\n", mc.Send("mg miss v N30 q k O1\r\n"));
        Assert.Equal("HD t-1 c4 W\r\nHD t-1 c4 Z\r\n", mc.Send("mg miss2 N0 t c\r\nmg miss2 t c\r\n"));
    }

    [Fact]
    public async Task Flags_apply_in_token_order_as_memcached_walks_them()
    {
        await using var mc = new SessionHarness();
        // t before N prints the TTL of the new item before N set it.
        Assert.Equal("VA 0 c1 t-1 W\r\n\r\n", mc.Send("mg v1 v c t N30\r\n"));
        Assert.Equal("VA 0 c1 t30 Z\r\n\r\n", mc.Send("mg v1 v c t N30\r\n"));
        // On a miss, the later of N and T sets the TTL.
        Assert.Equal("HD t60 W\r\nHD t60 Z\r\n", mc.Send("mg n1 N30 T60 t\r\nmg n1 t\r\n"));
        Assert.Equal("HD t30 W\r\nHD t30 Z\r\n", mc.Send("mg n2 T60 N30 t\r\nmg n2 t\r\n"));
        Assert.Equal("HD t-1 W\r\nHD t30 Z\r\n", mc.Send("mg n3 t T60 N30\r\nmg n3 t\r\n"));
        // t before T shows the TTL the touch replaced.
        mc.Send("set k 0 100 1\r\nx\r\n");
        Assert.Equal("HD t100\r\nHD t60\r\n", mc.Send("mg k t T60\r\nmg k t\r\n"));
        // R is judged on the TTL as of its token: before T, the old one; after T, the new one.
        mc.Send("set r1 0 100 1\r\nx\r\nset r2 0 100 1\r\nx\r\n");
        Assert.Equal("HD t10\r\n", mc.Send("mg r1 R50 T10 t\r\n"));
        Assert.Equal("HD t10 W\r\n", mc.Send("mg r2 T10 R50 t\r\n"));
    }

    [Fact]
    public async Task Vivify_with_a_negative_ttl_wins_but_leaves_nothing()
    {
        await using var mc = new SessionHarness();
        Assert.Equal("VA 0 c1 W\r\n\r\n", mc.Send("mg n4 N-1 v c\r\n"));
        Assert.Equal("EN\r\n", mc.Send("mg n4 v\r\n"));
    }

    [Fact]
    public async Task Recache_hands_one_client_W_when_the_ttl_left_is_below_the_token()
    {
        await using var mc = new SessionHarness();
        await using var other = new SessionHarness(sharing: mc);
        mc.Send("set s1 0 100 3\r\nabc\r\nset forever 0 0 1\r\nx\r\n");
        Assert.Equal("VA 3 c1 t100\r\nabc\r\n", mc.Send("mg s1 R30 v c t\r\n"));
        Assert.Equal("VA 3 c1 t100 W\r\nabc\r\n", mc.Send("mg s1 R200 v c t\r\n"));
        Assert.Equal("VA 3 c1 t100 Z\r\nabc\r\n", other.Send("mg s1 R200 v c t\r\n"));
        Assert.Equal("VA 3 c1 t100 h1 Z\r\nabc\r\n", other.Send("mg s1 R200 v c t u h\r\n"));
        // No TTL, nothing to recache before.
        Assert.Equal("HD t-1\r\n", mc.Send("mg forever R50 t\r\n"));
        Assert.Equal("CLIENT_ERROR bad token in command line format\r\nCLIENT_ERROR bad token in command line format\r\n",
            mc.Send("mg s1 Rx\r\nmg s1 R\r\n"));
    }

    [Fact]
    public async Task Md_I_marks_stale_and_the_next_reader_wins()
    {
        await using var mc = new SessionHarness();
        await using var other = new SessionHarness(sharing: mc);
        Assert.Equal("HD\r\n", mc.Send("ms st 3 T30\r\nabc\r\n"));
        Assert.Equal("HD c1\r\n", mc.Send("mg st c\r\n"));
        Assert.Equal("HD\r\n", mc.Send("md st I T30\r\n"));
        Assert.Equal("VA 3 c2 t30 X W\r\nabc\r\n", mc.Send("mg st v c t\r\n"));
        Assert.Equal("VA 3 c2 t30 Z X\r\nabc\r\n", other.Send("mg st v c t\r\n"));
        Assert.Equal("VA 3 c2 t30 h1 Z X\r\nabc\r\n", other.Send("mg st v c t h\r\n"));
        // Invalidating again frees the lease and bumps the CAS.
        Assert.Equal("HD\r\n", mc.Send("md st I\r\n"));
        Assert.Equal("HD c3 t30 X W\r\n", other.Send("mg st c t\r\n"));
        Assert.Equal("", mc.Send("md st I q\r\n"));
        Assert.Equal("HD kst O5\r\n", mc.Send("md st I k O5\r\n"));
        Assert.Equal("NF\r\nNF kmissx\r\n", mc.Send("md miss I\r\nmd missx I T30 k\r\n"));
        // T0 takes the TTL away.
        Assert.Equal("", mc.Send("md st I T0 q\r\n"));
        Assert.Equal("HD t-1 X W\r\n", mc.Send("mg st t\r\n"));
        Assert.Equal("EX\r\n", mc.Send("md st I C1\r\n"));
        Assert.Equal("CLIENT_ERROR invalid or duplicate flag\r\n", mc.Send("md st I Tx\r\n"));
        // A negative TTL expires it at once.
        Assert.Equal("HD\r\nEN\r\n", mc.Send("md st I T-1\r\nmg st v\r\n"));
        // Without I, T is ignored and the item is deleted.
        mc.Send("set d 0 0 1\r\nx\r\n");
        Assert.Equal("HD\r\nEN\r\n", mc.Send("md d T30\r\nmg d t\r\n"));
    }

    [Fact]
    public async Task Ms_I_with_an_older_cas_stores_the_value_but_keeps_it_stale()
    {
        await using var mc = new SessionHarness();
        Assert.Equal("HD\r\n", mc.Send("ms st 3 T30\r\nabc\r\n"));
        Assert.Equal("HD\r\n", mc.Send("md st I T60\r\n"));
        Assert.Equal("VA 3 c2 t60 X W\r\nabc\r\n", mc.Send("mg st c t v\r\n"));
        // A writer that read version 1 is late: stored, with the item's TTL (not T90), still stale, lease still taken.
        Assert.Equal("HD\r\n", mc.Send("ms st 3 C1 I T90\r\nold\r\n"));
        Assert.Equal("VA 3 c3 t60 Z X\r\nold\r\n", mc.Send("mg st c t v\r\n"));
        Assert.Equal("EX\r\n", mc.Send("ms st 3 C1\r\nbad\r\n"));
        Assert.Equal("EX\r\n", mc.Send("ms st 3 C99999 I\r\nnew\r\n"));
        Assert.Equal("HD c3 Z X\r\n", mc.Send("mg st c\r\n"));
        // Without C, I changes nothing: a plain set, which ends the stale state and the lease.
        Assert.Equal("HD\r\n", mc.Send("ms st 3 I\r\nnoc\r\n"));
        Assert.Equal("VA 3 c4 t-1\r\nnoc\r\n", mc.Send("mg st c t v\r\n"));
        Assert.Equal("HD\r\nHD c5 X W\r\n", mc.Send("md st I\r\nmg st c\r\n"));
        // The winner writes back with the CAS it was given: a matching CAS stores a fresh item.
        Assert.Equal("HD c6\r\n", mc.Send("ms st 3 C5 I c\r\nnew\r\n"));
        Assert.Equal("VA 3 c6\r\nnew\r\n", mc.Send("mg st c v\r\n"));
    }

    [Fact]
    public async Task Ms_I_with_an_older_cas_marks_a_fresh_item_stale()
    {
        await using var mc = new SessionHarness();
        mc.Send("ms f0 1\r\nx\r\nms f1 3 T30\r\nabc\r\n");
        Assert.Equal("HD c3\r\n", mc.Send("ms f1 3 C1 I c\r\nold\r\n"));
        Assert.Equal("VA 3 c3 t30 X W\r\nold\r\n", mc.Send("mg f1 c t v\r\n"));
        mc.Send("ms f2 3\r\nabc\r\n");
        Assert.Equal("HD\r\n", mc.Send("ms f2 3 C1 I MR\r\nold\r\n"));
        Assert.Equal("VA 3 c5 X W\r\nold\r\n", mc.Send("mg f2 c v\r\n"));
        Assert.Equal("NF\r\n", mc.Send("ms nx 3 C1 I\r\nold\r\n"));
        // memcached reads C0 as no CAS at all: never a match, never older.
        Assert.Equal("EX\r\nEX\r\nVA 3 Z X\r\nold\r\n", mc.Send("ms f2 3 C0 I\r\nnew\r\nms f2 3 C0\r\nnew\r\nmg f2 v\r\n"));
    }

    [Fact]
    public async Task A_write_from_another_protocol_ends_the_stale_state_and_the_lease()
    {
        await using var mc = new SessionHarness();
        mc.Send("set k 0 0 1\r\nx\r\n");
        Assert.Equal("HD\r\nHD X W\r\n", mc.Send("md k I\r\nmg k\r\n"));
        mc.Engine.Execute(new SetCommand(0, B("k"), B("redis")));
        Assert.Equal("VA 5\r\nredis\r\n", mc.Send("mg k v\r\n"));
        // A change of expiry is not a new value: the state stays.
        Assert.Equal("HD\r\nHD X W\r\n", mc.Send("md k I\r\nmg k\r\n"));
        mc.Engine.Execute(new ExpireCommand(0, B("k"), mc.Time.NowMs + 50_000));
        Assert.Equal("HD t50 Z X\r\n", mc.Send("mg k t\r\n"));
    }

    [Fact]
    public async Task H_l_and_u_report_use_before_this_request()
    {
        await using var mc = new SessionHarness();
        mc.Send("set k 0 0 3\r\nabc\r\n");
        Assert.Equal("VA 3 h0 l0 t-1 c1\r\nabc\r\n", mc.Send("mg k h l t c v\r\n"));
        mc.Time.Advance(2_000);
        Assert.Equal("HD h1 l2\r\n", mc.Send("mg k h l\r\n"));
        Assert.Equal("HD h1 l0\r\n", mc.Send("mg k u h l\r\n"));
        mc.Time.Advance(3_000);
        // u did not refresh it.
        Assert.Equal("HD h1 l3\r\nHD h1 l3\r\n", mc.Send("mg k h l u\r\nmg k h l\r\n"));
        Assert.Equal("HD l0\r\n", mc.Send("mg k l\r\n"));
        // Flag letters ignore what follows them.
        Assert.Equal("EN\r\n", mc.Send("mg nx h1 l2 u3\r\n"));
        // A new value is a new item: not fetched; only a read without u fetches it.
        mc.Send("set k 0 0 3\r\nxyz\r\n");
        Assert.Equal("HD h0\r\nHD h0\r\nHD h1\r\n", mc.Send("mg k u h\r\nmg k h\r\nmg k h\r\n"));
        // T with u changes the TTL without fetching.
        mc.Send("set t5 0 0 1\r\n5\r\n");
        Assert.Equal("HD\r\nHD h0\r\nHD h1\r\n", mc.Send("mg t5 T30 u\r\nmg t5 h\r\nmg t5 h\r\n"));
    }

    [Fact]
    public async Task Classic_reads_and_other_protocols_fetch_too()
    {
        await using var mc = new SessionHarness();
        mc.Send("set t1 0 0 3\r\nabc\r\nset t2 0 0 3\r\nabc\r\nset t3 0 0 3\r\nabc\r\nset t4 0 0 3\r\nabc\r\n");
        mc.Send("touch t1 100\r\ngat 100 t2\r\nget t3\r\n");
        mc.Engine.TryGet(0, B("t4"), out _);
        Assert.Equal("HD h1\r\nHD h1\r\nHD h1\r\nHD h1\r\n", mc.Send("mg t1 h\r\nmg t2 h\r\nmg t3 h\r\nmg t4 h\r\n"));
    }

    [Fact]
    public async Task Me_reports_last_access_and_fetch_without_touching()
    {
        await using var mc = new SessionHarness();
        mc.Send("set e1 0 0 3\r\nabc\r\n");
        Assert.Equal("ME e1 exp=-1 la=0 cas=1 fetch=no cls=1 size=3\r\n", mc.Send("me e1\r\n"));
        mc.Time.Advance(4_000);
        // me itself neither fetches nor refreshes.
        Assert.Equal("ME e1 exp=-1 la=4 cas=1 fetch=no cls=1 size=3\r\n", mc.Send("me e1\r\n"));
        Assert.Equal("HD h0\r\n", mc.Send("mg e1 h\r\n"));
        mc.Time.Advance(2_000);
        Assert.Equal("ME e1 exp=-1 la=2 cas=1 fetch=yes cls=1 size=3\r\n", mc.Send("me e1\r\n"));
        mc.Send("mg e1 u\r\n");
        Assert.Equal("ME e1 exp=-1 la=2 cas=1 fetch=yes cls=1 size=3\r\n", mc.Send("me e1\r\n"));
        mc.Send("ms e1 2\r\nxy\r\n");
        long lookups = mc.Engine.GetStats().Hits + mc.Engine.GetStats().Misses;
        Assert.Equal("ME e1 exp=-1 la=0 cas=2 fetch=no cls=1 size=2\r\nEN\r\n", mc.Send("me e1\r\nme nx\r\n"));
        // Not a hit or miss either, as TYPE and TTL are not.
        Assert.Equal(lookups, mc.Engine.GetStats().Hits + mc.Engine.GetStats().Misses);
    }

    [Fact]
    public async Task A_miss_echoes_k_and_O()
    {
        await using var mc = new SessionHarness();
        Assert.Equal("EN kmissx O1\r\n", mc.Send("mg missx k O1 v\r\n"));
    }

    [Fact]
    public async Task Lease_state_changes_are_write_records_and_plain_reads_are_not()
    {
        await using var mc = new SessionHarness();
        var recorder = new RecordingStore(mc.Engine);
        using var server = new MemcachedServerContext(recorder, mc.Time, MemcachedLimits.Default, "test");
        var output = new ArrayBufferWriter<byte>();
        var session = new MemcachedSession(server, new MemcachedWriter(output));
        var decoder = new MemcachedDecoder(server.Limits);
        var request = new MemcachedRequest();
        void Send(string input)
        {
            var buffer = new ReadOnlySequence<byte>(B(input));
            var consumed = buffer.Start;
            while (decoder.Decode(buffer.Slice(consumed), request, out consumed) != MemcachedDecodeStatus.Incomplete) session.Execute(request);
        }

        // Reads that cannot change lease state stay reads, however many flags they carry.
        Send("set k 0 100 1\r\nx\r\nmg k v h l\r\nmg k R10 v\r\nmg nx v\r\nme k\r\n");
        Assert.Equal(["Set"], recorder.Written.Select(c => c.Code.ToString()));
        // Invalidating, the one lease grant of the stale item (not the read after it), vivifying and a late store are.
        Send("md k I\r\nmg k v\r\nmg k v\r\nmg nx N30\r\nms k 1 C1 I\r\ny\r\n");
        Assert.Equal(["Set", "Invalidate", "Lease", "Lease", "Set"], recorder.Written.Select(c => c.Code.ToString()));
        Assert.Equal(SetCondition.IfCasMatchesOrStale, ((SetCommand)recorder.Written[^1]).Condition);
        Assert.Equal("STORED\r\nVA 1 h0 l0\r\nx\r\nVA 1\r\nx\r\nEN\r\nME k exp=100 la=0 cas=1 fetch=yes cls=1 size=1\r\n"
            + "HD\r\nVA 1 X W\r\nx\r\nVA 1 Z X\r\nx\r\nHD W\r\nHD\r\n", Encoding.Latin1.GetString(output.WrittenSpan));
    }

    /// <summary>Passes everything to the engine and keeps the write records, as a journal would see them.</summary>
    private sealed class RecordingStore(IDataStore inner) : IDataStore
    {
        public List<WriteCommand> Written { get; } = [];
        public int Databases => inner.Databases;
        public ExecResult Execute(WriteCommand command)
        {
            lock (Written) Written.Add(command);
            return inner.Execute(command);
        }
        public bool CanAcceptWrite() => inner.CanAcceptWrite();
        public ReadStatus TryGet(int db, ReadOnlySpan<byte> key, out StringItem item) => inner.TryGet(db, key, out item);
        public ReadStatus TryGetItem(int db, ReadOnlySpan<byte> key, ItemReadOptions options, out StringItem item, out ItemAccess access) =>
            inner.TryGetItem(db, key, options, out item, out access);
        public byte[]?[] GetMany(int db, byte[][] keys) => inner.GetMany(db, keys);
        public long Exists(int db, byte[][] keys) => inner.Exists(db, keys);
        public DataType TypeOf(int db, ReadOnlySpan<byte> key) => inner.TypeOf(db, key);
        public long GetExpiresAt(int db, ReadOnlySpan<byte> key) => inner.GetExpiresAt(db, key);
        public List<byte[]> Keys(int db, ReadOnlySpan<byte> pattern) => inner.Keys(db, pattern);
        public ulong Scan(int db, ulong cursor, ReadOnlySpan<byte> pattern, int count, DataType typeFilter, List<byte[]> output) =>
            inner.Scan(db, cursor, pattern, count, typeFilter, output);
        public long DbSize(int db) => inner.DbSize(db);
        public ReadStatus SetMembers(int db, ReadOnlySpan<byte> key, out byte[][] members) => inner.SetMembers(db, key, out members);
        public ReadStatus SetContains(int db, ReadOnlySpan<byte> key, ReadOnlySpan<byte> member, out bool contains) =>
            inner.SetContains(db, key, member, out contains);
        public ReadStatus SetContainsMany(int db, ReadOnlySpan<byte> key, byte[][] members, out bool[] contains) =>
            inner.SetContainsMany(db, key, members, out contains);
        public ReadStatus SetCardinality(int db, ReadOnlySpan<byte> key, out long count) => inner.SetCardinality(db, key, out count);
        public ReadStatus SetRandomMembers(int db, ReadOnlySpan<byte> key, long count, out byte[][] members) =>
            inner.SetRandomMembers(db, key, count, out members);
        public ReadStatus SetCombine(int db, byte[][] keys, SetOperation operation, out byte[][] members) =>
            inner.SetCombine(db, keys, operation, out members);
        public ReadStatus SetScan(int db, ReadOnlySpan<byte> key, ulong cursor, ReadOnlySpan<byte> pattern, int count, List<byte[]> output, out ulong nextCursor) =>
            inner.SetScan(db, key, cursor, pattern, count, output, out nextCursor);
        public ulong KeyVersion(int db, ReadOnlySpan<byte> key) => inner.KeyVersion(db, key);
        public T Atomically<T>(Func<T> body) => inner.Atomically(body);
        public StoreStats GetStats() => inner.GetStats();
    }
}
