using System.Net;
using ContactCenter.Media.Codecs;
using ContactCenter.Media.Dtls;
using ContactCenter.Media.Sessions;
using Microsoft.Extensions.Time.Testing;

namespace ContactCenter.Media.Tests.Sessions;

/// <summary>An ICE leg's timers on a fake clock (the packets are real): consent freshness and the time allowed to get keys.</summary>
[Collection("rtp")]
public class WebRtcLegTimeoutTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly FakeTimeProvider time = new();
    private readonly MediaEngine engine;
    private readonly BrowserPeer browser = new();
    private readonly List<MediaFailedEventArgs> failures = [];
    private readonly TaskCompletionSource<MediaFailedEventArgs> failed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly IMediaSession leg;

    public WebRtcLegTimeoutTests()
    {
        engine = TestEngine.Create(time, runClock: false);
        leg = engine.CreateSession("browser", new MediaLegOptions { IceLite = true });
        browser.Remote = leg.LocalEndPoint;
        leg.MediaFailed += (_, e) =>
        {
            lock (failures)
            {
                failures.Add(e);
            }

            failed.TrySetResult(e);
        };
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await leg.DisposeAsync();
        await engine.DisposeAsync();
        await browser.DisposeAsync();
    }

    private SecureTransport Secure => ((MediaSession)leg).Secure!;

    private RemoteMedia Media(SrtpKeying keying) => new()
    {
        RtpEndPoint = new IPEndPoint(IPAddress.Any, 9),
        Codec = AudioCodec.Pcmu,
        RtcpMux = true,
        IceUsernameFragment = BrowserPeer.Ufrag,
        Srtp = keying,
    };

    private async Task CheckAsync(int answered)
    {
        browser.SendCheck(leg.LocalIce!);
        Assert.True(await BrowserPeer.UntilAsync(() => Secure.StunAnswered == answered, Patience), "the leg did not answer the check");
    }

    private int Failures()
    {
        lock (failures)
        {
            return failures.Count;
        }
    }

    [Fact]
    public async Task Consent_that_is_not_refreshed_ends_the_leg_with_the_reason()
    {
        leg.Configure(Media(BrowserPeer.SdesKeys().Leg));
        await CheckAsync(answered: 1);

        time.Advance(TimeSpan.FromSeconds(20));
        engine.Housekeep();
        Assert.Equal(0, Failures());
        await CheckAsync(answered: 2); // the browser's consent check, about every 5 s in life
        time.Advance(TimeSpan.FromSeconds(25)); // 45 s since the first check, 25 since the last
        engine.Housekeep();
        Assert.Equal(0, Failures());

        time.Advance(TimeSpan.FromSeconds(6));
        engine.Housekeep();

        MediaFailedEventArgs failure = Assert.Single(failures);
        Assert.Equal(MediaFailure.ConsentExpired, failure.Failure);
        Assert.Contains("no connectivity check from the peer for 31 s", failure.Reason, StringComparison.Ordinal);
        Assert.Contains("Media:IceConsentTimeout 30 s", failure.Reason, StringComparison.Ordinal);
        Assert.True(Secure.HasFailed);

        // Nothing passes any more, not even checks; and the failure is reported once.
        browser.SendCheck(leg.LocalIce!);
        time.Advance(TimeSpan.FromSeconds(60));
        engine.Housekeep();
        Assert.Single(failures);
    }

    [Fact]
    public void A_browser_that_never_checks_ends_the_leg()
    {
        leg.Configure(Media(BrowserPeer.SdesKeys().Leg));
        time.Advance(TimeSpan.FromSeconds(29));
        engine.Housekeep();
        Assert.Equal(0, Failures());

        time.Advance(TimeSpan.FromSeconds(2));
        engine.Housekeep();

        MediaFailedEventArgs failure = Assert.Single(failures);
        Assert.Equal(MediaFailure.ConsentExpired, failure.Failure);
        Assert.Contains("No ICE connectivity check from the peer within 30 s", failure.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dtls_handshake_that_does_not_come_in_time_ends_the_leg()
    {
        leg.Configure(Media(new DtlsSrtpKeying { RemoteFingerprint = browser.Certificate.Fingerprint.ToString(), Setup = DtlsSetup.Passive }));
        await CheckAsync(answered: 1); // ICE is fine; the browser just never sends its ClientHello

        time.Advance(TimeSpan.FromSeconds(11)); // past Media:DtlsHandshakeTimeout (10 s)

        MediaFailedEventArgs failure = await failed.Task.WaitAsync(Patience);
        Assert.Equal(MediaFailure.DtlsTimeout, failure.Failure);
        Assert.Contains("no handshake within 10 s", failure.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void An_active_leg_with_nowhere_to_send_its_client_hello_ends_when_the_handshake_time_is_up()
    {
        leg.Configure(Media(new DtlsSrtpKeying { RemoteFingerprint = browser.Certificate.Fingerprint.ToString(), Setup = DtlsSetup.Active }));
        time.Advance(TimeSpan.FromSeconds(9));
        engine.Housekeep();
        Assert.Equal(0, Failures());

        time.Advance(TimeSpan.FromSeconds(2));
        engine.Housekeep();

        MediaFailedEventArgs failure = Assert.Single(failures);
        Assert.Equal(MediaFailure.DtlsTimeout, failure.Failure);
        Assert.Contains("no ICE check came", failure.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void The_timeouts_are_settings_that_are_checked()
    {
        var options = new MediaOptions { DtlsHandshakeTimeout = TimeSpan.Zero, IceConsentTimeout = TimeSpan.FromSeconds(3) };

        IReadOnlyList<string> errors = options.Validate();

        Assert.Contains(errors, e => e.StartsWith("Media:DtlsHandshakeTimeout", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Media:IceConsentTimeout", StringComparison.Ordinal));
    }
}
