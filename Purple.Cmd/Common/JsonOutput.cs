using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;

namespace Purple.Cmd.Common;

/// <summary>
/// Writes one JSON object, on one line, to stdout. Hand-written with Utf8JsonWriter rather than serialised
/// from types: the shapes are documented in docs/cli.md and stay exactly what is written here.
/// </summary>
internal static class JsonOutput
{
    // Relaxed: keys and items in other scripts stay readable; quotes and control characters are still escaped.
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Write(CliConsole console, Action<Utf8JsonWriter> body)
    {
        using (var writer = new Utf8JsonWriter(console.StdOut, Options))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }
        console.StdOut.WriteByte((byte)'\n');
        console.StdOut.Flush();
    }

    /// <summary>A stored value: "value" when it is UTF-8 text, else "valueBase64", so binary values survive JSON.</summary>
    public static void WriteValue(Utf8JsonWriter writer, byte[] value)
    {
        if (Utf8.IsValid(value)) writer.WriteString("value", value);
        else writer.WriteBase64String("valueBase64", value);
    }
}
