using ContactCenter.Media.Sessions;
using ContactCenter.Sip.Message;
using ContactCenter.Sip.Registrar;
using ContactCenter.Sip.UserAgent;
using Microsoft.Extensions.Logging;
using SdpDirection = ContactCenter.Sip.Sdp.MediaDirection;

namespace ContactCenter.Telephony.Gateway.Legs;

/// <summary>Whose phones to ring, and how every INVITE to them looks.</summary>
internal sealed record RingRequest
{
    /// <summary>The login whose registrations are rung (an agent, a supervisor): the To user and the SRTP policy's key.</summary>
    public required string User { get; init; }
    /// <summary>Which of <see cref="User"/>'s registered phones may ring (the directory's phone kind).</summary>
    public ContactCenter.Contracts.PhoneKind Kind { get; init; } = ContactCenter.Contracts.PhoneKind.Both;
    /// <summary>The first phone's media id (e.g. <c>{call}-b</c>); the next phones' are <c>.2</c>, <c>.3</c>... after it.</summary>
    public required string MediaId { get; init; }
    /// <summary>What the phones show as the caller.</summary>
    public required SipNameAddress From { get; init; }
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];
    /// <summary>For the log lines: "Call {id}", "Callback {id}"...</summary>
    public required string LogPrefix { get; init; }
}

/// <summary>Why nothing was rung.</summary>
internal enum RingRefusal
{
    /// <summary>Something rings: <see cref="RingAttempt.Call"/> is set.</summary>
    None,
    /// <summary>No registration of the user, or none of the directory's phone kind.</summary>
    NotRegistered,
    /// <summary>Every registered phone needs SRTP and none registered over TLS.</summary>
    NoSecurePhone,
    /// <summary>No media port for any of the phones.</summary>
    NoMediaPort,
}

/// <summary>What <see cref="PhoneRinger.Ring"/> did: the fork that rings, or why nothing does (<see cref="Reason"/> says it in words).</summary>
internal sealed record RingAttempt(ForkedDial? Call, RingRefusal Refusal, string Reason)
{
    /// <summary>How many phones ring.</summary>
    public int Phones => Call?.Forks.Count ?? 0;
}

/// <summary>
/// Rings every registered phone of a user at once (a browser and a desk phone alike), each with its own media and SDP kind
/// (<see cref="LegSdp.ForPhone"/>), as one <see cref="ForkedDial"/>: the first answer wins, the others are CANCELled. The one
/// place that builds such a fork: inbound queue calls (<c>AgentLegConnector</c>), callbacks and click-to-dial calls
/// (<c>AgentFirstSession</c>) and supervisors' legs (monitoring) all ring through it. A phone that cannot be rung (SRTP
/// required and not registered over TLS, no media port for it) is left out with a warning while the others ring; nothing
/// rings only when none can.
/// </summary>
internal sealed class PhoneRinger(GatewayContext gateway, ILogger logger)
{
    public RingAttempt Ring(RingRequest request)
    {
        var registered = gateway.Sip.BindingsFor(request.User);
        var bindings = AgentPhone.Ringable(registered, request.Kind);
        if (bindings.Count == 0)
        {
            return new RingAttempt(null, RingRefusal.NotRegistered, AgentPhone.NothingToRing(registered, request.Kind));
        }

        var host = gateway.Sip.Host;
        var forks = new List<PhoneFork>(bindings.Count);
        string? noPort = null;
        foreach (var binding in bindings)
        {
            if (LegSdp.ForPhone(binding, request.User, gateway.Options) is not { } sdp)
            {
                logger.LogWarning("{Prefix}: {User}'s phone at {Contact} not rung: SRTP is required for it and it is not registered over TLS", request.LogPrefix, request.User, binding.Contact);
                continue;
            }

            IMediaSession media;
            try
            {
                media = sdp.Open(gateway, forks.Count == 0 ? request.MediaId : $"{request.MediaId}.{forks.Count + 1}");
            }
            catch (InvalidOperationException error)
            {
                noPort = error.Message;
                logger.LogWarning("{Prefix}: {User}'s phone at {Contact} not rung: no media port ({Error})", request.LogPrefix, request.User, binding.Contact, error.Message);
                continue;
            }

            BrowserMediaSetup.Watch(gateway, sdp, media, logger);
            var call = gateway.Sip.Dial(new SipCallOptions
            {
                Target = binding.Contact,
                Destination = AgentPhone.Route(binding),
                From = request.From,
                To = SipNameAddress.Create(SipUri.Create(request.User, host)),
                Offer = sdp.Offer(gateway, media, SdpDirection.SendRecv),
                Headers = request.Headers,
            });
            forks.Add(new PhoneFork(binding, sdp, media, call));
            logger.LogInformation("{Prefix}: ringing {User} at {Contact} ({Kind})", request.LogPrefix, request.User, binding.Contact, sdp.Kind);
        }

        if (forks.Count > 0)
        {
            return new RingAttempt(new ForkedDial(forks, logger), RingRefusal.None, "ringing");
        }

        return noPort is not null
            ? new RingAttempt(null, RingRefusal.NoMediaPort, "no media port: " + noPort)
            : new RingAttempt(null, RingRefusal.NoSecurePhone, $"SRTP is required for {request.User}'s phone and it is not registered over TLS");
    }
}
