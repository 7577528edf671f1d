using System.Net;
using ContactCenter.Contracts;
using ContactCenter.Desktop.Hubs;
using ContactCenter.Desktop.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace ContactCenter.Desktop.Tests;

/// <summary>The hubs over real sockets: a Kestrel host, the in-memory bus and SignalR .NET clients.</summary>
public sealed class HubTests : IAsyncLifetime
{
    private DesktopTestHost host = null!;

    public async Task InitializeAsync() => host = await DesktopTestHost.StartAsync();

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task Alice_receives_her_own_screen_pop_and_not_bobs()
    {
        await using var alice = await HubClient.ConnectAgent(host, "alice");
        await using var bob = await HubClient.ConnectAgent(host, "bob");
        var aliceCall = Guid.NewGuid();
        var bobCall = Guid.NewGuid();

        await host.Publish(Calls.AdaPop(bobCall, "bob"));
        await host.Publish(Calls.AdaPop(aliceCall, "alice"));

        var bobsPop = await bob.NextPop();
        var alicesPop = await alice.NextPop();
        Assert.Equal(bobCall, bobsPop.CallId);
        Assert.Equal(aliceCall, alicesPop.CallId);
        Assert.Equal("Ada Lovelace", alicesPop.Customer?.Name);
        Assert.Equal("CS-000123", Assert.Single(alicesPop.OpenCases).Number);

        await Task.Delay(300);
        Assert.DoesNotContain(alice.DrainPops(), p => p.CallId == bobCall);
        Assert.DoesNotContain(bob.DrainPops(), p => p.CallId == aliceCall);
    }

    [Fact]
    public async Task Screen_pop_is_camel_case_json_with_customer_cases_age_and_sla()
    {
        await using var alice = await HubClient.ConnectAgent(host, "alice", rawPops: true);
        var callId = Guid.NewGuid();
        await host.Publish(Calls.AdaPop(callId, "alice"));

        var pop = await alice.NextRawPop();
        Assert.Equal(callId, pop.GetProperty("callId").GetGuid());
        Assert.Equal("+442071234567", pop.GetProperty("caller").GetString());
        Assert.Equal("support", pop.GetProperty("queue").GetString());
        Assert.Equal("main>2>support", pop.GetProperty("ivrPath").GetString());
        var customer = pop.GetProperty("customer");
        Assert.Equal("Ada Lovelace", customer.GetProperty("name").GetString());
        Assert.Equal("gold", customer.GetProperty("tier").GetString());
        Assert.True(customer.GetProperty("doNotCall").GetBoolean());
        Assert.Equal(1, pop.GetProperty("recentInteractions").GetArrayLength());
        var openCase = pop.GetProperty("openCases")[0];
        Assert.Equal("CS-000123", openCase.GetProperty("number").GetString());
        Assert.Equal("high", openCase.GetProperty("priority").GetString());
        Assert.Equal("2d 5h", openCase.GetProperty("age").GetString());
        Assert.InRange(openCase.GetProperty("ageSeconds").GetDouble(), 2 * 86400 + 5 * 3600 - 5, 2 * 86400 + 5 * 3600 + 60);
        Assert.True(openCase.GetProperty("slaBreached").GetBoolean());
    }

    [Fact]
    public async Task Unknown_caller_pop_has_a_null_customer()
    {
        await using var alice = await HubClient.ConnectAgent(host, "alice");
        var callId = Guid.NewGuid();
        await host.Publish(Calls.UnknownCallerPop(callId, "alice"));

        var pop = await alice.NextPop(p => p.CallId == callId);
        Assert.Null(pop.Customer);
        Assert.Equal("+15550100999", pop.Caller);
        Assert.Empty(pop.OpenCases);
    }

    [Fact]
    public async Task Board_requires_the_supervisor_role()
    {
        await using var asAgent = HubClient.Build(host.BaseAddress, "/hubs/board", DesktopTestHost.Token("alice", "agent"));
        var denied = await Assert.ThrowsAsync<HttpRequestException>(() => asAgent.StartAsync());
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);

        await using var anonymous = HubClient.Build(host.BaseAddress, "/hubs/board", token: null);
        var unauthenticated = await Assert.ThrowsAsync<HttpRequestException>(() => anonymous.StartAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, unauthenticated.StatusCode);

        await using var forged = HubClient.Build(host.BaseAddress, "/hubs/board", DesktopTestHost.Token("sam", "supervisor")[..^4] + "AAAA");
        var bad = await Assert.ThrowsAsync<HttpRequestException>(() => forged.StartAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, bad.StatusCode);

        await using var supervisor = await HubClient.ConnectBoard(host);
        Assert.Equal(HubConnectionState.Connected, supervisor.Connection.State);
    }

    [Fact]
    public async Task Agent_hub_requires_a_token()
    {
        await using var anonymous = HubClient.Build(host.BaseAddress, "/hubs/agent", token: null);
        var denied = await Assert.ThrowsAsync<HttpRequestException>(() => anonymous.StartAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, denied.StatusCode);
    }

    [Fact]
    public async Task A_desktop_reconnecting_mid_call_gets_its_state_call_and_pop_again()
    {
        var callId = Guid.NewGuid();
        await using (var first = await HubClient.ConnectAgent(host, "alice"))
        {
            await host.Publish(Calls.State("alice", AgentState.Reserved, AgentState.Available, callId: callId));
            await host.Publish(Calls.Reserved(callId, "alice"));
            await host.Publish(Calls.AdaPop(callId, "alice"));
            await first.NextPop(p => p.CallId == callId);
            await host.Publish(Calls.Connected(callId, "alice"));
            await first.NextCall(c => c.Phase == CallPhase.Connected);
        }

        await using var again = await HubClient.ConnectAgent(host, "alice");
        var state = await again.NextAgentState();
        var call = await again.NextCall();
        var pop = await again.NextPop();
        Assert.Equal(AgentState.Reserved, state.State);
        Assert.Equal(callId, call.CallId);
        Assert.Equal(CallPhase.Connected, call.Phase);
        Assert.NotNull(call.ConnectedAt);
        Assert.NotNull(call.RingingAt);
        Assert.Equal("Ada Lovelace", pop.Customer?.Name);
        Assert.Equal(callId, pop.CallId);
    }

    [Fact]
    public async Task The_board_gets_a_gateways_surge_live_and_on_connect_and_its_end()
    {
        var since = TimeProvider.System.GetUtcNow();
        GatewayOverload Report(bool overloaded, long refused, double seconds) => new()
        {
            GatewayId = "gw1",
            Overloaded = overloaded,
            Reason = overloaded ? "setup-time" : null,
            Refused = refused,
            Since = since,
            OccurredAt = since.AddSeconds(seconds),
        };

        await using var board = await HubClient.ConnectBoard(host);
        var live = System.Threading.Channels.Channel.CreateUnbounded<GatewayOverloadView>();
        board.Connection.On<GatewayOverloadView>(nameof(IBoardClient.GatewayOverload), v => live.Writer.TryWrite(v));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));

        await host.Publish(Report(true, 120, 1));
        var first = await live.Reader.ReadAsync(timeout.Token);
        Assert.Equal(("gw1", true, "setup-time", 120L), (first.GatewayId, first.Overloaded, first.Reason, first.Refused));

        // A board opened mid-surge shows the banner at once; an older report changes nothing.
        await host.Publish(Report(true, 60, 0.5));
        await host.Publish(Report(true, 480, 2));
        Assert.Equal(480, (await live.Reader.ReadAsync(timeout.Token)).Refused);
        await using var late = HubClient.Build(host.BaseAddress, "/hubs/board", DesktopTestHost.Token("sam", "supervisor", "sam"));
        var onConnect = System.Threading.Channels.Channel.CreateUnbounded<GatewayOverloadView>();
        late.On<GatewayOverloadView>(nameof(IBoardClient.GatewayOverload), v => onConnect.Writer.TryWrite(v));
        await late.StartAsync();
        var shown = await onConnect.Reader.ReadAsync(timeout.Token);
        Assert.Equal((true, 480L), (shown.Overloaded, shown.Refused));

        // The surge passes: both boards hear it.
        await host.Publish(Report(false, 500, 3));
        var ended = await live.Reader.ReadAsync(timeout.Token);
        Assert.False(ended.Overloaded);
        Assert.Equal(500, ended.Refused);
        Assert.False((await onConnect.Reader.ReadAsync(timeout.Token)).Overloaded);
    }

    [Fact]
    public async Task A_board_connecting_gets_the_latest_queue_figures_and_agent_states()
    {
        await host.Publish(Calls.Stats("support", waiting: 1));
        await host.Publish(Calls.State("bob", AgentState.NotReady, AgentState.Available, "lunch"));
        await using (var watcher = await HubClient.ConnectBoard(host))
        {
            await host.Publish(Calls.Stats("support", waiting: 4));
            await watcher.NextQueue(q => q.Waiting == 4);
        }

        await using var board = await HubClient.ConnectBoard(host);
        var support = await board.NextQueue();
        var agents = await board.NextBoardAgents();
        Assert.Equal("support", support.Queue);
        Assert.Equal(4, support.Waiting);
        Assert.Equal(68, support.LongestWaitSeconds);
        Assert.Equal(2, support.AgentsByState["available"]);
        Assert.Equal(3, support.AgentsByState["onCall"]);
        var bob = Assert.Single(agents, a => a.AgentId == "bob");
        Assert.Equal(AgentState.NotReady, bob.State);
        Assert.Equal("lunch", bob.Reason);
    }

    [Fact]
    public async Task Board_gets_queue_statistics_and_agent_states_live_and_ignores_older_figures()
    {
        await using var board = await HubClient.ConnectBoard(host);
        var newer = Calls.Stats("billing", waiting: 2);
        var older = newer with { Waiting = 9, OccurredAt = newer.OccurredAt.AddSeconds(-1) };
        await host.Publish(newer);
        await host.Publish(older);
        await host.Publish(Calls.State("alice", AgentState.Available, AgentState.NotReady));

        Assert.Equal(2, (await board.NextQueue(q => q.Queue == "billing")).Waiting);
        var alice = await board.NextBoardAgents(list => list.Any(a => a.AgentId == "alice" && a.State == AgentState.Available));
        Assert.NotEmpty(alice);
        await Task.Delay(300);
        Assert.DoesNotContain(board.DrainQueues(), q => q.Waiting == 9);
    }

    [Fact]
    public async Task SetState_publishes_SetAgentState_for_the_signed_in_agent()
    {
        await using var alice = await HubClient.ConnectAgent(host, "alice");
        await alice.Connection.InvokeAsync("SetState", AgentState.NotReady, "lunch");
        await alice.Connection.InvokeAsync("SetState", AgentState.Available, null);

        var notReady = await host.Recorder.WaitFor<SetAgentState>(c => c.State == AgentState.NotReady);
        Assert.Equal("alice", notReady.AgentId);
        Assert.Equal("alice", notReady.RequestedBy);
        Assert.Equal("lunch", notReady.Reason);
        var available = await host.Recorder.WaitFor<SetAgentState>(c => c.State == AgentState.Available);
        Assert.Equal("alice", available.AgentId);
        Assert.Null(available.Reason);
    }

    [Fact]
    public async Task SetState_refuses_states_routing_owns_with_a_clear_error()
    {
        await using var alice = await HubClient.ConnectAgent(host, "alice");
        var error = await Assert.ThrowsAsync<HubException>(() => alice.Connection.InvokeAsync("SetState", AgentState.OnCall, null));
        Assert.Contains("state must be available, notReady or loggedOut", error.Message, StringComparison.Ordinal);

        var tooLong = await Assert.ThrowsAsync<HubException>(() => alice.Connection.InvokeAsync("SetState", AgentState.NotReady, new string('x', 101)));
        Assert.Contains("reason is at most 100", tooLong.Message, StringComparison.Ordinal);
        Assert.Equal(HubConnectionState.Connected, alice.Connection.State);
        Assert.Empty(host.Recorder.All<SetAgentState>());
    }

    [Fact]
    public async Task A_supervisor_sets_an_agents_state_from_the_board()
    {
        await using var board = await HubClient.ConnectBoard(host, "sam");
        await board.Connection.InvokeAsync("SetAgentState", "bob", AgentState.NotReady, "meeting");

        var command = await host.Recorder.WaitFor<SetAgentState>(c => c.AgentId == "bob");
        Assert.Equal(AgentState.NotReady, command.State);
        Assert.Equal("meeting", command.Reason);
        Assert.Equal("sam", command.RequestedBy);
    }

    [Fact]
    public async Task Call_rings_connects_ends_into_wrap_up_and_CompleteWrapUp_is_published()
    {
        await using var alice = await HubClient.ConnectAgent(host, "alice");
        var callId = Guid.NewGuid();
        await host.Publish(Calls.Reserved(callId, "alice"));
        Assert.Equal(CallPhase.Ringing, (await alice.NextCall()).Phase);
        await host.Publish(Calls.Connected(callId, "alice"));
        Assert.Equal(CallPhase.Connected, (await alice.NextCall()).Phase);
        await host.Publish(Calls.Ended(callId, "alice"));
        var wrapUp = await alice.NextCall();
        Assert.Equal(CallPhase.WrapUp, wrapUp.Phase);
        Assert.Equal(CallParty.Caller, wrapUp.EndedBy);
        Assert.NotNull(wrapUp.EndedAt);

        var caseId = Guid.NewGuid();
        await alice.Connection.InvokeAsync("CompleteWrapUpWithCase", callId, "resolved", "Reset the engine.", caseId);
        var ended = await alice.NextCall();
        Assert.Equal(CallPhase.Ended, ended.Phase);
        Assert.NotNull(ended.WrapUpCompletedAt);

        var command = await host.Recorder.WaitFor<CompleteWrapUp>(c => c.CallId == callId);
        Assert.Equal("alice", command.AgentId);
        Assert.Equal("resolved", command.Disposition);
        Assert.Equal("Reset the engine.", command.Notes);
        Assert.Equal(caseId, command.CaseId);
    }

    [Fact]
    public async Task An_agent_cannot_wrap_up_another_agents_call_or_without_a_disposition()
    {
        await using var alice = await HubClient.ConnectAgent(host, "alice");
        await using var bob = await HubClient.ConnectAgent(host, "bob");
        var bobsCall = Guid.NewGuid();
        await host.Publish(Calls.Reserved(bobsCall, "bob"));
        await bob.NextCall();

        var error = await Assert.ThrowsAsync<HubException>(() => alice.Connection.InvokeAsync("CompleteWrapUp", bobsCall, "resolved", null));
        Assert.Contains("another agent", error.Message, StringComparison.Ordinal);
        var noDisposition = await Assert.ThrowsAsync<HubException>(() => bob.Connection.InvokeAsync("CompleteWrapUp", bobsCall, " ", null));
        Assert.Contains("disposition is required", noDisposition.Message, StringComparison.Ordinal);
        Assert.Empty(host.Recorder.All<CompleteWrapUp>());
    }

    [Fact]
    public async Task A_call_that_ends_before_it_is_answered_clears_the_pop()
    {
        await using var alice = await HubClient.ConnectAgent(host, "alice");
        var callId = Guid.NewGuid();
        await host.Publish(Calls.AdaPop(callId, "alice"));
        await alice.NextPop();
        await host.Publish(Calls.Ended(callId, agentId: null, CallOutcome.Abandoned));

        var ended = await alice.NextCall(c => c.Phase == CallPhase.Ended);
        Assert.Equal(CallOutcome.Abandoned, ended.Outcome);

        await using var again = await HubClient.ConnectAgent(host, "alice");
        await Task.Delay(300);
        Assert.Empty(again.DrainPops());
        Assert.Empty(again.DrainCalls());
    }

    [Fact]
    public async Task A_redelivered_screen_pop_is_pushed_once()
    {
        await using var alice = await HubClient.ConnectAgent(host, "alice");
        var pop = Calls.AdaPop(Guid.NewGuid(), "alice");
        await host.Publish(pop);
        await host.Publish(pop);
        await alice.NextPop();
        await Task.Delay(400);
        Assert.Empty(alice.DrainPops());
    }
}
