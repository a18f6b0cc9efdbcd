namespace Purple.Node.Tests;

public class ConcurrencyTests : IClassFixture<NodeFixture>
{
    private readonly NodeFixture _node;

    public ConcurrencyTests(NodeFixture node) => _node = node;

    [Fact]
    public async Task Many_connections_incrementing_and_adding_to_the_same_keys_give_exact_totals()
    {
        const int clients = 24, perClient = 400;
        await using (var setup = await _node.ConnectAsync())
        {
            await setup.CommandAsync("SELECT", 11);
            await setup.CommandAsync("FLUSHDB");
        }
        var workers = Enumerable.Range(0, clients).Select(async id =>
        {
            await using var c = await _node.ConnectAsync();
            await c.CommandAsync("SELECT", 11);
            for (int i = 0; i < perClient; i++)
            {
                // Pipelined in pairs so replies interleave with other connections' commands.
                await c.SendAsync([.. RespTestClient.Encode("INCR", "counter"), .. RespTestClient.Encode("SADD", "members", $"{id}:{i}")]);
                Assert.Equal(Purple.Protocols.Resp.RespType.Integer, (await c.ReadAsync()).Type);
                Assert.Equal(1, (await c.ReadAsync()).Integer);
            }
        });
        await Task.WhenAll(workers);
        await using var check = await _node.ConnectAsync();
        await check.CommandAsync("SELECT", 11);
        Assert.Equal($"\"{clients * perClient}\"", (await check.CommandAsync("GET", "counter")).ToString());
        Assert.Equal(clients * perClient, (await check.CommandAsync("SCARD", "members")).Integer);
    }
}
