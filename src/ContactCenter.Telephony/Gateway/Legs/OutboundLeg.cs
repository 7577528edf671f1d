using System.Net;
using ContactCenter.Contracts;
using ContactCenter.Media.Sessions;
using ContactCenter.Sip.Message;
using ContactCenter.Sip.Sdp;
using ContactCenter.Sip.Transactions;
using ContactCenter.Sip.UserAgent;
using ContactCenter.Telephony.Configuration;

namespace ContactCenter.Telephony.Gateway.Legs;

/// <summary>What became of a leg the gateway placed.</summary>
internal enum LegOutcome
{
    /// <summary>Answered (2xx with a usable SDP answer): the leg's dialog is up.</summary>
    Answered,
    /// <summary>486 Busy Here, 600 Busy Everywhere.</summary>
    Busy,
    /// <summary>Rang out: our no-answer timer cancelled it, or 408/480/487 from the far end.</summary>
    NoAnswer,
    /// <summary>Refused or not reachable: any other 4xx/5xx/6xx, a transport failure, an answer without usable SDP.</summary>
    Failed,
    /// <summary>We cancelled it for another reason than the no-answer timer (the other party went away).</summary>
    Cancelled,
}

/// <summary>The end of a placed leg's set-up: its outcome, the SIP status behind it, and a reason in words.</summary>
internal sealed record LegResult(LegOutcome Outcome, int StatusCode, string Reason)
{
    /// <summary>A failure another attempt could cure (a server or network problem), as opposed to a number that cannot be reached (404, 484, 403...).</summary>
    public bool IsTransient => Outcome != LegOutcome.Failed || StatusCode is 0 or 408 or 480 or >= 500 and < 600;

    /// <summary>The outcome as the customer's history names it.</summary>
    public CallOutcome AsCallOutcome() => Outcome switch
    {
        LegOutcome.Answered => CallOutcome.Answered,
        LegOutcome.Busy => CallOutcome.Busy,
        LegOutcome.NoAnswer or LegOutcome.Cancelled => CallOutcome.NoAnswer,
        LegOutcome.Failed => CallOutcome.Failed,
    };
}

/// <summary>Where and how to place one leg.</summary>
internal sealed record OutboundLegRequest
{
    /// <summary>Media session id (for the logs), e.g. <c>{call}-b</c>.</summary>
    public required string MediaId { get; init; }
    public required SipUri Target { get; init; }
    public SipDestination? Destination { get; init; }
    public required SipNameAddress From { get; init; }
    public required SipNameAddress To { get; init; }
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];
    public (string User, string Password)? Credentials { get; init; }
    /// <summary>The far end is a browser (an agent's phone registered over the WebSocket): the leg speaks WebRTC.</summary>
    public bool Browser { get; init; }
    /// <summary>The SDP the leg speaks when the caller chose it (a registered phone: <see cref="LegSdp.ForPhone"/>); else by <see cref="Browser"/>.</summary>
    public LegSdp? Sdp { get; init; }
    /// <summary>Called (on the SIP stack's thread) at the first 180/183: the far end is ringing.</summary>
    public Action? OnRinging { get; init; }

    /// <summary>
    /// A number dialled through an outbound trunk: <c>sip:{number}@{trunk address}</c> sent to the trunk's address over its
    /// transport (TLS: a verified client connection, see <see cref="OutboundTrunk.TlsTrust"/>), from the trunk's caller id,
    /// with its digest credentials for a 401/407, and SDES-SRTP as its <c>srtp:</c> says.
    /// </summary>
    public static OutboundLegRequest ThroughTrunk(OutboundTrunk trunk, string number, string gatewayHost, string mediaId, IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        var target = SipUri.Create(number, trunk.Address.Address.ToString(), trunk.Address.Port);
        return new OutboundLegRequest
        {
            MediaId = mediaId,
            Target = target,
            Destination = new SipDestination(trunk.Transport, trunk.Address),
            From = SipNameAddress.Create(SipUri.Create(trunk.CallerId, gatewayHost), displayName: null),
            To = SipNameAddress.Create(target),
            Headers = headers,
            Credentials = trunk.Credentials,
            // SDES keys only over TLS: the loader refuses srtp on a trunk whose transport is not tls.
            Sdp = trunk.Srtp == SrtpPolicy.Off || trunk.Transport != SipProtocol.Tls ? null : new SdesLegSdp(trunk.Srtp),
        };
    }
}

/// <summary>
/// One leg the gateway places as a B2BUA (an agent's phone, a customer through an outbound trunk): its media session,
/// the INVITE with our SDP offer, the ring timer that CANCELs it, and the reading of the final response. Not thread-safe:
/// the owning session awaits <see cref="SetUpAsync"/> and posts the result to its own mailbox.
/// </summary>
internal sealed class OutboundLeg : IAsyncDisposable
{
    private readonly GatewayContext gateway;
    private bool timedOut;
    private bool cancelled;
    private bool disposed;

    private readonly IMediaSession? media;
    private readonly LegSdp? sdp;
    private readonly ForkedDial? fork;

    private OutboundLeg(GatewayContext gateway, IMediaSession media, LegSdp sdp, IDialledLeg call)
    {
        this.gateway = gateway;
        this.media = media;
        this.sdp = sdp;
        Call = call;
    }

    private OutboundLeg(GatewayContext gateway, ForkedDial fork)
    {
        this.gateway = gateway;
        this.fork = fork;
        Call = fork;
    }

    /// <summary>The leg's media (for a fork: the answering phone's, the first phone's while ringing).</summary>
    public IMediaSession Media => fork?.Current.Media ?? media!;
    /// <summary>How this leg's SDP is written and read (plain RTP, or WebRTC for a browser).</summary>
    public LegSdp Sdp => fork?.Current.Sdp ?? sdp!;
    public IDialledLeg Call { get; }
    /// <summary>The dialog once answered; null again after it ended.</summary>
    public IDialogLeg? Dialog { get; set; }

    /// <summary>Opens a media session and sends the INVITE. Throws <see cref="InvalidOperationException"/> when no media port is free.</summary>
    public static OutboundLeg Place(GatewayContext gateway, OutboundLegRequest request)
    {
        var sdp = request.Sdp ?? LegSdp.For(request.Browser, gateway.Options);
        var media = sdp.Open(gateway, request.MediaId);
        var offer = sdp.Offer(gateway, media, Sip.Sdp.MediaDirection.SendRecv);
        var call = gateway.Sip.Dial(new SipCallOptions
        {
            Target = request.Target,
            Destination = request.Destination,
            From = request.From,
            To = request.To,
            Offer = offer,
            Headers = request.Headers,
            Credentials = request.Credentials,
        }, request.OnRinging is { } ringing ? RingingOnce(ringing) : null);
        return new OutboundLeg(gateway, media, sdp, call);
    }

    /// <summary>
    /// A leg to every registered phone of an agent at once (<see cref="PhoneRinger"/>): set up, timed and cancelled as one
    /// leg; the first phone to answer is the leg's media and dialog, the others are CANCELled by the fork, which also releases
    /// their media.
    /// </summary>
    public static OutboundLeg Ring(GatewayContext gateway, ForkedDial fork) => new(gateway, fork);

    private static Action<SipResponse> RingingOnce(Action ringing)
    {
        var rang = 0;
        return response =>
        {
            if (response.StatusCode is 180 or 183 && Interlocked.Exchange(ref rang, 1) == 0)
            {
                ringing();
            }
        };
    }

    /// <summary>Waits for the final response (CANCELling at the ring timeout); on an answer the media is configured and <see cref="Dialog"/> set.</summary>
    public async Task<LegResult> SetUpAsync(TimeSpan ringTimeout)
    {
        using var timer = gateway.Time.CreateTimer(_ =>
        {
            timedOut = true;
            Call.Cancel();
        }, null, ringTimeout, Timeout.InfiniteTimeSpan);
        var result = await Call.Completion.ConfigureAwait(false);
        if (result.IsAnswered && result.Dialog is { } dialog)
        {
            string? unusable = "no SDP in the answer";
            var negotiated = result.Answer is { } answer ? Sdp.ReadAnswer(Media, answer, out unusable) : null;
            if (negotiated is not null && !disposed && !cancelled)
            {
                try
                {
                    Media.Configure(negotiated.Remote);
                }
                catch (ArgumentException error)
                {
                    unusable = error.Message;
                    negotiated = null;
                }
            }

            if (negotiated is null || disposed || cancelled)
            {
                await SafeByeAsync(dialog).ConfigureAwait(false);
                if (fork is not null)
                {
                    // The answering phone's media was not the first phone's, which the owner may already have released.
                    await Media.DisposeAsync().ConfigureAwait(false);
                }

                return negotiated is null
                    ? new LegResult(LegOutcome.Failed, result.StatusCode, "answered without a usable SDP answer: " + unusable)
                    : new LegResult(LegOutcome.Cancelled, result.StatusCode, "answered after it was given up");
            }

            Dialog = dialog;
            return new LegResult(LegOutcome.Answered, result.StatusCode, "answered");
        }

        var status = result.StatusCode;
        var phrase = result.StatusText;
        return status switch
        {
            _ when timedOut => new LegResult(LegOutcome.NoAnswer, status, $"no answer within {ringTimeout.TotalSeconds:0} s"),
            _ when cancelled => new LegResult(LegOutcome.Cancelled, status, "cancelled"),
            486 or 600 => new LegResult(LegOutcome.Busy, status, "busy (" + phrase + ")"),
            408 or 480 or 487 => new LegResult(LegOutcome.NoAnswer, status, "no answer (" + phrase + ")"),
            _ => new LegResult(LegOutcome.Failed, status, phrase),
        };
    }

    /// <summary>Gives the leg up before its answer (CANCEL); <see cref="SetUpAsync"/> then ends with <see cref="LegOutcome.Cancelled"/>.</summary>
    public void Cancel()
    {
        cancelled = true;
        Call.Cancel();
    }

    /// <summary>Hangs up an answered leg (BYE), bounded in time; never throws.</summary>
    public async Task HangUpAsync()
    {
        if (Dialog is { } dialog)
        {
            Dialog = null;
            await SafeByeAsync(dialog).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        await Media.DisposeAsync().ConfigureAwait(false);
    }

    // The peer is gone or already hung up when the BYE fails: nothing more to do.
    private static Task SafeByeAsync(IDialogLeg dialog) => LegSignalling.ByeAsync(dialog);
}
