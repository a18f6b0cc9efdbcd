using System.Buffers;
using System.Text;
using Purple.Actors;
using Purple.Protocols.Memcached;

namespace Purple.Protocols.Tests.Memcached;

/// <summary>A clock and timers the test moves by hand.</summary>
internal sealed class ManualTime : TimeProvider
{
    private readonly List<ManualTimer> _timers = [];
    private long _nowMs = 1_700_000_000_000;

    public long NowMs => Interlocked.Read(ref _nowMs);

    public override DateTimeOffset GetUtcNow() => DateTimeOffset.FromUnixTimeMilliseconds(NowMs);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ManualTimer(this, callback, state, NowMs + (long)dueTime.TotalMilliseconds);
        lock (_timers) _timers.Add(timer);
        return timer;
    }

    public void Advance(long ms)
    {
        Interlocked.Add(ref _nowMs, ms);
        List<ManualTimer> due;
        lock (_timers)
        {
            due = _timers.Where(t => t.DueMs <= NowMs).ToList();
            foreach (var t in due) _timers.Remove(t);
        }
        foreach (var t in due) t.Fire();
    }

    internal void Remove(ManualTimer timer)
    {
        lock (_timers) _timers.Remove(timer);
    }

    internal sealed class ManualTimer(ManualTime owner, TimerCallback callback, object? state, long dueMs) : ITimer
    {
        public long DueMs { get; } = dueMs;
        public void Fire() => callback(state);
        public bool Change(TimeSpan dueTime, TimeSpan period) => throw new NotSupportedException();
        public void Dispose() => owner.Remove(this);
        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}

/// <summary>One memcached connection over a real engine, in process: bytes in, the reply bytes out.</summary>
internal sealed class SessionHarness : IAsyncDisposable
{
    private readonly MemcachedDecoder _decoder;
    private readonly MemcachedRequest _request = new();
    private readonly ArrayBufferWriter<byte> _output = new();
    private readonly MemcachedSession _session;

    public SessionHarness(MemcachedLimits? limits = null, long capacity = 1L << 30, EvictionPolicy eviction = EvictionPolicy.Lru,
        SessionHarness? sharing = null)
    {
        Time = sharing?.Time ?? new ManualTime();
        Engine = sharing?.Engine ?? new PurpleEngine(new EngineOptions { Time = Time, CapacityBytes = capacity, Eviction = eviction, Shards = 4 });
        Server = sharing?.Server ?? new MemcachedServerContext(Engine, Time, limits ?? MemcachedLimits.Default, "test");
        _decoder = new MemcachedDecoder(Server.Limits);
        _session = new MemcachedSession(Server, new MemcachedWriter(_output));
        Owner = sharing is null;
    }

    public ManualTime Time { get; }
    public PurpleEngine Engine { get; }
    public MemcachedServerContext Server { get; }
    private bool Owner { get; }

    public bool Closed { get; private set; }

    /// <summary>Sends <paramref name="input"/> (Latin-1) and returns everything written in reply.</summary>
    public string Send(string input) => Send(Encoding.Latin1.GetBytes(input));

    public string Send(byte[] input)
    {
        _output.ResetWrittenCount();
        var buffer = new ReadOnlySequence<byte>(input);
        var consumed = buffer.Start;
        while (!_session.Closing)
        {
            var status = _decoder.Decode(buffer.Slice(consumed), _request, out consumed);
            if (status == MemcachedDecodeStatus.Incomplete) break;
            if (status == MemcachedDecodeStatus.Close)
            {
                if (_request.Error is not null) _session.Writer.Line(_request.Error);
                _session.CloseAfterFlush();
                break;
            }
            _session.Execute(_request);
        }
        Assert.True(_session.Closing || buffer.Slice(consumed).Length == 0 || _decoder.InRequest || buffer.Slice(consumed).Length < Server.Limits.MaxLineLength,
            "the decoder left bytes it should have taken");
        _session.CountBytes(input.Length);
        Closed = _session.Closing;
        return Encoding.Latin1.GetString(_output.WrittenSpan);
    }

    public async ValueTask DisposeAsync()
    {
        _session.Close();
        if (!Owner) return;
        Server.Dispose();
        await Engine.DisposeAsync();
    }
}
