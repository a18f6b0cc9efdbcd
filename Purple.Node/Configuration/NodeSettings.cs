using System.Net;
using Purple.Actors;

namespace Purple.Node.Configuration;

/// <summary>Validated, typed settings the node runs with (made from <see cref="PurpleOptions"/> by <see cref="OptionsValidator"/>).</summary>
public sealed record NodeSettings(
    IPAddress Address,
    int RespPort,
    int MemcachedPort,
    int HttpPort,
    int GrpcPort,
    long CapacityBytes,
    string CapacitySource,
    EvictionPolicy Eviction,
    EvictionScope Scope,
    int Databases,
    int Shards,
    long ProtoMaxBulkLen,
    bool JsonLogs,
    bool InlineIo,
    string? ConfigFile,
    bool ActiveDefrag = true,
    int MemcachedMaxItemSize = 1024 * 1024);
