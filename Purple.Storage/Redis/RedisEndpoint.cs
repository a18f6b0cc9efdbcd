using System.Globalization;

namespace Purple.Storage.Redis;

/// <summary>
/// Where Redis is: parsed from <c>redis://[user:password@]host:port[/db]</c> (the db is the first Redis database Purple's
/// database 0 maps to). <see cref="ToString"/> never shows the password.
/// </summary>
public sealed record RedisEndpoint(string Host, int Port, int BaseDb, string? User, string? Password)
{
    public static bool TryParse(string text, out RedisEndpoint? endpoint, out string? error)
    {
        endpoint = null;
        error = null;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme != "redis" || string.IsNullOrEmpty(uri.Host))
        {
            error = $"'{Redact(text)}' is not a redis://host:port[/db] address";
            return false;
        }
        int db = 0;
        string path = uri.AbsolutePath.Trim('/');
        if (path.Length > 0 && (!int.TryParse(path, NumberStyles.None, CultureInfo.InvariantCulture, out db) || db < 0))
        {
            error = $"'{Redact(text)}': the path must be a database number";
            return false;
        }
        string? user = null, password = null;
        if (uri.UserInfo.Length > 0)
        {
            var parts = uri.UserInfo.Split(':', 2);
            if (parts.Length == 2)
            {
                user = parts[0].Length > 0 ? Uri.UnescapeDataString(parts[0]) : null;
                password = Uri.UnescapeDataString(parts[1]);
            }
            else
            {
                password = Uri.UnescapeDataString(parts[0]);
            }
        }
        endpoint = new RedisEndpoint(uri.Host.Trim('[', ']'), uri.IsDefaultPort || uri.Port < 0 ? 6379 : uri.Port, db, user, password);
        return true;
    }

    private static string Redact(string text)
    {
        int at = text.IndexOf('@', StringComparison.Ordinal);
        int scheme = text.IndexOf("://", StringComparison.Ordinal);
        return at > 0 && scheme >= 0 && at > scheme ? text[..(scheme + 3)] + "***@" + text[(at + 1)..] : text;
    }

    public override string ToString() => $"{Host}:{Port.ToString(CultureInfo.InvariantCulture)}";
}
