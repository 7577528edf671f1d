using ContactCenter.Contracts;
using ContactCenter.Telephony.Ivr;
using MediaDirection = ContactCenter.Media.Sessions.MediaDirection;
using SdpDirection = ContactCenter.Sip.Sdp.MediaDirection;

namespace ContactCenter.Telephony.Tests.Gateway.Session;

/// <summary>
/// Hold from the agent's phone passed on to the caller (<c>HoldRelay</c> inside a connected call): music on hold, the
/// caller's leg re-INVITEd, 491 Request Pending retried after the RFC 3261 §14.1 random interval (at most 2 s: the caller
/// leg's Call-ID is not ours), and hold and resume toggled faster than the re-INVITEs converging on the agent's latest wish.
/// </summary>
public sealed class HoldRelayTests : IAsyncLifetime
{
    private readonly TestGateway gw = new();
    private ConnectedCall call = null!;

    public async Task InitializeAsync() => call = await gw.ConnectedCallAsync();

    public async Task DisposeAsync() => await gw.DisposeAsync();

    private FakeMediaSession CallerMedia => gw.Media.Session("-a");

    private string HoldMusic => gw.Config.Prompts.PathOf(PromptNames.HoldMusic);

    [Fact]
    public async Task The_agents_hold_plays_music_to_the_caller_and_reinvites_the_callers_leg_sendonly()
    {
        var answer = await call.Agent.OfferAsync(SdpDirection.SendOnly);
        Assert.Equal(SdpDirection.RecvOnly, answer!.DirectionFor(answer.Media[0]));

        var hold = await call.Caller.ReInviteAsync(1);
        Assert.Equal(SdpDirection.SendOnly, hold.Direction);
        Assert.Equal([HoldMusic], CallerMedia.Current!.Paths);
        Assert.True(CallerMedia.Current.Options.Loop);
        Assert.Equal(MediaDirection.Inactive, gw.Media.Session("-b").Direction); // a held phone may send nothing: no media timeout
        var configured = CallerMedia.Configured.Count;
        call.Caller.Accept(hold);
        await Wait.UntilAsync(() => CallerMedia.Configured.Count == configured + 1, "the caller's answer was not applied");
        Assert.Equal(MediaDirection.SendOnly, CallerMedia.Direction); // we send the music, the caller sends nothing

        await call.Agent.OfferAsync(SdpDirection.SendRecv);
        var resume = await call.Caller.ReInviteAsync(2);
        Assert.Equal(SdpDirection.SendRecv, resume.Direction);
        Assert.False(CallerMedia.Current.Running); // the bridge relays the agent again
        call.Caller.Accept(resume);
        await Wait.UntilAsync(() => CallerMedia.Direction == MediaDirection.SendRecv, "the caller's leg was not resumed");
    }

    [Fact]
    public async Task A_491_is_retried_after_a_random_interval_of_at_most_two_seconds_and_the_hold_then_holds()
    {
        var timers = gw.Time.Timers.Count;
        await call.Agent.OfferAsync(SdpDirection.SendOnly);
        var first = await call.Caller.ReInviteAsync(1);
        FakeDialog.Refuse(first, 491);

        var retryIn = await gw.Time.NextTimerAsync(timers);
        Assert.InRange(retryIn, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(2));
        gw.Time.Advance(retryIn - TimeSpan.FromMilliseconds(1));
        await TestGateway.DrainAsync(call.Session.Mailbox);
        Assert.Single(call.Caller.ReInvites); // not before the interval

        gw.Time.Advance(TimeSpan.FromMilliseconds(1));
        var second = await call.Caller.ReInviteAsync(2);
        Assert.Equal(SdpDirection.SendOnly, second.Direction);
        call.Caller.Accept(second);
        await Wait.UntilAsync(() => CallerMedia.Direction == MediaDirection.SendOnly, "the caller's leg is not held");

        gw.Time.Advance(TimeSpan.FromSeconds(5));
        await TestGateway.DrainAsync(call.Session.Mailbox);
        Assert.Equal(2, call.Caller.ReInvites.Count);
        Assert.True(CallerMedia.Current!.Running); // the music goes on
    }

    [Fact]
    public async Task Hold_and_resume_while_the_hold_reinvite_is_pending_converge_on_resumed()
    {
        await call.Agent.OfferAsync(SdpDirection.SendOnly);
        var hold = await call.Caller.ReInviteAsync(1);
        await call.Agent.OfferAsync(SdpDirection.SendRecv); // taken back before the caller's leg answered
        await TestGateway.DrainAsync(call.Session.Mailbox);
        Assert.Single(call.Caller.ReInvites); // one re-INVITE at a time
        Assert.False(CallerMedia.Current!.Running);

        call.Caller.Accept(hold);
        var resume = await call.Caller.ReInviteAsync(2);
        Assert.Equal(SdpDirection.SendRecv, resume.Direction);
        call.Caller.Accept(resume);
        await Wait.UntilAsync(() => CallerMedia.Direction == MediaDirection.SendRecv, "the caller's leg was not resumed");

        await TestGateway.DrainAsync(call.Session.Mailbox);
        Assert.Equal(2, call.Caller.ReInvites.Count);
    }

    [Fact]
    public async Task A_resume_before_the_491_retry_leaves_nothing_to_send()
    {
        var timers = gw.Time.Timers.Count;
        await call.Agent.OfferAsync(SdpDirection.SendOnly);
        FakeDialog.Refuse(await call.Caller.ReInviteAsync(1), 491);
        var retryIn = await gw.Time.NextTimerAsync(timers);

        await call.Agent.OfferAsync(SdpDirection.SendRecv);
        gw.Time.Advance(retryIn);
        await TestGateway.DrainAsync(call.Session.Mailbox);

        Assert.Single(call.Caller.ReInvites); // the caller's leg was never held: nothing to undo
        Assert.False(CallerMedia.Current!.Running);
        Assert.Equal(MediaDirection.SendRecv, CallerMedia.Direction);
    }

    [Fact]
    public async Task A_callers_leg_that_keeps_answering_491_gets_three_tries_then_the_music_alone_and_a_resume_later()
    {
        await call.Agent.OfferAsync(SdpDirection.SendOnly);
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var timers = gw.Time.Timers.Count;
            FakeDialog.Refuse(await call.Caller.ReInviteAsync(attempt), 491);
            if (attempt < 3)
            {
                gw.Time.Advance(await gw.Time.NextTimerAsync(timers));
            }
        }

        gw.Time.Advance(TimeSpan.FromSeconds(10));
        await TestGateway.DrainAsync(call.Session.Mailbox);
        Assert.Equal(3, call.Caller.ReInvites.Count);
        Assert.True(CallerMedia.Current!.Running);

        // The hold counts as done (music only); resuming re-INVITEs sendrecv, which the leg may accept this time.
        await call.Agent.OfferAsync(SdpDirection.SendRecv);
        var resume = await call.Caller.ReInviteAsync(4);
        Assert.Equal(SdpDirection.SendRecv, resume.Direction);
    }

    [Fact]
    public async Task A_hold_refused_for_good_keeps_the_music_and_the_call()
    {
        await call.Agent.OfferAsync(SdpDirection.SendOnly);
        FakeDialog.Refuse(await call.Caller.ReInviteAsync(1), 488);
        gw.Time.Advance(TimeSpan.FromSeconds(10));
        await TestGateway.DrainAsync(call.Session.Mailbox);

        Assert.Single(call.Caller.ReInvites);
        Assert.True(CallerMedia.Current!.Running);
        Assert.Empty(gw.Bus.All<CallEnded>());
    }
}
