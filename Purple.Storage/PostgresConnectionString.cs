using Npgsql;

namespace Purple.Storage;

/// <summary>
/// --postgres as a user writes it: an Npgsql connection string (<c>Host=…;Port=…;Username=…;Database=…</c>) or a
/// libpq-style URL (<c>postgres://user:password@host:port/database?sslmode=require</c>), turned into the Npgsql form.
/// Errors never repeat the password.
/// </summary>
public static class PostgresConnectionString
{
    /// <summary>URL query parameters (libpq's names) and the Npgsql keyword each becomes; others are tried as Npgsql keywords.</summary>
    private static readonly Dictionary<string, string> UrlParameters = new(StringComparer.OrdinalIgnoreCase)
    {
        ["sslmode"] = "SSL Mode",
        ["application_name"] = "Application Name",
        ["connect_timeout"] = "Timeout",
        ["target_session_attrs"] = "Target Session Attributes",
        ["sslrootcert"] = "Root Certificate",
        ["sslcert"] = "SSL Certificate",
        ["sslkey"] = "SSL Key",
        ["options"] = "Options",
        ["dbname"] = "Database",
        ["user"] = "Username",
        ["host"] = "Host",
        ["port"] = "Port",
    };

    /// <summary>
    /// Parses <paramref name="text"/>; <paramref name="password"/>, when given (--postgres-password-file), fills a
    /// connection string that has none. Returns null with <paramref name="error"/> set when it cannot be used.
    /// </summary>
    public static NpgsqlConnectionStringBuilder? TryParse(string text, string? password, out string? error)
    {
        error = null;
        NpgsqlConnectionStringBuilder builder;
        text = text.Trim();
        if (text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
        {
            builder = FromUrl(text, out error)!;
            if (builder is null) return null;
        }
        else
        {
            try
            {
                builder = new NpgsqlConnectionStringBuilder(text);
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidCastException or OverflowException)
            {
                error = $"is not an Npgsql connection string or a postgres:// URL ({Describe(ex)})";
                return null;
            }
        }
        if (string.IsNullOrWhiteSpace(builder.Host))
        {
            error = "names no server; write e.g. \"Host=127.0.0.1;Port=5432;Username=purple;Database=purple\" or postgres://purple@127.0.0.1:5432/purple";
            return null;
        }
        if (password is not null)
        {
            if (!string.IsNullOrEmpty(builder.Password))
            {
                error = "has a password and --postgres-password-file gives one too; give it one way";
                return null;
            }
            builder.Password = password;
        }
        return builder;
    }

    // The exception's message names the keyword or the shape that was wrong; a value it quotes could be a password, so
    // only messages that quote nothing are shown whole.
    private static string Describe(Exception ex) =>
        ex.Message.Contains('\'', StringComparison.Ordinal) && !ex.Message.StartsWith("Keyword not supported", StringComparison.Ordinal)
            ? ex.GetType().Name
            : ex.Message.TrimEnd('.');

    private static NpgsqlConnectionStringBuilder? FromUrl(string text, out string? error)
    {
        error = null;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            error = "is not a valid postgres:// URL; write postgres://user:password@host:port/database";
            return null;
        }
        var builder = new NpgsqlConnectionStringBuilder { Host = uri.DnsSafeHost };
        if (uri.Port > 0) builder.Port = uri.Port;
        if (uri.UserInfo.Length > 0)
        {
            int colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            builder.Username = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            if (colon >= 0) builder.Password = Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
        }
        string database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (database.Length > 0) builder.Database = database;
        foreach (string pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = pair.IndexOf('=', StringComparison.Ordinal);
            string name = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]);
            string value = eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..]);
            string keyword = UrlParameters.TryGetValue(name, out var mapped) ? mapped : name;
            try
            {
                // libpq's sslmode values are Npgsql's without the dash (verify-full → VerifyFull; case does not matter).
                builder[keyword] = keyword == "SSL Mode" ? value.Replace("-", "", StringComparison.Ordinal) : value;
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidCastException or OverflowException)
            {
                error = $"has a URL parameter '{name}' that cannot be used ({Describe(ex)})";
                return null;
            }
        }
        return builder;
    }
}
