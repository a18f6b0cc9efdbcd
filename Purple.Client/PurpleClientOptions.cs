namespace Purple.Client;

public sealed class PurpleClientOptions
{
    /// <summary>Database for calls that do not name one (Purple's numbered databases; 0 by default).</summary>
    public int Database { get; init; }

    /// <summary>Deadline of each call unless the call gives its own; null: none (cancellation still works).</summary>
    public TimeSpan? DefaultDeadline { get; init; } = TimeSpan.FromSeconds(30);
}
