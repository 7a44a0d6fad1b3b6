using PrivSep.Bench.Echo;
using PrivSep.Bench.Setup;
using PrivSep.Protocol;
using PrivSep.Protocol.Handshake;

namespace PrivSep.Bench.Figures;

/// <summary>What every figure measures against: the running broker, a connection to it, and the raw echo baseline.</summary>
internal sealed record BenchContext(
    BenchDirectory Directory,
    BrokerProcess Broker,
    SharedSecret Secret,
    BrokerChannel Channel,
    RawEchoClient Raw,
    int EchoServerPid)
{
    public const string PluginName = "PrivSep.Bench";

    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);
}
