using System.Buffers;

namespace Purple.Protocols.Resp;

/// <summary>
/// The commands queued between MULTI and EXEC. Arguments live in the connection's parse arena only
/// until the next request, so each queued command is kept as its own re-encoded multibulk frame and
/// parsed again at EXEC — MULTI is not the hot path, and this reuses the one parser we trust.
/// </summary>
internal sealed class RespTransaction
{
    private readonly List<(RespCommandSpec Spec, byte[] Frame)> _queue = [];

    /// <summary>A command failed to queue (unknown, wrong arity): EXEC must answer EXECABORT.</summary>
    public bool Poisoned { get; private set; }

    public int Count => _queue.Count;

    public void Poison() => Poisoned = true;

    public void Enqueue(RespCommandSpec spec, RespCommandArgs args)
    {
        var frame = new ArrayBufferWriter<byte>();
        var writer = new RespWriter(frame);
        writer.ArrayHeader(args.Count);
        for (int i = 0; i < args.Count; i++) writer.Bulk(args[i]);
        _queue.Add((spec, frame.WrittenSpan.ToArray()));
    }

    public IEnumerable<(RespCommandSpec Spec, byte[] Frame)> Commands => _queue;
}
