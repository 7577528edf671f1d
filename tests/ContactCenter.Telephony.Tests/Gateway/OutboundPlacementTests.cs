using ContactCenter.Contracts;
using ContactCenter.Telephony.Gateway;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ContactCenter.Telephony.Tests.Gateway;

/// <summary>
/// The gateway placing agents' outbound calls (ConnectOutboundCall), on a real SIP endpoint with the repository's
/// telephony-config: the endings that need no far end, and a redelivered command. Answered, busy and no-answer calls are in
/// the Host end-to-end tests (SIPp as the agent's phone and as the carrier).
/// </summary>
public sealed class OutboundPlacementTests : IAsyncLifetime
{
    private readonly string data = Directory.CreateTempSubdirectory("cc-gw-outbound-").FullName;
    private IHost host = null!;

    public async Task InitializeAsync()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Telephony:ConfigPath"] = TestPaths.ConfigFolder,
            ["Telephony:DataPath"] = data,
            ["Telephony:GatewayId"] = "gw-test",
            ["Sip:ListenAddress"] = "127.0.0.1",
            ["Sip:Port"] = "0",
        });
        builder.Services.AddTelephony(builder.Configuration);
        builder.Services.AddMassTransitTestHarness(bus => bus.AddTelephonyConsumers());
        host = builder.Build();
        await host.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await host.StopAsync();
        host.Dispose();
        Directory.Delete(data, recursive: true);
    }

    private ITestHarness Harness => host.Services.GetRequiredService<ITestHarness>();

    private static ConnectOutboundCall Command(string number, string agent = "alice") => new()
    {
        CallId = NewId.NextGuid(),
        AgentId = agent,
        Number = number,
        RingTimeout = TimeSpan.FromSeconds(5),
        OccurredAt = TimeProvider.System.GetUtcNow(),
    };

    private async Task<CallEnded> EndOf(Guid callId)
    {
        Assert.True(await Harness.Published.Any<CallEnded>(m => m.Context.Message.CallId == callId), $"no CallEnded for {callId}");
        return Harness.Published.Select<CallEnded>(m => m.Context.Message.CallId == callId).Single().Context.Message;
    }

    [Fact]
    public async Task An_agent_whose_phone_is_not_registered_is_not_reached_and_nothing_is_dialled()
    {
        var command = Command("+442079460018");
        await Harness.Bus.Publish(command);

        var ended = await EndOf(command.CallId);
        Assert.Equal(CallDirection.Outbound, ended.Direction);
        Assert.Equal(CallOutcome.NoAnswer, ended.Outcome);
        Assert.Equal(CallParty.Agent, ended.EndedBy);
        Assert.Equal("alice", ended.AgentId);
        Assert.Equal("+442079460018", ended.Dialled);
        Assert.Equal("agent's phone not reached (agent phone not registered); +442079460018 was not dialled", ended.Reason);
        Assert.Null(ended.Queue);
        Assert.False(await Harness.Published.Any<AgentNoAnswer>(m => m.Context.Message.CallId == command.CallId));
    }

    [Theory]
    [InlineData("02079460018", "no outbound trunk may dial 02079460018")]
    [InlineData("call me", "'call me' is not a number that can be dialled")]
    public async Task A_number_no_trunk_may_dial_fails_at_once_with_the_reason(string number, string reason)
    {
        var command = Command(number);
        await Harness.Bus.Publish(command);

        var ended = await EndOf(command.CallId);
        Assert.Equal(CallOutcome.Failed, ended.Outcome);
        Assert.Equal(CallParty.System, ended.EndedBy);
        Assert.Equal(reason, ended.Reason);
    }

    [Fact]
    public async Task A_redelivered_command_is_not_placed_twice()
    {
        var gateway = host.Services.GetRequiredService<SipGateway>();
        var command = Command("+442079460018");
        Assert.True(await gateway.PlaceOutboundAsync(command));
        await EndOf(command.CallId);
        Assert.False(await gateway.PlaceOutboundAsync(command));
        Assert.Single(Harness.Published.Select<CallEnded>(m => m.Context.Message.CallId == command.CallId));
    }
}
