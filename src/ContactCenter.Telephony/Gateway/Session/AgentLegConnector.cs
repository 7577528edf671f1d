using System.Net;
using ContactCenter.Contracts;
using ContactCenter.Media.Sessions;
using ContactCenter.Sip.Message;
using ContactCenter.Sip.Sdp;
using ContactCenter.Sip.UserAgent;
using ContactCenter.Telephony.Gateway.Legs;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Telephony.Gateway.Session;

/// <summary>One attempt to reach an agent's phone for a call (leg B): its media, its INVITE, its ring timer, and its dialog once answered.</summary>
internal sealed class AgentLeg(string agentId, int number, IMediaSession media, IDialledLeg call, bool record)
{
    public string AgentId { get; } = agentId;
    /// <summary>1 for the call's first agent leg, 2 for the next (after a transfer or a missed ring)...</summary>
    public int Number { get; } = number;
    public IMediaSession Media { get; } = media;
    public IDialledLeg Call { get; } = call;
    public bool Record { get; } = record;
    public ITimer? RingTimer { get; set; }
    /// <summary>The ring timer fired and cancelled the INVITE.</summary>
    public bool TimedOut { get; set; }
    /// <summary>The dialog once answered; null again when it ended.</summary>
    public IDialogLeg? Dialog { get; set; }
    /// <summary>SRTP on this leg (SDES, over TLS) and our key in the offer; see <see cref="SdesSdp"/>.</summary>
    public (SrtpPolicy Policy, string? LocalKey) Srtp { get; init; }
    /// <summary>The SRTP keys in use once answered (null: plain RTP); re-offers must keep SRTP.</summary>
    public SdesSrtpKeying? Keying { get; set; }
}

/// <summary>What came of an agent leg: answered (its media set up), not answered (why), or dropped (nobody wanted it any more).</summary>
internal enum AgentAnswerKind
{
    Answered,
    NotAnswered,
    Dropped,
}

internal readonly record struct AgentAnswer(AgentAnswerKind Kind, string Reason);

/// <summary>
/// Rings an agent's registered phone for a call (leg B) and reads what the phone did. The ring timer and the phone's final
/// response come back through the call's mailbox; the session decides what they mean for the call (bridge, or queued
/// again with <see cref="AgentNoAnswer"/>). A 2xx that arrives after the ring timeout's CANCEL is acknowledged and hung
/// up by the SIP stack (RFC 3261 §9.1), so the session sees a 487: one outcome per ring, never both.
/// </summary>
internal sealed class AgentLegConnector(GatewayContext gateway, CallMailbox mailbox, Guid callId, ILogger logger)
{
    private int placed;

    /// <summary>
    /// Rings <see cref="ConnectCallToAgent.AgentId"/>'s phone, showing <paramref name="caller"/>. Null when it cannot be
    /// rung (not registered, no media port), after <see cref="AgentNoAnswer"/> was published with the reason. When the ring
    /// timer fires, the INVITE is cancelled if <paramref name="stillRinging"/> says the leg still matters;
    /// <paramref name="settled"/> gets the phone's final response, in the mailbox.
    /// </summary>
    public async Task<AgentLeg?> RingAsync(ConnectCallToAgent command, string caller, Func<AgentLeg, bool> stillRinging, Func<AgentLeg, DialResult, Task> settled)
    {
        var bindings = gateway.Sip.BindingsFor(command.AgentId);
        if (bindings.Count == 0)
        {
            await PublishNoAnswerAsync(command.AgentId, "agent phone not registered");
            return null;
        }

        var binding = bindings[0];
        // SRTP (SDES) only to a phone registered over TLS; one that must have it and is not over TLS is not rung.
        if (SdesSdp.Effective(gateway.Options.PhoneSrtpFor(command.AgentId), binding.Source?.Protocol ?? SipProtocol.Udp) is not { } srtp)
        {
            await PublishNoAnswerAsync(command.AgentId, "SRTP is required for this phone and it is not registered over TLS");
            return null;
        }

        IMediaSession media;
        try
        {
            media = gateway.Media.CreateSession(callId.ToString("N")[..12] + (placed == 0 ? "-b" : $"-b{placed + 1}"));
        }
        catch (InvalidOperationException error)
        {
            await PublishNoAnswerAsync(command.AgentId, "no media port: " + error.Message);
            return null;
        }

        var offer = SdpOfferAnswer.CreateOffer(new IPEndPoint(gateway.MediaAddress, media.LocalPort));
        var localKey = SdesSdp.AddToOffer(offer, srtp);
        var host = gateway.Sip.Host;
        var call = gateway.Sip.Dial(new SipCallOptions
        {
            Target = binding.Contact,
            Destination = AgentPhone.Route(binding),
            From = SipNameAddress.Create(SipUri.Create(AgentPhone.SipUser(caller), host), displayName: null),
            To = SipNameAddress.Create(SipUri.Create(command.AgentId, host)),
            Offer = offer,
            Headers = [new("X-ContactCenter-Call", callId.ToString()), new("X-ContactCenter-Queue", command.Queue)],
        });

        var leg = new AgentLeg(command.AgentId, ++placed, media, call, command.Record) { Srtp = (srtp, localKey) };
        leg.RingTimer = mailbox.After(command.RingTimeout, () =>
        {
            if (stillRinging(leg))
            {
                leg.TimedOut = true;
                leg.Call.Cancel();
            }
        });
        _ = AwaitAsync(leg, settled);
        logger.LogInformation("Call {CallId}: ringing {Agent} at {Contact} for up to {Timeout}", callId, command.AgentId, binding.Contact, command.RingTimeout);
        return leg;
    }

    /// <summary>
    /// Reads the phone's final response (in the mailbox). Answered: the leg's media is set to the phone's SDP answer and
    /// <see cref="AgentLeg.Dialog"/> set. Otherwise the leg's media is released; an answer without a usable SDP answer, or
    /// one nobody wants any more (<paramref name="wanted"/> false: the call ended or moved on), is hung up.
    /// </summary>
    public async Task<AgentAnswer> SettleAsync(AgentLeg leg, DialResult result, bool wanted)
    {
        leg.RingTimer?.Dispose();
        if (!wanted)
        {
            if (result.Dialog is { } stray)
            {
                await HangUpAsync(stray);
            }

            await leg.Media.DisposeAsync();
            return new AgentAnswer(AgentAnswerKind.Dropped, "no longer wanted");
        }

        if (!result.IsAnswered || result.Dialog is not { } dialog)
        {
            await leg.Media.DisposeAsync();
            return new AgentAnswer(AgentAnswerKind.NotAnswered, leg.TimedOut ? "ring timeout" : result.StatusText);
        }

        var negotiated = result.Answer is { } answer ? SdpOfferAnswer.ReadAnswer(answer) : null;
        if (negotiated is null)
        {
            logger.LogWarning("Call {CallId}: {Agent}'s phone answered without a usable SDP answer", callId, leg.AgentId);
            await HangUpAsync(dialog);
            await leg.Media.DisposeAsync();
            return new AgentAnswer(AgentAnswerKind.NotAnswered, "phone answered without usable SDP");
        }

        var (keying, srtpError) = SdesSdp.ReadAnswer(result.Answer!, leg.Srtp.LocalKey, leg.Srtp.Policy);
        if (srtpError is not null)
        {
            logger.LogWarning("Call {CallId}: {Agent}'s phone answered without usable SRTP: {Error}", callId, leg.AgentId, srtpError);
            await HangUpAsync(dialog);
            await leg.Media.DisposeAsync();
            return new AgentAnswer(AgentAnswerKind.NotAnswered, "phone answered without usable SRTP");
        }

        leg.Media.Configure(LegSignalling.ToRemoteMedia(negotiated) with { Srtp = keying });
        leg.Keying = keying;
        if (keying is not null)
        {
            logger.LogInformation("Call {CallId}: {Agent}'s leg uses SRTP ({Suite}, SDES over TLS)", callId, leg.AgentId, keying.CryptoSuite);
        }

        leg.Dialog = dialog;
        return new AgentAnswer(AgentAnswerKind.Answered, "answered");
    }

    public Task PublishNoAnswerAsync(string agentId, string reason) =>
        gateway.Bus.Publish(new AgentNoAnswer
        {
            CallId = callId,
            AgentId = agentId,
            Reason = reason,
            OccurredAt = gateway.Time.GetUtcNow(),
        });

    public Task PublishConnectedAsync(AgentLeg leg, string queue) =>
        gateway.Bus.Publish(new CallConnected
        {
            CallId = callId,
            AgentId = leg.AgentId,
            Queue = queue,
            OccurredAt = gateway.Time.GetUtcNow(),
        });

    private async Task AwaitAsync(AgentLeg leg, Func<AgentLeg, DialResult, Task> settled)
    {
        var result = await leg.Call.Completion;
        if (!mailbox.Post(() => settled(leg, result)) && result.Dialog is { } late)
        {
            // The call ended before the phone's answer could be handled (the 200 reached the stack before our CANCEL):
            // nobody will bridge it, so the agent must not be left in a silent call.
            logger.LogInformation("Call {CallId}: {Agent} answered after the call ended; hanging up", callId, leg.AgentId);
            await HangUpAsync(late);
        }
    }

    private async Task HangUpAsync(IDialogLeg dialog)
    {
        if (await LegSignalling.ByeAsync(dialog) is { } error)
        {
            logger.LogDebug("Call {CallId}: BYE not confirmed: {Error}", callId, error);
        }
    }
}
