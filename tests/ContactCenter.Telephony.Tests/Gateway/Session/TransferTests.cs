using ContactCenter.Contracts;
using ContactCenter.Telephony.Ivr;
using SdpDirection = ContactCenter.Sip.Sdp.MediaDirection;

namespace ContactCenter.Telephony.Tests.Gateway.Session;

/// <summary>Blind transfer (REFER, RFC 3515) from the agent's phone in a connected call, with fake legs.</summary>
public sealed class TransferTests : IAsyncLifetime
{
    private readonly TestGateway gw = new();
    private ConnectedCall call = null!;

    public async Task InitializeAsync() => call = await gw.ConnectedCallAsync();

    public async Task DisposeAsync() => await gw.DisposeAsync();

    [Fact]
    public async Task A_transfer_to_a_queue_releases_the_agent_queues_the_same_call_and_the_next_agent_is_rung()
    {
        var referral = await call.Agent.ReferAsync("billing");

        Assert.Equal(202, referral.Answer);
        var transferred = Assert.Single(gw.Bus.All<CallTransferred>());
        Assert.Equal((call.Session.CallId, "alice", "billing", null), (transferred.CallId, transferred.AgentId, transferred.Queue, transferred.TargetAgentId));
        var queued = Assert.Single(gw.Bus.All<CallQueued>());
        Assert.Equal(queued.IvrPath + ">transfer>billing", transferred.IvrPath);
        await Wait.UntilAsync(() => call.Agent.ByesSent == 1, "alice's leg was not hung up");
        Assert.Equal([(100, false), (200, true)], referral.Notifies); // NOTIFY before the BYE, the last ending the subscription
        Assert.True(Assert.Single(gw.Media.Bridges).Disposed);
        var callerMedia = gw.Media.Session("-a");
        Assert.Equal([gw.Config.Prompts.PathOf(PromptNames.HoldMusic)], callerMedia.Current!.Paths);
        Assert.True(callerMedia.Current.Running);

        gw.Sip.Register("bob");
        call.Session.ConnectAgent(gw.Ring(call.Session.CallId, "bob") with { Queue = "billing" });
        (await gw.Sip.InviteAsync(2)).Answer();
        var connected = await gw.Bus.WaitForAsync<CallConnected>(m => m.AgentId == "bob");
        Assert.Equal("billing", connected.Queue);
        Assert.Same(gw.Media.Session("-b2"), gw.Media.Bridges[^1].Agent);

        call.Caller.HangUp();
        var ended = await gw.Bus.WaitForAsync<CallEnded>();
        Assert.Equal(("bob", "billing", CallOutcome.Answered), (ended.AgentId, ended.Queue, ended.Outcome));
        Assert.Equal(transferred.IvrPath, ended.IvrPath);
        Assert.Equal("CallReceived, CallQueued, CallConnected, CallTransferred, CallConnected, CallEnded", gw.Bus.Sequence);
    }

    [Fact]
    public async Task A_transfer_to_a_registered_agent_names_them_and_keeps_the_queue()
    {
        gw.Sip.Register("bob");
        var referral = await call.Agent.ReferAsync("bob");

        Assert.Equal(202, referral.Answer);
        var transferred = Assert.Single(gw.Bus.All<CallTransferred>());
        Assert.Equal(("support", "bob"), (transferred.Queue, transferred.TargetAgentId));
        Assert.EndsWith(">transfer>bob", transferred.IvrPath);
    }

    [Theory]
    [InlineData("nobody", 404)]
    [InlineData("alice", 403)]
    public async Task A_transfer_that_cannot_be_carried_out_is_refused_and_the_call_stays_with_the_agent(string target, int status)
    {
        var referral = await call.Agent.ReferAsync(target);

        Assert.Equal(status, referral.Answer);
        Assert.Empty(referral.Notifies);
        Assert.False(Assert.Single(gw.Media.Bridges).Disposed);

        call.Agent.HangUp();
        var ended = await gw.Bus.WaitForAsync<CallEnded>();
        Assert.Equal((CallOutcome.Answered, CallParty.Agent, "alice"), (ended.Outcome, ended.EndedBy, ended.AgentId));
        Assert.Empty(gw.Bus.All<CallTransferred>());
        Assert.Equal(0, call.Agent.ByesSent);
    }

    [Fact]
    public async Task A_caller_the_agent_held_is_taken_off_hold_when_transferred()
    {
        await call.Agent.OfferAsync(SdpDirection.SendOnly);
        var hold = await call.Caller.ReInviteAsync(1);
        call.Caller.Accept(hold);
        await TestGateway.DrainAsync(call.Session.Mailbox);

        await call.Agent.ReferAsync("billing");
        var resume = await call.Caller.ReInviteAsync(2);
        Assert.Equal(SdpDirection.SendRecv, resume.Direction);
        Assert.True(gw.Media.Session("-a").Current!.Running); // music while waiting for the next agent
    }
}
