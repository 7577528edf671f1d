using System.Collections.Concurrent;
using System.Globalization;
using ContactCenter.Testing.Topology;

namespace ContactCenter.Host.Tests.Faults;

/// <summary>
/// One production topology (tests/Shared/Topology: private RabbitMQ and PostgreSQL, CRM, routing active + standby, two
/// gateways, two desktops, as separate host processes) with its agents and phones (FaultDrill), shared by the tests of this
/// collection, which run one after the other on it.
/// Needs rabbitmq-server, postgresql and sipp (./test.sh installs them): without them the fixture fails, never skips.
/// </summary>
public sealed class FaultTopologyFixture : IAsyncLifetime
{
    /// <summary>A few calls a second over both gateways; each caller stays 8 s after the answer (IVR, queue, agent, talk).</summary>
    internal const double Rate = 2;
    internal const int HoldMs = 8000;
    internal const int AgentCount = 16;

    private readonly ConcurrentQueue<string> log = new();
    private ContactCenterTopology? topology;
    private FaultDrill? drill;
    private Exception? failed;

    internal ContactCenterTopology Topology => topology ?? throw new InvalidOperationException("the topology did not start:\n" + Log, failed);

    internal FaultDrill Drill => drill ?? throw new InvalidOperationException("the topology did not start:\n" + Log, failed);

    public string Log => string.Join('\n', log);

    internal void Say(string line) => log.Enqueue($"{TimeProvider.System.GetUtcNow().ToString("HH:mm:ss.f", CultureInfo.InvariantCulture)} {line}");

    public async Task InitializeAsync()
    {
        try
        {
            var work = Directory.CreateTempSubdirectory("cc-faults-").FullName;
            topology = await ContactCenterTopology.StartAsync(work, Environment.GetEnvironmentVariable("CC_FAULTS_LOG_LEVEL") ?? "Warning", null, Say);
            drill = await FaultDrill.StartAsync(topology, AgentCount, Say);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException or HttpRequestException)
        {
            // Reported by every test that uses the topology (a fixture's exception alone would name none of them).
            failed = e;
            Say("start failed: " + e);
        }
    }

    public async Task DisposeAsync()
    {
        if (drill is not null)
        {
            await drill.DisposeAsync();
        }

        if (topology is not null)
        {
            var work = topology.Work;
            await topology.DisposeAsync();
            // CC_FAULTS_KEEP=1 keeps the modules' logs for a look afterwards.
            try
            {
                if (Environment.GetEnvironmentVariable("CC_FAULTS_KEEP") != "1")
                {
                    Directory.Delete(work, recursive: true);
                }
            }
            catch (IOException)
            {
            }
        }
    }
}

/// <summary>The tests sharing the one topology, run one after the other.</summary>
[CollectionDefinition(nameof(FaultTopologyCollection))]
public sealed class FaultTopologyCollection : ICollectionFixture<FaultTopologyFixture>;
