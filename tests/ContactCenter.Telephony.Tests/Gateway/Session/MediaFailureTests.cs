using ContactCenter.Contracts;
using ContactCenter.Media.Sessions;
using ContactCenter.Telephony.Gateway.Legs;

namespace ContactCenter.Telephony.Tests.Gateway.Session;

/// <summary>
/// An inbound call whose legs' media fail (<see cref="IMediaSession.MediaFailed"/>): the DTLS-close grace (a browser's BYE
/// may come after its DTLS close) is each leg's own, so the caller's close does not use up the agent's.
/// </summary>
public sealed class MediaFailureTests : IAsyncLifetime
{
    private readonly TestGateway gw = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await gw.DisposeAsync();

    [Fact]
    public async Task Each_legs_DTLS_close_gets_its_own_grace_and_the_bye_that_follows_says_who_hung_up()
    {
        var call = await gw.ConnectedCallAsync();
        var timers = gw.Time.Timers.Count;

        gw.Media.Session("-a").Fail(MediaFailure.DtlsClosed, "the caller's browser closed DTLS");
        Assert.Equal(DtlsCloseGrace.Delay, await gw.Time.NextTimerAsync(timers));
        gw.Media.Session("-b").Fail(MediaFailure.DtlsClosed, "the agent's browser closed DTLS");
        Assert.Equal(DtlsCloseGrace.Delay, await gw.Time.NextTimerAsync(timers + 1)); // not ended at once: its own grace
        Assert.Empty(gw.Bus.All<CallEnded>());

        call.Agent.HangUp();
        var ended = await gw.Bus.WaitForAsync<CallEnded>(m => m.CallId == call.Session.CallId);
        Assert.Equal((CallParty.Agent, "agent hung up (BYE)"), (ended.EndedBy, ended.Reason));
    }

    [Fact]
    public async Task A_DTLS_close_without_a_bye_ends_the_call_as_a_media_failure_once_the_legs_grace_is_over()
    {
        var call = await gw.ConnectedCallAsync();
        var timers = gw.Time.Timers.Count;

        gw.Media.Session("-b").Fail(MediaFailure.DtlsClosed, "the agent's browser closed DTLS");
        await gw.Time.NextTimerAsync(timers);
        gw.Time.Advance(DtlsCloseGrace.Delay);

        var ended = await gw.Bus.WaitForAsync<CallEnded>(m => m.CallId == call.Session.CallId);
        Assert.Equal((CallParty.System, "agent's media failed: the agent's browser closed DTLS"), (ended.EndedBy, ended.Reason));
    }

    [Fact]
    public async Task A_failure_other_than_a_DTLS_close_ends_the_call_at_once()
    {
        var call = await gw.ConnectedCallAsync();

        gw.Media.Session("-a").Fail(MediaFailure.DtlsFingerprintMismatch, "the peer's certificate does not match its SDP fingerprint");

        var ended = await gw.Bus.WaitForAsync<CallEnded>(m => m.CallId == call.Session.CallId);
        Assert.Equal((CallParty.System, "caller's media failed: the peer's certificate does not match its SDP fingerprint"), (ended.EndedBy, ended.Reason));
    }
}
