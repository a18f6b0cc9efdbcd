using Purple.Core;
using Purple.Core.Commands;
using Purple.Core.Execution;
using static Purple.Actors.Tests.T;
using static Purple.Tests.Shared.AllocationMeter;

namespace Purple.Actors.Tests;

/// <summary>
/// The writes taken from a request's bytes (IDataStore.SpanWrites.cs) against the records they stand for: the same
/// results and the same state, and nothing allocated for what the engine does not keep.
/// </summary>
public class SpanWriteTests
{
    /// <summary>Arguments laid out in one buffer at odd offsets, as a request's arena holds them.</summary>
    private sealed class Request
    {
        private readonly List<byte> _bytes = [0xEE];
        private readonly List<Range> _slices = [];

        public Request(params byte[][] arguments)
        {
            foreach (var argument in arguments)
            {
                int start = _bytes.Count;
                _bytes.AddRange(argument);
                _slices.Add(new Range(start, _bytes.Count));
                _bytes.Add(0xEE);
            }
            Buffer = [.. _bytes];
        }

        public byte[] Buffer { get; }

        public Range[] Slices => [.. _slices];

        /// <summary>Argument <paramref name="index"/> as a slice of <see cref="Buffer"/> (not a copy).</summary>
        public ReadOnlySpan<byte> Arg(int index) => Buffer.AsSpan(_slices[index]);
    }

    private static void AssertSame(ExecResult expected, ExecResult actual, string what)
    {
        Assert.True(expected.Status == actual.Status, $"{what}: status {expected.Status} against {actual.Status}");
        Assert.True(expected.Error == actual.Error, $"{what}: error {expected.Error} against {actual.Error}");
        Assert.True(expected.Integer == actual.Integer, $"{what}: integer {expected.Integer} against {actual.Integer}");
        Assert.True(S(expected.Value) == S(actual.Value), $"{what}: value {S(expected.Value)} against {S(actual.Value)}");
    }

    private static PurpleEngine NewEngine(FakeTime time, IWriteJournal? journal = null) =>
        new(new EngineOptions { Time = time, Databases = 2, Shards = 8, ActiveDefrag = false, Journal = journal });

    [Fact]
    public void Span_writes_give_the_results_and_leave_the_state_of_their_records_in_a_random_mix_with_every_other_write()
    {
        var time = new FakeTime();
        var byRecord = NewEngine(time);
        var bySpan = NewEngine(time);
        var rng = new Random(20261203);
        long later = time.NowMs + 60_000;
        byte[] Key() => B((rng.Next(3) switch { 0 => "k", 1 => "n", _ => "s" }) + rng.Next(30));
        // Values of a few lengths, so overwrites go both in place and to a new array.
        byte[] Value() => rng.Next(5) == 0 ? B(rng.Next(-20, 20000).ToString(System.Globalization.CultureInfo.InvariantCulture)) : B(new string('v', rng.Next(1, 4)));
        for (int step = 0; step < 20_000; step++)
        {
            int db = rng.Next(2);
            switch (rng.Next(8))
            {
                case 0:
                case 1:
                {
                    var (key, value) = (Key(), Value());
                    var condition = (SetCondition)rng.Next(3);
                    var options = (SetOptions)rng.Next(4);
                    long expiresAt = rng.Next(4) switch { 0 => later + rng.Next(1000), 1 => time.NowMs - 1, _ => 0 };
                    if ((options & SetOptions.KeepTtl) != 0) expiresAt = 0;
                    var request = new Request(key, value);
                    AssertSame(byRecord.Execute(new SetCommand(db, key, value, expiresAt, condition, options)),
                        bySpan.SetString(db, request.Arg(0), request.Arg(1), expiresAt, condition, options),
                        $"step {step} SET");
                    break;
                }
                case 2:
                {
                    var key = Key();
                    long delta = rng.Next(10) == 0 ? long.MaxValue - rng.Next(3) : rng.Next(-3000, 3000);
                    AssertSame(byRecord.Execute(new IncrByCommand(db, key, delta)), bySpan.IncrementBy(db, key.AsSpan(), delta), $"step {step} INCRBY");
                    break;
                }
                case 3:
                {
                    var key = Key();
                    var members = Enumerable.Range(0, rng.Next(1, 4)).Select(_ => B("m" + rng.Next(12))).ToArray();
                    var request = new Request(members);
                    AssertSame(byRecord.Execute(new SAddCommand(db, key, members)), bySpan.AddMembers(db, key, request.Buffer, request.Slices),
                        $"step {step} SADD");
                    break;
                }
                case 4:
                {
                    int pairs = rng.Next(1, 5);
                    var keys = Enumerable.Range(0, pairs).Select(_ => Key()).ToArray();
                    var values = Enumerable.Range(0, pairs).Select(_ => Value()).ToArray();
                    bool onlyIfNoneExist = rng.Next(3) == 0;
                    var request = new Request([.. keys.Zip(values).SelectMany(p => new[] { p.First, p.Second })]);
                    AssertSame(byRecord.Execute(new MSetCommand(db, keys, values, onlyIfNoneExist)),
                        bySpan.SetMany(db, request.Buffer, request.Slices, onlyIfNoneExist), $"step {step} MSET");
                    break;
                }
                default:
                {
                    var other = RandomWrites.Next(rng, 2, later);
                    AssertSame(byRecord.Execute(other), bySpan.Execute(other), $"step {step} {other.GetType().Name}");
                    break;
                }
            }
            if (step % 1000 == 999) time.Advance(250);
        }
        string expected = RandomWrites.Dump(byRecord, 2);
        Assert.Contains("set:", expected);
        Assert.Equal(expected, RandomWrites.Dump(bySpan, 2));
        Assert.Equal(byRecord.UsedBytes, bySpan.UsedBytes);
        Assert.Equal(byRecord.GetStats().Keys, bySpan.GetStats().Keys);
    }

    [Fact]
    public void A_key_or_member_taken_from_a_request_is_a_copy_the_engine_owns()
    {
        var e = NewEngine(new FakeTime());
        var request = new Request(B("key"), B("value"), B("member"), B("counter"));
        var buffer = request.Buffer;
        var s = request.Slices;
        e.SetString(0, request.Arg(0), request.Arg(1));
        e.AddMembers(0, B("set"), buffer, s.AsSpan(2, 1));
        e.IncrementBy(0, request.Arg(3), 5);
        e.SetMany(1, buffer, s.AsSpan(0, 2), onlyIfNoneExist: false);
        Array.Fill(buffer, (byte)'X');
        Assert.Equal("value", e.Get("key"));
        Assert.Equal("value", e.Get("key", db: 1));
        Assert.Equal("5", e.Get("counter"));
        Assert.Equal(ReadStatus.Found, e.SetContains(0, B("set"), B("member"), out bool contains));
        Assert.True(contains);
        Assert.Equal(["key"], e.Keys(0, B("k*")).Select(S));
    }

    [Fact]
    public void Span_writes_keep_the_out_of_memory_rule()
    {
        var e = Engine(capacity: 1, policy: EvictionPolicy.None);
        var request = new Request(B("k"), B("v"));
        var oom = ExecResult.Fail(PurpleError.OutOfMemory);
        // The rule refuses writes once the data is over capacity: this one is let in and puts it over.
        Assert.True(e.Set("seed", "x").IsOk);
        AssertSame(oom, e.SetString(0, B("k"), B("v")), "SET");
        AssertSame(oom, e.IncrementBy(0, B("n"), 1), "INCR");
        AssertSame(oom, e.AddMembers(0, B("s"), request.Buffer, request.Slices), "SADD");
        AssertSame(oom, e.SetMany(0, request.Buffer, request.Slices, onlyIfNoneExist: false), "MSET");
        Assert.Equal(1, e.DbSize(0));
        Assert.Equal(4, e.GetStats().OutOfMemoryRejections);
    }

    [Fact]
    public void With_a_journal_span_writes_record_the_commands_they_stand_for()
    {
        var journal = new List<WriteCommand>();
        var e = NewEngine(new FakeTime(), new ListJournal(journal));
        var request = new Request(B("a"), B("1"), B("b"), B("2"));
        e.SetString(0, B("k"), B("v"), condition: SetCondition.IfNotExists);
        e.IncrementBy(0, B("n"), 7);
        e.AddMembers(0, B("s"), request.Buffer, request.Slices.AsSpan(0, 2));
        e.SetMany(1, request.Buffer, request.Slices, onlyIfNoneExist: true);
        Assert.Equal(4, journal.Count);
        var set = Assert.IsType<SetCommand>(journal[0]);
        Assert.Equal(("k", "v", SetCondition.IfNotExists), (S(set.Key), S(set.Value), set.Condition));
        var incr = Assert.IsType<IncrByCommand>(journal[1]);
        Assert.Equal(("n", 7L), (S(incr.Key), incr.Delta));
        var sadd = Assert.IsType<SAddCommand>(journal[2]);
        Assert.Equal(["a", "1"], sadd.Members.Select(S));
        var mset = Assert.IsType<MSetCommand>(journal[3]);
        Assert.Equal((1, true), (mset.Db, mset.OnlyIfNoneExist));
        Assert.Equal(["a", "b"], mset.Keys.Select(S));
        Assert.Equal(["1", "2"], mset.Values.Select(S));
    }

    /// <summary>A journal that stores the codec form, as GroupCommitJournal does: it only counts what it is given.</summary>
    private sealed class EncodedJournal : IWriteJournal
    {
        public long Records, Bytes;

        public void Record(long now, WriteCommand command) => throw new InvalidOperationException("a span write made a record");

        public void RecordEncoded(long now, ReadOnlySpan<byte> command)
        {
            Records++;
            Bytes += command.Length;
        }
    }

    [Fact]
    public void With_a_journal_that_takes_the_encoded_form_overwrites_from_spans_allocate_nothing()
    {
        var journal = new EncodedJournal();
        var e = NewEngine(new FakeTime(), journal);
        var set = new Request(B("key:000000012345"), B(new string('x', 64)));
        var mset = new Request(B("a"), B("111"), B("b"), B("222"));
        var msetSlices = mset.Slices;
        e.SetString(0, "counter"u8, "100000"u8);
        foreach (var write in new Action[]
        {
            () => e.SetString(0, set.Arg(0), set.Arg(1)),
            () => e.IncrementBy(0, "counter"u8, 1),
            () => e.AddMembers(0, "myset"u8, mset.Buffer, msetSlices),
            () => e.SetMany(0, mset.Buffer, msetSlices, onlyIfNoneExist: false),
        })
        {
            for (int i = 0; i < 1000; i++) write();
            Assert.Equal(0, AllocatedBy(200, write));
        }
        Assert.Equal(1 + 4 * (1000 + 5 * 200), journal.Records);
    }

    private sealed class ListJournal(List<WriteCommand> records) : IWriteJournal
    {
        public void Record(long now, WriteCommand command) => records.Add(command);
    }

    [Fact]
    public void Span_writes_reject_the_cas_conditions_and_pairs_that_do_not_pair()
    {
        var e = NewEngine(new FakeTime());
        var request = new Request(B("a"), B("1"), B("b"));
        Assert.Throws<ArgumentOutOfRangeException>(() => e.SetString(0, B("k"), B("v"), condition: SetCondition.IfCasMatches));
        Assert.Throws<ArgumentException>(() => e.SetMany(0, request.Buffer, request.Slices, onlyIfNoneExist: false));
        Assert.Throws<ArgumentException>(() => e.SetMany(0, request.Buffer, [], onlyIfNoneExist: false));
        Assert.Equal(0, e.DbSize(0));
    }

    [Fact]
    public void Overwrites_from_spans_allocate_nothing_once_the_keys_exist()
    {
        var e = NewEngine(new FakeTime());
        var set = new Request(B("key:000000012345"), B(new string('x', 64)));
        var mset = new Request(B("a"), B("111"), B("b"), B("222"), B("c"), B("333"), B("d"), B("444"));
        var member = new Request(B("element:000000012345"));
        var (msetSlices, memberSlices) = (mset.Slices, member.Slices);
        void Set() => e.SetString(0, set.Arg(0), set.Arg(1));
        void Incr() => e.IncrementBy(0, "counter:000000012345"u8, 1);
        void SAdd() => e.AddMembers(0, "myset"u8, member.Buffer, memberSlices);
        void MSet() => e.SetMany(0, mset.Buffer, msetSlices, onlyIfNoneExist: false);
        // The counter starts at six digits, so the 11,000 increments below keep its width.
        e.SetString(0, "counter:000000012345"u8, "100000"u8);
        foreach (var write in new Action[] { Set, Incr, SAdd, MSet })
        {
            for (int i = 0; i < 10_000; i++) write();
            Assert.Equal(0, AllocatedBy(200, write));
        }
        Assert.Equal("111000", e.Get("counter:000000012345"));
    }

    [Fact]
    public void A_new_key_from_spans_allocates_its_key_value_and_entry_only()
    {
        var e = NewEngine(new FakeTime());
        int next = 0;
        var keys = Enumerable.Range(0, 1200).Select(i => B($"key:{i:D12}")).ToArray();
        var value = B(new string('x', 64));
        for (int i = 0; i < 200; i++) e.SetString(0, keys[next++], value);
        var byRecord = NewEngine(new FakeTime());
        int recordNext = 0;
        for (int i = 0; i < 200; i++) byRecord.Execute(new SetCommand(0, keys[recordNext++], value));
        // The engine's table grows now and then on either side; the record path pays for its record and its two arrays on
        // top. Per new key a span write costs what the engine keeps: 40 bytes of key, 88 of value, 64 of entry.
        long spans = AllocatedBy(200, () => e.SetString(0, keys[next++], value)) / 200;
        long records = AllocatedBy(200, () => byRecord.Execute(new SetCommand(0, keys[recordNext++].ToArray(), value.ToArray()))) / 200;
        Assert.InRange(spans, 40 + 88 + 64, 40 + 88 + 64 + 16);
        Assert.True(records - spans >= 40 + 88, $"a record write allocated {records} bytes per new key, a span write {spans}");
    }
}
