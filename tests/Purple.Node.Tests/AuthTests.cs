using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Purple.Core.Execution;
using Purple.Node.Hosting;
using Purple.Protocols.Grpc.Health;
using Purple.Protocols.Grpc.V1;
using Purple.Protocols.Resp;
using Purple.Protocols.Security;

namespace Purple.Node.Tests;

/// <summary>A node with --requirepass: every protocol refuses in its own terms until the password is given, and touches no data.</summary>
public sealed class AuthTests : IAsyncLifetime
{
    private const string Password = "s3cret pass";
    private PurpleHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await NodeFixture.StartAsync(NodeFixture.Settings() with { Auth = new PasswordGuard(Password) });
        _host.Engine.Execute(new Purple.Core.Commands.SetCommand(0, "existing"u8.ToArray(), "old"u8.ToArray()));
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private string Value(string key) =>
        _host.Engine.TryGet(0, System.Text.Encoding.UTF8.GetBytes(key), out var item) == ReadStatus.Found ? System.Text.Encoding.UTF8.GetString(item.Value) : "(missing)";

    [Fact]
    public async Task Resp_needs_auth_before_any_data_command_and_reset_forgets_it()
    {
        await using var resp = await RespTestClient.ConnectAsync(_host.RespEndPoint!);
        Assert.Equal("-NOAUTH Authentication required.", (await resp.CommandAsync("SET", "existing", "new")).ToString());
        Assert.Equal("-NOAUTH Authentication required.", (await resp.CommandAsync("MULTI")).ToString());
        Assert.StartsWith("-ERR unknown command", (await resp.CommandAsync("NOSUCH")).ToString());
        Assert.StartsWith("-NOAUTH HELLO must be called", (await resp.CommandAsync("HELLO", "3")).ToString());
        Assert.Equal("-WRONGPASS invalid username-password pair or user is disabled.", (await resp.CommandAsync("AUTH", "wrong")).ToString());
        Assert.Equal("-WRONGPASS invalid username-password pair or user is disabled.", (await resp.CommandAsync("AUTH", "alice", Password)).ToString());
        Assert.Equal("old", Value("existing"));

        Assert.Equal("+OK", (await resp.CommandAsync("AUTH", Password)).ToString());
        Assert.Equal("+OK", (await resp.CommandAsync("SET", "existing", "new")).ToString());
        Assert.Equal("-WRONGPASS invalid username-password pair or user is disabled.", (await resp.CommandAsync("AUTH", "wrong")).ToString());
        Assert.Equal("\"new\"", (await resp.CommandAsync("GET", "existing")).ToString());   // a failed AUTH keeps the session
        Assert.Equal("+RESET", (await resp.CommandAsync("RESET")).ToString());
        Assert.Equal("-NOAUTH Authentication required.", (await resp.CommandAsync("GET", "existing")).ToString());
        Assert.Equal("+OK", (await resp.CommandAsync("AUTH", "default", Password)).ToString());
        Assert.Equal("\"new\"", (await resp.CommandAsync("GET", "existing")).ToString());
    }

    [Fact]
    public async Task Resp_hello_can_authenticate_and_switch_protocol_at_once()
    {
        await using var resp = await RespTestClient.ConnectAsync(_host.RespEndPoint!);
        Assert.StartsWith("-WRONGPASS", (await resp.CommandAsync("HELLO", "3", "AUTH", "default", "nope")).ToString());
        var hello = await resp.CommandAsync("HELLO", "3", "AUTH", "default", Password);
        Assert.Equal(RespType.Map, hello.Type);
        Assert.Equal("\"old\"", (await resp.CommandAsync("GET", "existing")).ToString());
    }

    [Fact]
    public async Task Memcached_logs_in_with_a_set_of_user_and_password_as_memcached_does()
    {
        using var mc = await MemcachedOverTcpTests.McClient.ConnectAsync(_host.MemcachedEndPoint!);
        Assert.Equal("CLIENT_ERROR unauthenticated", await mc.CallLineAsync("get existing\r\n"));
        Assert.Equal("CLIENT_ERROR unauthenticated", await mc.CallLineAsync("version\r\n"));
        Assert.Equal("CLIENT_ERROR unauthenticated", await mc.CallLineAsync("delete existing\r\n"));
        Assert.Equal("CLIENT_ERROR bad authentication token format", await mc.CallLineAsync("set existing 0 0 2\r\nhi\r\n"));
        Assert.Equal("CLIENT_ERROR authentication failure", await mc.CallLineAsync("set x 0 0 9 noreply\r\ndefault x\r\n"));
        Assert.Equal("old", Value("existing"));
        Assert.Equal("STORED", await mc.CallLineAsync($"set x 0 0 {8 + Password.Length}\r\ndefault {Password}\r\n"));
        Assert.Equal("(missing)", Value("x"));   // the login stores nothing
        Assert.Equal("STORED", await mc.CallLineAsync("set existing 0 0 2\r\nhi\r\n"));
        Assert.Equal("hi", Value("existing"));
    }

    [Fact]
    public async Task Http_needs_a_bearer_password_except_for_the_probes()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://{_host.HttpEndPoint}") };
        var none = await http.GetAsync("/kv/existing");
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal("Bearer", none.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal("application/problem+json", none.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.PutAsync("/kv/existing", new StringContent("new"))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/metrics")).StatusCode);
        Assert.Equal("old", Value("existing"));
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/readyz")).StatusCode);

        using var wrong = new HttpRequestMessage(HttpMethod.Get, "/kv/existing");
        wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "nope");
        var refused = await http.SendAsync(wrong);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("invalid_token", refused.Headers.WwwAuthenticate.ToString());

        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Password);
        Assert.Equal("old", await http.GetStringAsync("/kv/existing"));
        Assert.Contains("purple_rejected_total{protocol=\"http\",reason=\"unauthenticated\"} 4", await http.GetStringAsync("/metrics"));
    }

    [Fact]
    public async Task Grpc_needs_authorization_metadata_except_for_health()
    {
        using var grpc = new GrpcTestClient(_host.GrpcEndPoint!);
        var key = new KeyRequest { Key = ByteString.CopyFromUtf8("existing") };
        var refused = await grpc.CallAsync("/purple.v1.Purple/KvGet", key, ValueResponse.Parser);
        Assert.Equal(16, refused.Status);
        Assert.Contains("authorization", refused.Message);
        var put = new KvPutRequest { Key = ByteString.CopyFromUtf8("existing"), Value = ByteString.CopyFromUtf8("new") };
        Assert.Equal(16, (await grpc.CallAsync("/purple.v1.Purple/KvPut", put, WriteResponse.Parser)).Status);
        Assert.Equal(16, (await grpc.CallAsync("/gerdu.Gerdu/Get", new Purple.Protocols.Grpc.Compat.Gerdu.GetRequest { Key = "existing" },
            Purple.Protocols.Grpc.Compat.Gerdu.GetResponse.Parser)).Status);
        Assert.Equal("old", Value("existing"));
        var health = await grpc.CallAsync("/grpc.health.v1.Health/Check", new HealthCheckRequest(), HealthCheckResponse.Parser);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Reply!.Status);

        var ok = await grpc.CallRawAsync("/purple.v1.Purple/KvGet", GrpcTestClient.Frame(key.ToByteArray()),
            r => r.Headers.TryAddWithoutValidation("authorization", "Bearer " + Password));
        Assert.Equal(0, ok.Status);
        Assert.Equal("old", ValueResponse.Parser.ParseFrom(ok.Payload).Value.ToStringUtf8());
    }
}
