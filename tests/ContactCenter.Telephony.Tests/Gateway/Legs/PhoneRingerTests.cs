using ContactCenter.Contracts;
using ContactCenter.Media.Sessions;
using ContactCenter.Sip.Message;
using ContactCenter.Telephony.Gateway.Legs;
using ContactCenter.Telephony.Tests.Gateway.Session;
using Microsoft.Extensions.Logging.Abstractions;

namespace ContactCenter.Telephony.Tests.Gateway.Legs;

/// <summary>
/// The one fork builder (<see cref="PhoneRinger"/>) that inbound queue calls, callbacks, click-to-dial calls and supervisors'
/// legs ring through: every registered phone rings with its own media, the first answer wins, the others are CANCELled and
/// their media released; when nothing can ring, why. Fake SIP endpoint and media engine (<see cref="TestGateway"/>).
/// </summary>
public sealed class PhoneRingerTests : IAsyncLifetime
{
    private readonly TestGateway gw = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await gw.DisposeAsync();

    private RingAttempt Ring(PhoneKind kind = PhoneKind.Both) => new PhoneRinger(gw.Context, NullLogger.Instance).Ring(new RingRequest
    {
        User = "alice",
        Kind = kind,
        MediaId = "call-b",
        From = SipNameAddress.Create(SipUri.Create("+442079460018", gw.Sip.Host), displayName: "Callback"),
        Headers = [new("X-ContactCenter-Call", "c1")],
        LogPrefix = "Test",
    });

    [Fact]
    public void Every_registered_phone_rings_with_its_own_media_and_the_same_caller()
    {
        gw.Sip.AddPhone("alice", 5062);
        gw.Sip.AddPhone("alice", 5064);
        gw.Sip.AddPhone("alice", 5066);

        var attempt = Ring();

        Assert.Equal((RingRefusal.None, 3), (attempt.Refusal, attempt.Phones));
        var invites = gw.Sip.Calls;
        Assert.Equal(["sip:alice@127.0.0.1:5062", "sip:alice@127.0.0.1:5064", "sip:alice@127.0.0.1:5066"], invites.Select(i => i.Options.Target.ToString()));
        Assert.All(invites, i => Assert.Equal(("+442079460018", "alice", "c1"), (i.Options.From!.Uri.User, i.Options.To!.Uri.User, i.Options.Headers[0].Value)));
        Assert.Equal(["call-b", "call-b.2", "call-b.3"], gw.Media.Sessions.Select(s => s.Id));
        Assert.Equal(3, invites.Select(i => i.Options.Offer!.Media[0].Port).Distinct().Count()); // each phone its own media
        Assert.Same(gw.Media.Session("call-b"), attempt.Call!.Current.Media); // the first phone's while ringing
    }

    [Fact]
    public async Task The_first_answer_wins_the_others_are_cancelled_and_their_media_released()
    {
        gw.Sip.AddPhone("alice", 5062);
        gw.Sip.AddPhone("alice", 5064);
        gw.Sip.AddPhone("alice", 5066);
        var fork = Ring().Call!;
        var (first, second, third) = (gw.Sip.Calls[0], gw.Sip.Calls[1], gw.Sip.Calls[2]);

        second.Answer();
        var result = await fork.Completion.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(result.IsAnswered);
        Assert.Same(fork.Forks[1], fork.Winner);
        Assert.Same(gw.Media.Session("call-b.2"), fork.Current.Media);
        Assert.True(first.Cancelled && third.Cancelled, "the phones that lost were not cancelled");
        Assert.False(second.Cancelled);
        first.Fail(487);
        third.Fail(487);
        await fork.AllEnded.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(gw.Media.Session("call-b").Disposed && gw.Media.Session("call-b.3").Disposed, "the losers' media was not released");
        Assert.False(gw.Media.Session("call-b.2").Disposed); // the winner's belongs to the session
    }

    [Fact]
    public void Nobody_registered_rings_nothing_and_says_so()
    {
        var attempt = Ring();

        Assert.Equal((RingRefusal.NotRegistered, "agent phone not registered"), (attempt.Refusal, attempt.Reason));
        Assert.Null(attempt.Call);
        Assert.Empty(gw.Sip.Calls);
        Assert.Empty(gw.Media.Sessions);
    }

    [Fact]
    public void Only_the_directorys_phone_kind_rings()
    {
        gw.Sip.AddPhone("alice", 5062);

        var attempt = Ring(PhoneKind.Browser);

        Assert.Equal(RingRefusal.NotRegistered, attempt.Refusal);
        Assert.Equal("agent phone not registered (the directory says browser; only SIP phones are registered)", attempt.Reason);
        Assert.Empty(gw.Sip.Calls);
    }

    [Fact]
    public async Task When_every_phone_refuses_the_fork_ends_with_the_most_telling_refusal_and_releases_all_media()
    {
        gw.Sip.AddPhone("alice", 5062);
        gw.Sip.AddPhone("alice", 5064);
        var fork = Ring().Call!;

        gw.Sip.Calls[0].Fail(480);
        gw.Sip.Calls[1].Fail(486);
        var result = await fork.Completion.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.False(result.IsAnswered);
        Assert.Equal("486 Busy Here", result.StatusText);
        Assert.Null(fork.Winner);
        await fork.AllEnded.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.All(gw.Media.Sessions, s => Assert.True(s.Disposed, s.Id + " was not released"));
    }

    [Fact]
    public async Task A_phone_whose_media_cannot_be_opened_is_left_out_and_the_others_ring()
    {
        gw.Sip.AddPhone("alice", 5062);
        gw.Sip.AddPhone("alice", 5064);
        var asked = 0;
        gw.Media.NoPortFor = _ => asked++ == 0; // no port free for the first phone's media (one freed before the second's)

        var attempt = Ring();

        Assert.Equal((RingRefusal.None, 1), (attempt.Refusal, attempt.Phones));
        var invite = Assert.Single(gw.Sip.Calls);
        Assert.Equal("sip:alice@127.0.0.1:5064", invite.Options.Target.ToString());
        Assert.Same(gw.Media.Session("call-b"), attempt.Call!.Forks[0].Media);
        invite.Answer();
        Assert.True((await attempt.Call!.Completion.WaitAsync(TimeSpan.FromSeconds(10))).IsAnswered);
    }

    [Fact]
    public void No_media_port_for_any_phone_rings_nothing_and_says_so()
    {
        gw.Sip.AddPhone("alice", 5062);
        gw.Sip.AddPhone("alice", 5064);
        gw.Media.NoPortFor = _ => true;

        var attempt = Ring();

        Assert.Equal((RingRefusal.NoMediaPort, "no media port: no free media port"), (attempt.Refusal, attempt.Reason));
        Assert.Empty(gw.Sip.Calls);
    }
}

/// <summary>The DTLS-close grace is per leg: one leg's close does not use up another's, and each leg gets it once.</summary>
public sealed class DtlsCloseGraceTests
{
    [Fact]
    public void Each_leg_waits_once_for_its_bye_and_other_failures_never_wait()
    {
        var grace = new DtlsCloseGrace();
        var caller = new FakeMediaSession("call-a", 20_000);
        var agent = new FakeMediaSession("call-b", 20_002);

        Assert.True(grace.ShouldWait(caller, MediaFailure.DtlsClosed));
        Assert.True(grace.ShouldWait(agent, MediaFailure.DtlsClosed)); // the caller's grace does not use up the agent's
        Assert.False(grace.ShouldWait(caller, MediaFailure.DtlsClosed)); // the grace is over: now it is a media failure
        Assert.False(grace.ShouldWait(agent, MediaFailure.DtlsClosed));
        Assert.False(new DtlsCloseGrace().ShouldWait(caller, MediaFailure.DtlsFingerprintMismatch));
        Assert.False(new DtlsCloseGrace().ShouldWait(caller, MediaFailure.ConsentExpired));
    }
}
