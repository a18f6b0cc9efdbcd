using System.Diagnostics.Metrics;
using Purple.Protocols.Metrics;

namespace Purple.Node.Metrics;

/// <summary>
/// Counts the refusals Kestrel makes before a request reaches Purple's code — headers over their limits, a
/// request line too long, a client too slow to send its headers, a failed TLS handshake — which it reports as
/// the <c>error.type</c> of its <c>kestrel.connection.duration</c> measurement. They join purple_rejected_total
/// under Kestrel's own reason name, attributed to the listener by port. Only this node's Kestrel meter is
/// read (the meter factory of its service provider), since tests run several nodes in one process.
/// </summary>
internal sealed class KestrelRefusals : IDisposable
{
    private readonly MeterListener _listener = new();

    public KestrelRefusals(IMeterFactory factory, Func<int, ProtocolMetrics?> byPort)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Name == "kestrel.connection.duration" && ReferenceEquals(instrument.Meter.Scope, factory))
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<double>((_, _, tags, _) =>
        {
            string? reason = null;
            int port = 0;
            foreach (var tag in tags)
            {
                if (tag.Key == "error.type") reason = tag.Value as string;
                else if (tag.Key == "server.port" && tag.Value is int p) port = p;
            }
            if (reason is not null && IsRefusal(reason) && byPort(port) is { } metrics) metrics.RejectedByServer(reason);
        });
        _listener.Start();
    }

    /// <summary>Kestrel's end reasons that are a limit or a protocol rule enforced, not a client leaving or the server stopping.</summary>
    internal static bool IsRefusal(string reason) =>
        reason.Contains("exceeded", StringComparison.Ordinal) || reason.StartsWith("invalid_", StringComparison.Ordinal)
        || reason.EndsWith("_timeout", StringComparison.Ordinal) && !reason.StartsWith("app_shutdown", StringComparison.Ordinal)
        || reason.StartsWith("min_", StringComparison.Ordinal) || reason.StartsWith("tls_", StringComparison.Ordinal)
        || reason.Contains("not_supported", StringComparison.Ordinal);

    public void Dispose() => _listener.Dispose();
}
