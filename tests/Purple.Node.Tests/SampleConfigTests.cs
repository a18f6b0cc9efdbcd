using Purple.Actors;
using Purple.Node.Configuration;

namespace Purple.Node.Tests;

public class SampleConfigTests
{
    private const long SixteenGb = 16L << 30;

    [Fact]
    public void Sample_file_binds_and_validates_with_the_values_it_documents()
    {
        string path = Path.Combine(RepoPaths.Root, "purple.sample.json");
        var configuration = OptionsLoader.Load(["--config", path], out var configFile, out var error, new Dictionary<string, string?>());
        Assert.Null(error);
        var options = OptionsLoader.Bind(configuration!, out error);
        Assert.Null(error);
        var settings = OptionsValidator.Validate(options!, configFile, SixteenGb, out var errors);
        Assert.Empty(errors);
        Assert.NotNull(settings);
        Assert.Equal("127.0.0.1", settings.Address.ToString());
        Assert.Equal(6379, settings.RespPort);
        Assert.Equal(11211, settings.MemcachedPort);
        Assert.Equal(8080, settings.HttpPort);
        Assert.Equal(8081, settings.GrpcPort);
        Assert.Equal(1L << 30, settings.CapacityBytes);
        Assert.Equal(EvictionPolicy.Lru, settings.Eviction);
        Assert.Equal(EvictionScope.Volatile, settings.Scope);
        Assert.Equal(16, settings.Databases);
        Assert.Equal(512L << 20, settings.ProtoMaxBulkLen);
    }

    [Fact]
    public void Sample_file_names_every_option_the_node_has()
    {
        string text = File.ReadAllText(Path.Combine(RepoPaths.Root, "purple.sample.json"));
        foreach (var property in typeof(PurpleOptions).GetProperties())
        {
            Assert.Contains($"\"{property.Name}\"", text, StringComparison.Ordinal);
        }
    }
}
