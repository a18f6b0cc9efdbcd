using System.Text;
using Purple.Cmd.Common;

namespace Purple.Cmd.Data;

/// <summary>Values given on the command line, or read from stdin when the argument is "-" (binary safe).</summary>
internal static class ValueInput
{
    public const string StdIn = "-";

    public static async Task<byte[]> ReadValueAsync(string argument, CliConsole console, CancellationToken cancellation)
    {
        if (argument != StdIn) return Encoding.UTF8.GetBytes(argument);
        using var buffer = new MemoryStream();
        await console.StdIn.CopyToAsync(buffer, cancellation).ConfigureAwait(false);
        return buffer.ToArray();
    }

    /// <summary>Set items: the arguments, or one item per line of stdin when the only item is "-" (empty lines skipped).</summary>
    public static async Task<IReadOnlyList<string>> ReadItemsAsync(string[] arguments, CliConsole console, CancellationToken cancellation)
    {
        if (arguments is not [StdIn]) return arguments;
        using var reader = new StreamReader(console.StdIn, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, leaveOpen: true);
        var items = new List<string>();
        while (await reader.ReadLineAsync(cancellation).ConfigureAwait(false) is { } line)
        {
            if (line.Length > 0) items.Add(line);
        }
        return items;
    }
}
