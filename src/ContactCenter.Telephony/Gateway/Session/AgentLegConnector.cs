using ContactCenter.Contracts;
using ContactCenter.Media.Sessions;
using ContactCenter.Sip.Message;
using ContactCenter.Sip.Sdp;
using ContactCenter.Sip.UserAgent;
using ContactCenter.Telephony.Gateway.Legs;
using Microsoft.Extensions.Logging;
using SdpDirection = ContactCenter.Sip.Sdp.MediaDirection;

namespace ContactCenter.Telephony.Gateway.Session;

/// <summary>
/// One attempt to reach an agent for a call (leg B): every registered phone rung at once (<see cref="ForkedDial"/>), its ring
/// timer, and once a phone answered, that phone's media, SDP kind and dialog.
/// </summary>
internal sealed class AgentLeg(string agentId, int number, ForkedDial call, bool record)
{
    public string AgentId { get; } = agentId;
    /// <summary>1 for the call's first agent leg, 2 for the next (after a transfer or a missed ring)...</summary>
    public int Number { get; } = number;
    /// <summary>The answering phone's media (the first phone's while ringing).</summary>
    public IMediaSession Media => Call.Current.Media;
    /// <summary>How the answering phone's SDP is written and read (plain RTP or WebRTC).</summary>
    public LegSdp Sdp => Call.Current.Sdp;
    public ForkedDial Call { get; } = call;
    public bool Record { get; } = record;
    public ITimer? RingTimer { get; set; }
    /// <summary>The ring timer fired and cancelled the INVITE.</summary>
    public bool TimedOut { get; set; }
    /// <summary>The dialog once answered; null again when it ended.</summary>
    public IDialogLeg? Dialog { get; set; }
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
        var registered = gateway.Sip.BindingsFor(command.AgentId);
        var bindings = AgentPhone.Ringable(registered, command.Phone);
        if (bindings.Count == 0)
        {
            await PublishNoAnswerAsync(command.AgentId, AgentPhone.NothingToRing(registered, command.Phone));
            return null;
        }

        // Every registered phone rings (a browser and a desk phone alike); the first to answer takes the call.
        var mediaId = callId.ToString("N")[..12] + (placed == 0 ? "-b" : $"-b{placed + 1}");
        var forks = new List<PhoneFork>(bindings.Count);
        var host = gateway.Sip.Host;
        foreach (var binding in bindings)
        {
            if (LegSdp.ForPhone(binding, command.AgentId, gateway.Options) is not { } sdp)
            {
                logger.LogWarning("Call {CallId}: {Agent}'s phone at {Contact} not rung: SRTP is required for it and it is not registered over TLS", callId, command.AgentId, binding.Contact);
                continue;
            }

            IMediaSession media;
            try
            {
                media = sdp.Open(gateway, forks.Count == 0 ? mediaId : $"{mediaId}.{forks.Count + 1}");
            }
            catch (InvalidOperationException error)
            {
                if (forks.Count == 0)
                {
                    await PublishNoAnswerAsync(command.AgentId, "no media port: " + error.Message);
                    return null;
                }

                logger.LogWarning("Call {CallId}: {Agent}'s phone at {Contact} not rung: no media port ({Error})", callId, command.AgentId, binding.Contact, error.Message);
                break;
            }

            BrowserMediaSetup.Watch(gateway, sdp, media, logger);
            var call = gateway.Sip.Dial(new SipCallOptions
            {
                Target = binding.Contact,
                Destination = AgentPhone.Route(binding),
                From = SipNameAddress.Create(SipUri.Create(AgentPhone.SipUser(caller), host), displayName: null),
                To = SipNameAddress.Create(SipUri.Create(command.AgentId, host)),
                Offer = sdp.Offer(gateway, media, SdpDirection.SendRecv),
                Headers = [new("X-ContactCenter-Call", callId.ToString()), new("X-ContactCenter-Queue", command.Queue)],
            });
            forks.Add(new PhoneFork(binding, sdp, media, call));
            logger.LogInformation("Call {CallId}: ringing {Agent} at {Contact} ({Kind}) for up to {Timeout}", callId, command.AgentId, binding.Contact, sdp.Kind, command.RingTimeout);
        }

        if (forks.Count == 0)
        {
            await PublishNoAnswerAsync(command.AgentId, "SRTP is required for this agent's phone and it is not registered over TLS");
            return null;
        }

        var leg = new AgentLeg(command.AgentId, ++placed, new ForkedDial(forks, logger), command.Record);
        leg.RingTimer = mailbox.After(command.RingTimeout, () =>
        {
            if (stillRinging(leg))
            {
                leg.TimedOut = true;
                leg.Call.Cancel();
            }
        });
        _ = AwaitAsync(leg, settled);
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
                await leg.Media.DisposeAsync();
            }

            return new AgentAnswer(AgentAnswerKind.Dropped, "no longer wanted");
        }

        if (!result.IsAnswered || result.Dialog is not { } dialog)
        {
            // No phone answered: the fork disposed every phone's media as its INVITE ended.
            return new AgentAnswer(AgentAnswerKind.NotAnswered, leg.TimedOut ? "ring timeout" : result.StatusText);
        }

        string? unusable = "no SDP in the answer";
        var negotiated = result.Answer is { } answer ? leg.Sdp.ReadAnswer(leg.Media, answer, out unusable) : null;
        if (negotiated is not null)
        {
            try
            {
                leg.Media.Configure(negotiated.Remote);
                if (negotiated.Remote.Srtp is SdesSrtpKeying sdes)
                {
                    logger.LogInformation("Call {CallId}: {Agent}'s leg uses SRTP ({Suite}, SDES over TLS)", callId, leg.AgentId, sdes.CryptoSuite);
                }
            }
            catch (ArgumentException error)
            {
                unusable = error.Message;
                negotiated = null;
            }
        }

        if (negotiated is null)
        {
            logger.LogWarning("Call {CallId}: {Agent}'s phone answered without a usable SDP answer: {Error}", callId, leg.AgentId, unusable);
            await HangUpAsync(dialog);
            await leg.Media.DisposeAsync();
            return new AgentAnswer(AgentAnswerKind.NotAnswered, "phone answered without usable SDP: " + unusable);
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
            await leg.Media.DisposeAsync();
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
