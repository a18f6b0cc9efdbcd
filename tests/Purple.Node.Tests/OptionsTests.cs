using Purple.Actors;
using Purple.Node.Configuration;

namespace Purple.Node.Tests;

public class OptionsTests
{
    private const long EightGb = 8L << 30;

    private static NodeSettings? Validate(string[] args, out List<string> errors, Dictionary<string, string?>? env = null)
    {
        var configuration = OptionsLoader.Load(args, out var file, out var error, env ?? new Dictionary<string, string?>());
        Assert.Null(error);
        var options = OptionsLoader.Bind(configuration!, out error);
        Assert.Null(error);
        return OptionsValidator.Validate(options!, file, EightGb, out errors);
    }

    [Fact]
    public void Defaults_bind_loopback_with_the_documented_ports_and_half_the_memory()
    {
        var s = Validate([], out var errors);
        Assert.Empty(errors);
        Assert.Equal("127.0.0.1", s!.Address.ToString());
        Assert.Equal((6379, 11211, 8080, 8081), (s.RespPort, s.MemcachedPort, s.HttpPort, s.GrpcPort));
        Assert.Equal(EightGb / 2, s.CapacityBytes);
        Assert.Contains("50", s.CapacitySource, StringComparison.Ordinal);
        Assert.Equal(EvictionScope.Volatile, s.Scope);
        Assert.True(s.ActiveDefrag);
    }

    [Fact]
    public void Active_defrag_can_be_switched_off()
    {
        Assert.False(Validate(["--active-defrag", "no"], out _)!.ActiveDefrag);
    }

    [Fact]
    public void Flags_override_environment()
    {
        var env = new Dictionary<string, string?> { ["PURPLE__RespPort"] = "7000", ["PURPLE__Databases"] = "4" };
        var s = Validate(["--resp-port", "7001", "--eviction=lfu", "--eviction-scope", "all"], out _, env);
        Assert.Equal(7001, s!.RespPort);
        Assert.Equal(4, s.Databases);
        Assert.Equal(EvictionPolicy.Lfu, s.Eviction);
        Assert.Equal(EvictionScope.All, s.Scope);
    }

    [Fact]
    public void Zero_port_switches_a_listener_off()
    {
        var s = Validate(["--http-port", "0", "--memcached-port", "0"], out var errors);
        Assert.Empty(errors);
        Assert.Equal(0, s!.HttpPort);
    }

    [Theory]
    [InlineData("--resp-port", "70000", "--resp-port 70000 is not a port")]
    [InlineData("--capacity", "lots", "--capacity 'lots' is not a size")]
    [InlineData("--eviction", "random", "--eviction 'random' is not a policy")]
    [InlineData("--eviction-scope", "some", "--eviction-scope 'some' is not a scope")]
    [InlineData("--databases", "0", "--databases 0 is out of range")]
    [InlineData("--shards", "3", "--shards 3 must be a power of two")]
    [InlineData("--host", "not-an-ip", "--host 'not-an-ip' is not an IP address")]
    [InlineData("--storage", "redis", "--storage redis needs --redis redis://host:port[/db]")]
    [InlineData("--storage", "postgres", "--storage postgres needs --postgres (or PURPLE__POSTGRES)")]
    [InlineData("--storage", "tape", "--storage 'tape' must be memory, sqlite (alias disk), postgres or redis")]
    [InlineData("--active-defrag", "maybe", "--active-defrag 'maybe' must be yes or no")]
    [InlineData("--transport", "uring", "--transport 'uring' must be auto, epoll or sockets")]
    [InlineData("--io-threads", "-1", "--io-threads -1 must be between 0 (the default: 3/4 of the cores) and 256")]
    [InlineData("--io-poll", "1001us", "--io-poll '1001us' must be auto, off, or microseconds from 0 to 1000 such as 50us")]
    [InlineData("--io-poll", "5ms", "--io-poll '5ms' must be auto, off, or microseconds from 0 to 1000 such as 50us")]
    [InlineData("--io-poll", "-3", "--io-poll '-3' must be auto, off, or microseconds from 0 to 1000 such as 50us")]
    public void Invalid_values_are_reported_with_what_to_fix(string flag, string value, string expected)
    {
        var s = Validate([flag, value], out var errors);
        Assert.Null(s);
        Assert.Contains(errors, e => e.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void The_transport_is_epoll_on_linux_unless_sockets_is_asked_for_and_io_threads_default_to_three_quarters_of_the_cores()
    {
        var s = Validate([], out _);
        Assert.Equal(OperatingSystem.IsLinux() ? NodeTransport.Epoll : NodeTransport.Sockets, s!.Transport);
        Assert.Equal(Math.Max(1, Environment.ProcessorCount * 3 / 4), s.IoThreads);
        s = Validate(["--transport", "sockets", "--io-threads", "1"], out _);
        Assert.Equal((NodeTransport.Sockets, 1), (s!.Transport, s.IoThreads));
    }

    [Fact]
    public void Io_poll_is_auto_off_or_microseconds()
    {
        Assert.Equal(NodeSettings.DefaultIoPollMicros, Validate([], out _)!.IoPollMicros);
        Assert.Equal(NodeSettings.DefaultIoPollMicros, Validate(["--io-poll", "AUTO"], out _)!.IoPollMicros);
        Assert.Equal(0, Validate(["--io-poll", "off"], out _)!.IoPollMicros);
        Assert.Equal(0, Validate(["--io-poll", "0"], out _)!.IoPollMicros);
        Assert.Equal(120, Validate(["--io-poll", "120us"], out _)!.IoPollMicros);
        Assert.Equal(1000, Validate(["--io-poll", "1000"], out _)!.IoPollMicros);
    }

    [Fact]
    public void A_local_journal_under_fsync_always_defaults_to_one_io_thread_and_an_explicit_count_still_wins()
    {
        Assert.Equal(1, Validate(["--storage", "sqlite", "--data-dir", "/tmp/x", "--fsync", "always"], out _)!.IoThreads);
        Assert.Equal(NodeSettings.DefaultIoThreads, Validate(["--storage", "sqlite", "--data-dir", "/tmp/x", "--fsync", "everysec"], out _)!.IoThreads);
        Assert.Equal(NodeSettings.DefaultIoThreads, Validate(["--storage", "postgres", "--postgres", "Host=127.0.0.1;Username=p;Database=p", "--fsync", "always"], out _)!.IoThreads);
        Assert.Equal(3, Validate(["--storage", "sqlite", "--data-dir", "/tmp/x", "--fsync", "always", "--io-threads", "3"], out _)!.IoThreads);
    }

    [Fact]
    public void Durable_storage_settings_are_validated_and_resolved()
    {
        Assert.Null(Validate(["--storage", "sqlite", "--fsync", "sometimes"], out var errors));
        Assert.Contains(errors, e => e.Contains("--fsync 'sometimes' must be always, everysec or no", StringComparison.Ordinal));
        var s = Validate(["--storage", "disk", "--data-dir", "some/dir", "--fsync", "always", "--snapshot-min-journal", "1MB"], out _);
        Assert.NotNull(s?.Storage);
        Assert.Equal(Path.GetFullPath("some/dir"), s.Storage.DataDir);
        Assert.Equal(Purple.Storage.FsyncMode.Always, s.Storage.Fsync);
        Assert.Equal(1L << 20, s.Storage.SnapshotMinJournalBytes);
        Assert.Null(Validate([], out _)!.Storage);
    }

    [Fact]
    public void Redis_storage_settings_are_validated_and_keep_the_password_out_of_messages()
    {
        Assert.Null(Validate(["--storage", "redis"], out var errors));
        Assert.Contains(errors, e => e.Contains("--storage redis needs --redis redis://host:port[/db]", StringComparison.Ordinal));
        // Several addresses are a Redis Cluster's nodes, which have database 0 only.
        var cluster = Validate(["--storage", "redis", "--redis", "redis://a:1, redis://b:2"], out errors);
        Assert.Empty(errors);
        Assert.True(cluster!.Redis!.NamesCluster);
        Assert.Equal(["a:1", "b:2"], cluster.Redis.Endpoints.Select(e => e.ToString()));
        Assert.Null(Validate(["--storage", "redis", "--redis", "redis://a:1,redis://b:2/3"], out errors));
        Assert.Contains(errors, e => e.Contains("database 0 only: drop the /db", StringComparison.Ordinal));
        Assert.Null(Validate(["--storage", "redis", "--redis", "http://u:topsecret@h:1"], out errors));
        Assert.DoesNotContain(errors, e => e.Contains("topsecret", StringComparison.Ordinal));
        Assert.Null(Validate(["--redis", "redis://h:1"], out errors));
        Assert.Contains(errors, e => e.Contains("--redis is only used with --storage redis", StringComparison.Ordinal));
        var s = Validate(["--storage", "redis", "--redis", "redis://:pw@10.0.0.5:6380/4", "--redis-timeout", "250ms"], out _);
        Assert.NotNull(s?.Redis);
        Assert.Equal(new Purple.Storage.Redis.RedisEndpoint("10.0.0.5", 6380, 4, null, "pw"), s.Redis.Endpoint);
        Assert.Equal(TimeSpan.FromMilliseconds(250), s.Redis.Timeout);
        Assert.False(s.Redis.NamesCluster);
        // Calls block their thread until Redis answers, so protocol code leaves the socket threads.
        Assert.False(s.InlineIo);
    }

    [Fact]
    public void Postgres_storage_takes_a_connection_string_or_a_url_from_the_flag_or_the_environment()
    {
        var s = Validate(["--storage", "postgres", "--postgres", "Host=db.internal;Port=5433;Username=purple;Password=pw1;Database=cache",
            "--postgres-schema", "node_a", "--fsync", "always"], out var errors);
        Assert.Empty(errors);
        var postgres = s!.Storage!.Postgres!;
        Assert.Equal("postgres", s.Storage.Mode);
        Assert.Equal("node_a", postgres.Schema);
        Assert.Equal("db.internal:5433/cache (schema node_a)", postgres.Location);
        var parsed = new Npgsql.NpgsqlConnectionStringBuilder(postgres.ConnectionString);
        Assert.Equal(("db.internal", 5433, "purple", "pw1", "cache"), (parsed.Host, parsed.Port, parsed.Username, parsed.Password, parsed.Database));

        s = Validate(["--storage", "postgresql"], out errors,
            new() { ["PURPLE__POSTGRES"] = "postgresql://pur%40ple:p%3Aw@[::1]:6543/my%20db?sslmode=verify-full&application_name=edge" });
        Assert.Empty(errors);
        parsed = new Npgsql.NpgsqlConnectionStringBuilder(s!.Storage!.Postgres!.ConnectionString);
        Assert.Equal(("::1", 6543, "pur@ple", "p:w", "my db", Npgsql.SslMode.VerifyFull, "edge"),
            (parsed.Host, parsed.Port, parsed.Username, parsed.Password, parsed.Database, parsed.SslMode, parsed.ApplicationName));
        Assert.Equal("purple", s.Storage.Postgres.Schema);
    }

    [Fact]
    public void The_postgres_password_comes_from_a_file_and_no_setting_or_error_shows_it()
    {
        string file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "file-secret\nignored\n");
            var s = Validate(["--storage", "postgres", "--postgres", "Host=127.0.0.1;Username=purple;Database=purple", "--postgres-password-file", file], out var errors);
            Assert.Empty(errors);
            Assert.Equal("file-secret", new Npgsql.NpgsqlConnectionStringBuilder(s!.Storage!.Postgres!.ConnectionString).Password);
            // Printing the settings (a log line, a debugger) shows where, never the password.
            Assert.DoesNotContain("file-secret", s.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain("file-secret", s.Storage.ToString(), StringComparison.Ordinal);
            Assert.Contains("127.0.0.1:5432/purple (schema purple)", s.Storage.ToString(), StringComparison.Ordinal);

            Assert.Null(Validate(["--storage", "postgres", "--postgres", "Host=h;Password=inline-secret", "--postgres-password-file", file], out errors));
            Assert.Contains(errors, e => e.Contains("give it one way", StringComparison.Ordinal));
            Assert.DoesNotContain(errors, e => e.Contains("secret", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("Username=purple;Password=pw-secret", "--postgres names no server")]
    [InlineData("Host=h;Bogus Keyword=1;Password=pw-secret", "--postgres is not an Npgsql connection string")]
    [InlineData("Host=h;Port=notaport;Password=pw-secret", "--postgres is not an Npgsql connection string")]
    [InlineData("postgres://user:pw-secret@/db", "--postgres is not a valid postgres:// URL")]
    [InlineData("postgres://user:pw-secret@h/db?nonsense=1", "--postgres has a URL parameter 'nonsense'")]
    public void A_postgres_connection_string_that_cannot_be_used_is_refused_without_echoing_it(string value, string expected)
    {
        Assert.Null(Validate(["--storage", "postgres", "--postgres", value], out var errors));
        Assert.Contains(errors, e => e.Contains(expected, StringComparison.Ordinal));
        Assert.DoesNotContain(errors, e => e.Contains("pw-secret", StringComparison.Ordinal));
    }

    [Fact]
    public void A_postgres_schema_must_be_a_plain_identifier()
    {
        Assert.Null(Validate(["--storage", "postgres", "--postgres", "Host=h", "--postgres-schema", "Purple; DROP"], out var errors));
        Assert.Contains(errors, e => e.Contains("--postgres-schema 'Purple; DROP' must be a lower-case name", StringComparison.Ordinal));
    }

    [Fact]
    public void Two_listeners_on_one_port_is_an_error()
    {
        Assert.Null(Validate(["--resp-port", "9000", "--http-port", "9000"], out var errors));
        Assert.Contains(errors, e => e.Contains("both 9000", StringComparison.Ordinal));
    }

    [Fact]
    public void Non_loopback_bind_is_refused_in_protected_mode()
    {
        Assert.Null(Validate(["--host", "0.0.0.0"], out var errors));
        Assert.Contains(errors, e => e.Contains("protected mode", StringComparison.Ordinal));
        Assert.NotNull(Validate(["--host", "0.0.0.0", "--protected-mode", "no"], out _));
    }

    [Fact]
    public void Unknown_flag_is_an_error_not_a_silent_key()
    {
        var configuration = OptionsLoader.Load(["--resp-prot", "7000"], out _, out var error, new Dictionary<string, string?>());
        Assert.Null(configuration);
        Assert.Contains("Unknown option '--resp-prot'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Flag_without_value_is_an_error()
    {
        Assert.Null(OptionsLoader.Load(["--capacity"], out _, out var error, new Dictionary<string, string?>()));
        Assert.Contains("needs a value", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrongly_typed_value_names_the_option()
    {
        var configuration = OptionsLoader.Load(["--resp-port", "abc"], out _, out _, new Dictionary<string, string?>());
        Assert.Null(OptionsLoader.Bind(configuration!, out var error));
        Assert.Contains("RespPort", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1024", 1024L)]
    [InlineData("64K", 64L << 10)]
    [InlineData("64kb", 64L << 10)]
    [InlineData("512M", 512L << 20)]
    [InlineData("512MB", 512L << 20)]
    [InlineData("2G", 2L << 30)]
    [InlineData("2GB", 2L << 30)]
    [InlineData(" 3 gb ", 3L << 30)]
    public void Sizes_parse_with_binary_multiples(string text, long expected)
    {
        Assert.True(ByteSize.TryParse(text, out long bytes));
        Assert.Equal(expected, bytes);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-1MB")]
    [InlineData("1.5GB")]
    [InlineData("10XB")]
    [InlineData("99999999999999999999G")]
    public void Bad_sizes_are_rejected(string text) => Assert.False(ByteSize.TryParse(text, out _));

    [Fact]
    public void A_password_comes_from_the_flag_the_environment_or_the_first_line_of_a_file_and_is_never_echoed()
    {
        Assert.True(Validate(["--requirepass", "pw1"], out _)!.Auth.Verify("pw1"));
        Assert.False(Validate([], out _)!.Auth.Required);
        var env = new Dictionary<string, string?> { ["PURPLE__Requirepass"] = "pw2" };
        Assert.True(Validate([], out _, env)!.Auth.Verify("pw2"));

        string file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "from file\nsecond line\n");
            var s = Validate(["--requirepass-file", file], out var errors);
            Assert.Empty(errors);
            Assert.True(s!.Auth.Verify("from file"));
            Assert.DoesNotContain("from file", s.ToString());

            Assert.Null(Validate(["--requirepass-file", file, "--requirepass", "pw-secret"], out errors));
            Assert.Contains(errors, e => e.Contains("both set", StringComparison.Ordinal));
            Assert.DoesNotContain(errors, e => e.Contains("pw-secret", StringComparison.Ordinal));

            File.WriteAllText(file, "\n");
            Assert.Null(Validate(["--requirepass-file", file], out errors));
            Assert.Contains(errors, e => e.Contains("empty first line", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(file);
        }
        Assert.Null(Validate(["--requirepass-file", "/no/such/file"], out var missing));
        Assert.Contains(missing, e => e.Contains("cannot be read", StringComparison.Ordinal));
    }

    [Fact]
    public void Protected_mode_lets_a_non_loopback_bind_start_once_a_password_is_set()
    {
        Assert.Null(Validate(["--host", "0.0.0.0"], out var errors));
        Assert.Contains(errors, e => e.Contains("protected mode", StringComparison.Ordinal));
        var s = Validate(["--host", "0.0.0.0", "--requirepass", "pw"], out errors);
        Assert.Empty(errors);
        Assert.True(s!.ProtectedMode);
        Assert.False(Validate(["--host", "0.0.0.0", "--protected-mode", "no"], out _)!.ProtectedMode);
    }
}
