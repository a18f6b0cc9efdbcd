namespace Purple.Core.Commands;

/// <summary>
/// The bytes handed to <see cref="CommandCodec.Read"/> are not one well-formed command: truncated, unknown
/// code, out-of-range field, or trailing garbage. A journal or Raft log that meets this has a corrupt record.
/// </summary>
public sealed class CommandCodecException : Exception
{
    public CommandCodecException(string message, int offset)
        : base($"{message} (at byte {offset})")
    {
        Offset = offset;
    }

    /// <summary>Byte offset in the input where decoding failed.</summary>
    public int Offset { get; }
}
