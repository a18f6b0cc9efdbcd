using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Purple.Protocols.Http;

/// <summary>Reads the parts every route shares: the key (percent-decoded once, to bytes), the db query and the body.</summary>
internal static class HttpRequestParts
{
    /// <summary>
    /// The key after <paramref name="prefix"/> in the raw request target, percent-decoded exactly once into bytes,
    /// so any key — with "/", "%", or bytes that are not UTF-8 — round-trips (Kestrel's decoded path keeps "%2F").
    /// </summary>
    public static byte[]? Key(HttpContext context, string prefix)
    {
        string raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? "";
        int query = raw.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0) raw = raw[..query];
        if (!raw.StartsWith(prefix, StringComparison.Ordinal) || raw.Length == prefix.Length) return null;
        return PercentDecode(raw.AsSpan(prefix.Length));
    }

    public static byte[]? PercentDecode(ReadOnlySpan<char> text)
    {
        // Most keys are plain ASCII: one exact-size array, no intermediate list.
        if (!text.ContainsAnyExceptInRange((char)0x20, (char)0x7E) && !text.Contains('%'))
        {
            var ascii = new byte[text.Length];
            for (int i = 0; i < text.Length; i++) ascii[i] = (byte)text[i];
            return ascii;
        }
        var bytes = new List<byte>(text.Length);
        Span<byte> utf8 = stackalloc byte[4];
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '%')
            {
                if (i + 2 >= text.Length || !byte.TryParse(text.Slice(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out byte b)) return null;
                bytes.Add(b);
                i += 2;
            }
            else if (c < 0x80)
            {
                bytes.Add((byte)c);
            }
            else
            {
                int n = Encoding.UTF8.GetBytes(text.Slice(i, char.IsHighSurrogate(c) && i + 1 < text.Length ? 2 : 1), utf8);
                for (int j = 0; j < n; j++) bytes.Add(utf8[j]);
                if (char.IsHighSurrogate(c)) i++;
            }
        }
        return bytes.ToArray();
    }

    /// <summary>The optional <c>db</c> query: 0 when absent; an error text when it is not a database index.</summary>
    public static int Db(HttpContext context, int databases, out string? error)
    {
        error = null;
        var values = context.Request.Query["db"];
        if (values.Count == 0) return 0;
        if (values.Count == 1 && int.TryParse(values[0], NumberStyles.None, CultureInfo.InvariantCulture, out int db) && db < databases) return db;
        error = $"db must be a database index between 0 and {databases - 1}.";
        return -1;
    }

    /// <summary>Reads the whole body, refusing more than <paramref name="max"/> bytes (null and <paramref name="tooLarge"/> then).</summary>
    public static async Task<(byte[]? Body, bool TooLarge)> BodyAsync(HttpContext context, long max)
    {
        if (context.Request.ContentLength is long declared)
        {
            if (declared > max) return (null, true);
            return (await ExactBodyAsync(context, (int)declared).ConfigureAwait(false), false);
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int n;
        while ((n = await context.Request.Body.ReadAsync(chunk, context.RequestAborted).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + n > max) return (null, true);
            buffer.Write(chunk, 0, n);
        }
        return (buffer.ToArray(), false);
    }

    /// <summary>
    /// A body whose Content-Length is known goes straight into one array of that size (a PUT then allocates
    /// just the value); Kestrel itself rejects a body that is shorter or longer than it declared.
    /// </summary>
    private static async Task<byte[]> ExactBodyAsync(HttpContext context, int length)
    {
        var body = new byte[length];
        int read = 0;
        while (read < length)
        {
            int n = await context.Request.Body.ReadAsync(body.AsMemory(read), context.RequestAborted).ConfigureAwait(false);
            if (n == 0) throw new BadHttpRequestException("The request body ended before its Content-Length.");
            read += n;
        }
        return body;
    }

    public static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);
}
