using ContactCenter.Contracts;
using ContactCenter.Desktop.Hubs;
using ContactCenter.Desktop.State;
using ContactCenter.Desktop.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Time.Testing;

namespace ContactCenter.Desktop.Tests;

/// <summary>Click to dial from the agent hub (real sockets, in-memory bus, a stand-in CRM answering CheckOutboundNumber).</summary>
public sealed class OutboundDialTests : IAsyncLifetime
{
    private DesktopTestHost host = null!;

    public async Task InitializeAsync() => host = await DesktopTestHost.StartAsync();

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task An_available_agent_dials_as_themselves_and_the_call_card_shows_the_outbound_call_ringing()
    {
        await using var alice = await HubClient.ConnectAgent(host, "alice");
        await host.Publish(Calls.State("alice", AgentState.Available, AgentState.NotReady));
        await alice.NextAgentState(s => s.State == AgentState.Available);

        var result = await alice.Connection.InvokeAsync<DialResult>("Dial", "+44 (20) 7123-4567", (Guid?)null);

        Assert.True(result.Accepted, result.Reason);
        Assert.Equal("+442071234567", result.Number);
        Assert.Equal("Ada Lovelace", result.CustomerName);
        var placed = await host.Recorder.WaitFor<PlaceOutboundCall>(p => p.CallId == result.CallId);
        Assert.Equal("alice", placed.AgentId);
        Assert.Equal("+442071234567", placed.Number);
        Assert.Equal(Calls.AdaId, placed.CustomerId);
        var card = await alice.NextCall(c => c.CallId == result.CallId);
        Assert.Equal(CallPhase.Ringing, card.Phase);
        Assert.Equal(CallDirection.Outbound, card.Direction);
        Assert.Equal("+442071234567", card.Caller);
        Assert.Equal("Ada Lovelace", card.CustomerName);
    }

    [Fact]
    public async Task The_outbound_call_goes_connected_then_wrap_up_and_wrap_up_completes_like_an_inbound_call()
    {
        await using var alice = await HubClient.ConnectAgent(host, "alice");
        var result = await alice.Connection.InvokeAsync<DialResult>("Dial", "+442079460018", (Guid?)null);
        Assert.True(result.Accepted, result.Reason);
        var id = result.CallId;

        await host.Publish(new CallConnected { CallId = id, AgentId = "alice", Queue = "", Direction = CallDirection.Outbound, OccurredAt = Calls.Now });
        Assert.Equal(CallDirection.Outbound, (await alice.NextCall(c => c.CallId == id && c.Phase == CallPhase.Connected)).Direction);

        await host.Publish(new CallEnded
        {
            CallId = id, AgentId = "alice", Outcome = CallOutcome.Busy, EndedBy = CallParty.System, Reason = "customer busy (486)",
            Direction = CallDirection.Outbound, Dialled = "+442079460018", OccurredAt = Calls.Now,
        });
        var wrap = await alice.NextCall(c => c.CallId == id && c.Phase == CallPhase.WrapUp);
        Assert.Equal(CallOutcome.Busy, wrap.Outcome);
        Assert.Equal("customer busy (486)", wrap.EndReason);

        var refused = await alice.Connection.InvokeAsync<DialResult>("Dial", "+442079460019", (Guid?)null);
        Assert.False(refused.Accepted);
        Assert.Equal("finish the wrap-up of your last call first", refused.Reason);

        await alice.Connection.InvokeAsync("CompleteWrapUp", id, "no-contact", (string?)null);
        await host.Recorder.WaitFor<CompleteWrapUp>(w => w.CallId == id && w.AgentId == "alice");
        await alice.NextCall(c => c.CallId == id && c.Phase == CallPhase.Ended);
    }

    [Fact]
    public async Task A_do_not_call_customer_is_refused_with_the_reason_and_nothing_is_placed()
    {
        await using var alice = await HubClient.ConnectAgent(host, "alice");
        var result = await alice.Connection.InvokeAsync<DialResult>("Dial", "+442079876543", (Guid?)null);

        Assert.False(result.Accepted);
        Assert.Equal("Charles Babbage asked not to be called (do not call)", result.Reason);
        await Task.Yield();
        Assert.DoesNotContain(host.Recorder.All<PlaceOutboundCall>(), p => p.CallId == result.CallId);
    }

    [Theory]
    [InlineData(AgentState.OnCall, "you are already on a call")]
    [InlineData(AgentState.WrapUp, "finish the wrap-up of your last call first")]
    [InlineData(AgentState.LoggedOut, "you are logged out: log in to place calls")]
    public async Task An_agent_who_is_not_available_or_not_ready_is_refused(AgentState state, string reason)
    {
        await using var alice = await HubClient.ConnectAgent(host, "alice");
        await host.Publish(Calls.State("alice", state, AgentState.Available));
        await alice.NextAgentState(s => s.State == state);

        var result = await alice.Connection.InvokeAsync<DialResult>("Dial", "+442079460018", (Guid?)null);
        Assert.False(result.Accepted);
        Assert.Equal(reason, result.Reason);
    }

    [Fact]
    public async Task A_number_that_cannot_be_dialled_is_a_clear_error()
    {
        await using var alice = await HubClient.ConnectAgent(host, "alice");
        var error = await Assert.ThrowsAsync<HubException>(() => alice.Connection.InvokeAsync<DialResult>("Dial", "call me maybe", (Guid?)null));
        Assert.Contains("not a number that can be dialled", error.Message);
        await Assert.ThrowsAsync<HubException>(() => alice.Connection.InvokeAsync<DialResult>("Dial", "+1", (Guid?)null));
    }

    [Fact]
    public async Task Routings_refusal_ends_the_call_card_with_the_reason()
    {
        await using var alice = await HubClient.ConnectAgent(host, "alice");
        var result = await alice.Connection.InvokeAsync<DialResult>("Dial", "+442079460018", (Guid?)null);
        Assert.True(result.Accepted, result.Reason);

        await host.Publish(new OutboundCallRefused { CallId = result.CallId, AgentId = "alice", Number = "+442079460018", Reason = "no telephony gateway is running", OccurredAt = Calls.Now });

        var refusal = await alice.NextRefusal(r => r.CallId == result.CallId);
        Assert.Equal("no telephony gateway is running", refusal.Reason);
        var ended = await alice.NextCall(c => c.CallId == result.CallId && c.Phase == CallPhase.Ended);
        Assert.Equal("refused: no telephony gateway is running", ended.EndReason);
    }
}

/// <summary>The desktop's own view of an outbound call.</summary>
public sealed class OutboundStateTests
{
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));

    [Theory]
    [InlineData("+44 20 7946 0018", "+442079460018")]
    [InlineData("020-7946.0018", "02079460018")]
    [InlineData("(555) 0100", "5550100")]
    [InlineData("12", null)]
    [InlineData("+44+20", null)]
    [InlineData("0800 FLOWERS", null)]
    [InlineData("", null)]
    public void Numbers_are_normalised_like_the_gateways_dial_plan(string typed, string? expected) =>
        Assert.Equal(expected, DialNumber.Normalise(typed));

    [Fact]
    public void Dialling_makes_a_ringing_outbound_call_and_a_second_dial_is_refused_until_it_is_over()
    {
        var state = new DesktopState(time);
        var id = Guid.NewGuid();
        var view = state.OnDialling("alice", id, "+442079460018", "Ada Lovelace");
        Assert.NotNull(view);
        Assert.Equal(CallPhase.Ringing, view.Phase);
        Assert.Equal(CallDirection.Outbound, view.Direction);
        Assert.Equal("you are already on a call", state.DialRefusal("alice"));
        Assert.Null(state.OnDialling("alice", Guid.NewGuid(), "+442079460019", null));

        // The agent's phone did not answer: the gateway ends the call; the agent may dial again.
        var ended = state.OnEnded(new CallEnded
        {
            CallId = id, AgentId = "alice", Outcome = CallOutcome.NoAnswer, EndedBy = CallParty.Agent, Reason = "agent's phone not reached",
            Direction = CallDirection.Outbound, Dialled = "+442079460018", OccurredAt = time.GetUtcNow(),
        });
        Assert.Equal(CallPhase.Ended, ended!.Phase);
        Assert.Null(state.DialRefusal("alice"));
    }

    [Fact]
    public void A_refusal_for_another_call_changes_nothing()
    {
        var state = new DesktopState(time);
        var id = Guid.NewGuid();
        state.OnDialling("alice", id, "+442079460018", null);
        Assert.Null(state.OnOutboundRefused(new OutboundCallRefused { CallId = Guid.NewGuid(), AgentId = "alice", Number = "+1555", Reason = "x", OccurredAt = time.GetUtcNow() }));
        Assert.NotNull(state.OnOutboundRefused(new OutboundCallRefused { CallId = id, AgentId = "alice", Number = "+442079460018", Reason = "busy", OccurredAt = time.GetUtcNow() }));
        Assert.Null(state.OnOutboundRefused(new OutboundCallRefused { CallId = id, AgentId = "alice", Number = "+442079460018", Reason = "busy", OccurredAt = time.GetUtcNow() }));
    }
}
