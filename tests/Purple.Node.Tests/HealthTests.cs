using System.Net;

namespace Purple.Node.Tests;

public class HealthTests : IClassFixture<NodeFixture>
{
    private readonly NodeFixture _node;

    public HealthTests(NodeFixture node) => _node = node;

    [Theory]
    [InlineData("/healthz")]
    [InlineData("/readyz")]
    public async Task Health_endpoints_answer_200_when_the_node_is_up(string path)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var response = await http.GetAsync(new Uri($"http://{_node.Http}{path}"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_listener_set_to_zero_is_not_opened()
    {
        var settings = NodeFixture.Settings() with { HttpPort = 0 };
        await using var host = await NodeFixture.StartAsync(settings);
        Assert.Null(host.HttpEndPoint);
        Assert.NotNull(host.RespEndPoint);
    }
}
