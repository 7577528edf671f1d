using ContactCenter.Contracts;
using MassTransit.Testing;

namespace ContactCenter.Routing.Tests.Service;

/// <summary>The routing service with agents' outbound calls: PlaceOutboundCall in, ConnectOutboundCall or OutboundCallRefused out.</summary>
public class OutboundServiceTests
{
    private static PlaceOutboundCall Dial(Guid id, string agent) => new()
    {
        CallId = id,
        AgentId = agent,
        Number = "+442079460018",
        OccurredAt = TimeProvider.System.GetUtcNow(),
    };

    [Fact]
    public async Task An_available_agents_call_is_sent_to_the_gateway_heard_last_and_the_agent_is_busy_until_wrap_up_ends()
    {
        await using var f = await RoutingServiceFixture.StartAsync();
        try
        {
            var now = TimeProvider.System.GetUtcNow();
            await f.Publish(new SetAgentState { AgentId = "alice", State = AgentState.Available, RequestedBy = "alice", OccurredAt = now });
            await f.Publish(new CallHeartbeat { GatewayId = "gw-b", LiveCalls = [], Interval = TimeSpan.FromSeconds(5), OccurredAt = now });
            await f.Until(e => e.Agent("alice")!.State == AgentState.Available);

            var id = Guid.NewGuid();
            await f.Publish(Dial(id, "alice"));
            Assert.True(await f.Harness.Sent.Any<ConnectOutboundCall>(m =>
                m.Context.Message.CallId == id && m.Context.Message.AgentId == "alice" && m.Context.Message.Number == "+442079460018"
                && m.Context.DestinationAddress!.AbsolutePath.EndsWith("telephony-gw-b", StringComparison.Ordinal)));
            await f.Until(e => e.Agent("alice")!.State == AgentState.Reserved);

            await f.Publish(new CallConnected { CallId = id, AgentId = "alice", Queue = "", Direction = CallDirection.Outbound, OccurredAt = now });
            await f.Until(e => e.Agent("alice")!.State == AgentState.OnCall);
            await f.Publish(new CallEnded
            {
                CallId = id, AgentId = "alice", Outcome = CallOutcome.Answered, EndedBy = CallParty.Caller, Reason = "BYE",
                Direction = CallDirection.Outbound, Dialled = "+442079460018", OccurredAt = now,
            });
            await f.Until(e => e.Agent("alice")!.State == AgentState.WrapUp);
            await f.Publish(new CompleteWrapUp { CallId = id, AgentId = "alice", Disposition = "resolved", OccurredAt = now });
            await f.Until(e => e.Agent("alice")!.State == AgentState.Available);
            await f.Until(e => e.Statistics(e.QueueCount).Offered == 0 && e.Statistics(e.QueueCount).Handled == 0);
        }
        finally
        {
            f.DeleteFolder();
        }
    }

    [Fact]
    public async Task A_logged_out_agents_call_is_refused_with_the_reason()
    {
        await using var f = await RoutingServiceFixture.StartAsync();
        try
        {
            var id = Guid.NewGuid();
            await f.Until(e => e.Agent("bob") is not null);
            await f.Publish(Dial(id, "bob"));
            Assert.True(await f.Harness.Published.Any<OutboundCallRefused>(m =>
                m.Context.Message.CallId == id && m.Context.Message.AgentId == "bob" && m.Context.Message.Reason == "you are logged out: log in to place calls"));
            Assert.False(await f.Harness.Sent.Any<ConnectOutboundCall>(m => m.Context.Message.CallId == id));
        }
        finally
        {
            f.DeleteFolder();
        }
    }
}
