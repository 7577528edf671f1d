using System.Net;
using ContactCenter.Telephony.Ivr;

namespace ContactCenter.Telephony.Configuration;

/// <summary>The whole of telephony-config, loaded and validated: trunks, DID routes, IVR flows, queue names, prompts.</summary>
internal sealed class TelephonyConfig
{
    public required string RootPath { get; init; }
    public required IReadOnlyList<Trunk> Trunks { get; init; }
    public required IReadOnlyDictionary<string, DidRoute> Dids { get; init; }
    public required IReadOnlyDictionary<string, IvrFlow> Flows { get; init; }
    public required IReadOnlySet<string> Queues { get; init; }
    public required PromptCatalog Prompts { get; init; }
    /// <summary>Outbound trunks: which one dials a number.</summary>
    public required DialPlan DialPlan { get; init; }
    /// <summary>Each queue's callback settings (queues.yaml <c>callback:</c>, else the defaults).</summary>
    public required IReadOnlyDictionary<string, QueueCallbackSettings> Callbacks { get; init; }

    /// <summary>The callback settings of a queue (the defaults for a queue this file does not name).</summary>
    public QueueCallbackSettings CallbackSettings(string? queue) =>
        queue is not null && Callbacks.TryGetValue(queue, out var settings) ? settings : QueueCallbackSettings.Default;

    /// <summary>
    /// Trunk ACL for an inbound INVITE: allowed when some trunk lists the source address (or a CIDR
    /// containing it) and carries the dialled DID. The refusal reason is meant for the log line (the caller gets 403).
    /// </summary>
    public TrunkDecision AuthorizeInbound(IPAddress source, string did)
    {
        if (source.IsIPv4MappedToIPv6)
        {
            source = source.MapToIPv4();
        }

        Trunk? addressMatch = null;
        foreach (var trunk in Trunks)
        {
            if (trunk.WebCallers || !trunk.Allows(source))
            {
                continue;
            }

            addressMatch ??= trunk;
            if (trunk.Dids.Contains(did))
            {
                return new TrunkDecision(true, trunk, Dids[did], null);
            }
        }

        return addressMatch is null
            ? new TrunkDecision(false, null, null, $"source address {source} is not allowed by any trunk")
            : new TrunkDecision(false, addressMatch, null, $"DID '{did}' is not carried by trunk '{addressMatch.Name}' (or any trunk allowing {source})");
    }

    /// <summary>
    /// Trunk check for an INVITE from a browser (SIP over WebSocket at <c>/sip</c>): allowed when a trunk with
    /// <c>webCallers: true</c> carries the dialled DID. Source addresses play no part (a browser's is anyone's).
    /// </summary>
    public TrunkDecision AuthorizeWebCaller(string did)
    {
        Trunk? web = null;
        foreach (var trunk in Trunks)
        {
            if (!trunk.WebCallers)
            {
                continue;
            }

            web ??= trunk;
            if (trunk.Dids.Contains(did))
            {
                return new TrunkDecision(true, trunk, Dids[did], null);
            }
        }

        return web is null
            ? new TrunkDecision(false, null, null, "calls from browsers are not admitted: no trunk in trunks.yaml has webCallers: true")
            : new TrunkDecision(false, web, null, $"DID '{did}' is not carried by web-caller trunk '{web.Name}' (or any web-caller trunk)");
    }
}

/// <summary>
/// A trunk: who may send calls (source addresses, or with <paramref name="WebCallers"/> browsers over SIP over WebSocket),
/// and which DIDs they may dial.
/// </summary>
internal sealed record Trunk(string Name, IReadOnlyList<IPNetwork> Allowed, IReadOnlySet<string> Dids, bool WebCallers = false)
{
    /// <summary>
    /// SDES-SRTP on calls from this trunk (trunks.yaml <c>srtp:</c>): <c>off</c> (default) plain RTP; <c>offered</c> an
    /// offer with a=crypto over TLS is answered with SRTP, anything else with plain RTP; <c>required</c> a call must come
    /// over TLS with a usable a=crypto, or it gets 488.
    /// </summary>
    public Gateway.Legs.SrtpPolicy Srtp { get; init; } = Gateway.Legs.SrtpPolicy.Off;

    /// <summary>True when the address is inside one of the allowed networks.</summary>
    public bool Allows(IPAddress address)
    {
        foreach (var network in Allowed)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>Where a DID goes: a flow (for a DID with <c>queue:</c>, a one-node flow straight into the queue).</summary>
/// <param name="WhenOverloaded">When the gateway refuses a new call for overload: null = 503 with Retry-After; else the announcement.</param>
internal sealed record DidRoute(string Did, IvrFlow Flow, string? DirectQueue, BusyAnnouncement? WhenOverloaded = null);

/// <summary><c>whenOverloaded: announce</c>: a refused call is answered, hears this prompt, and is hung up (no IVR, no bus work).</summary>
internal sealed record BusyAnnouncement(string PromptName, string PromptPath);

/// <summary>The trunk ACL's answer for one INVITE.</summary>
internal sealed record TrunkDecision(bool Allowed, Trunk? Trunk, DidRoute? Route, string? Reason);
