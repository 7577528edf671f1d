using System.Net;
using ContactCenter.Contracts;
using ContactCenter.Media.Sessions;
using ContactCenter.Sip.Message;
using ContactCenter.Sip.Sdp;
using ContactCenter.Sip.UserAgent;
using ContactCenter.Telephony.Gateway.Legs;
using ContactCenter.Telephony.Ivr;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Telephony.Gateway.Session;

/// <summary>Leg B: the agent's phone rung, its ring timeout, its answer bridged with the caller or its no-answer reported.</summary>
internal sealed partial class CallSession
{
    private async Task ConnectAgentAsync(ConnectCallToAgent command)
    {
        if (state == CallState.Ended)
        {
            // Routing will see our CallEnded; nothing to ring.
            return;
        }

        if (state is CallState.Ringing or CallState.Connected or CallState.External)
        {
            if (agentLeg?.AgentId != command.AgentId)
            {
                logger.LogWarning("Call {CallId}: asked to ring {Agent} while {State} with {Current}", CallId, command.AgentId, state, agentLeg?.AgentId);
                await PublishNoAnswerAsync(command.AgentId, $"call is already {state.ToString().ToLowerInvariant()} with another agent");
            }

            return; // a redelivered command changes nothing twice
        }

        var bindings = gateway.Sip.Registrar.GetBindingsForUser(command.AgentId);
        if (bindings.Count == 0)
        {
            await PublishNoAnswerAsync(command.AgentId, "agent phone not registered");
            return;
        }

        var binding = bindings[0];
        IMediaSession media;
        try
        {
            media = gateway.Media.CreateSession(CallId.ToString("N")[..12] + (agentLegs == 0 ? "-b" : $"-b{agentLegs + 1}"));
        }
        catch (InvalidOperationException error)
        {
            await PublishNoAnswerAsync(command.AgentId, "no media port: " + error.Message);
            return;
        }

        var offer = SdpOfferAnswer.CreateOffer(new IPEndPoint(gateway.MediaAddress, media.LocalPort));
        var host = gateway.Sip.Host;
        var from = SipNameAddress.Create(SipUri.Create(AgentPhone.SipUser(Caller), host), displayName: null);
        var call = gateway.Sip.Call(new SipCallOptions
        {
            Target = binding.Contact,
            Destination = AgentPhone.Route(binding),
            From = from,
            To = SipNameAddress.Create(SipUri.Create(command.AgentId, host)),
            Offer = offer,
            Headers = [new("X-ContactCenter-Call", CallId.ToString()), new("X-ContactCenter-Queue", command.Queue)],
        });

        var leg = new AgentLeg(command.AgentId, media, call, command.Record);
        agentLeg = leg;
        agentLegs++;
        state = CallState.Ringing;
        if (command.Queue.Length > 0)
        {
            queue = command.Queue; // after a transfer to an agent, routing may have picked another queue they serve
        }

        leg.RingTimer = gateway.Time.CreateTimer(_ => Post(() => OnRingTimeout(leg)), null, command.RingTimeout, Timeout.InfiniteTimeSpan);
        _ = AwaitAgentAsync(leg);
        logger.LogInformation("Call {CallId}: ringing {Agent} at {Contact} for up to {Timeout}", CallId, command.AgentId, binding.Contact, command.RingTimeout);
    }

    private void OnRingTimeout(AgentLeg leg)
    {
        if (agentLeg != leg || state != CallState.Ringing)
        {
            return;
        }

        leg.TimedOut = true;
        leg.Call.Cancel();
    }

    private async Task AwaitAgentAsync(AgentLeg leg)
    {
        var result = await leg.Call.Completion;
        Post(() => OnAgentResultAsync(leg, result));
    }

    private async Task OnAgentResultAsync(AgentLeg leg, SipCallResult result)
    {
        leg.RingTimer?.Dispose();
        if (agentLeg != leg)
        {
            if (result.Dialog is { } stray)
            {
                await SafeByeAsync(stray);
            }

            await leg.Media.DisposeAsync();
            return;
        }

        if (!result.IsAnswered || result.Dialog is not { } dialog)
        {
            agentLeg = null;
            await leg.Media.DisposeAsync();
            if (state == CallState.Ended)
            {
                return;
            }

            state = CallState.Queued;
            var reason = leg.TimedOut ? "ring timeout" : $"{result.StatusCode} {result.Response?.ReasonPhrase ?? SipResponse.DefaultReason(result.StatusCode)}";
            await PublishNoAnswerAsync(leg.AgentId, reason);
            return;
        }

        if (state == CallState.Ended)
        {
            await SafeByeAsync(dialog);
            await leg.Media.DisposeAsync();
            agentLeg = null;
            return;
        }

        var negotiated = result.Answer is { } answer ? SdpOfferAnswer.ReadAnswer(answer) : null;
        if (negotiated is null)
        {
            logger.LogWarning("Call {CallId}: {Agent}'s phone answered without a usable SDP answer", CallId, leg.AgentId);
            await SafeByeAsync(dialog);
            await leg.Media.DisposeAsync();
            agentLeg = null;
            state = CallState.Queued;
            await PublishNoAnswerAsync(leg.AgentId, "phone answered without usable SDP");
            return;
        }

        leg.Media.Configure(ToRemoteMedia(negotiated));
        leg.Dialog = dialog;
        dialog.InfoReceived += (_, request) => OnInfo(leg.Media, request);
        dialog.OfferHandler = (_, reOffer) => AnswerAgentReInvite(leg, reOffer);
        dialog.ReferHandler = referral => OnReferAsync(leg, referral);
        _ = WatchDialogAsync(dialog, CallParty.Agent);

        state = CallState.Connected;
        connectedAgent = leg.AgentId;
        await Handle(new AgentConnected());
        callerMedia!.StopPlayback();
        bridge = gateway.Media.Bridge(callerMedia, leg.Media);
        if (leg.Record)
        {
            var part = agentLegs > 1 ? $"-{agentLegs}" : "";
            recordingPath = Path.Combine(gateway.RecordingsFolder, $"{gateway.Time.GetUtcNow():yyyyMMdd}-{CallId:N}{part}.wav");
            try
            {
                Directory.CreateDirectory(gateway.RecordingsFolder);
                bridge.StartRecording(recordingPath);
            }
            catch (IOException error)
            {
                logger.LogError("Call {CallId}: recording could not start: {Error}", CallId, error.Message);
                recordingPath = null;
            }
        }

        await gateway.Bus.Publish(new CallConnected
        {
            CallId = CallId,
            AgentId = leg.AgentId,
            Queue = queue ?? "",
            OccurredAt = gateway.Time.GetUtcNow(),
        });
        gateway.Metrics.CallConnected();
        logger.LogInformation("Call {CallId}: {Agent} answered; legs bridged", CallId, leg.AgentId);
    }

    private Task PublishNoAnswerAsync(string agentId, string reason) =>
        gateway.Bus.Publish(new AgentNoAnswer
        {
            CallId = CallId,
            AgentId = agentId,
            Reason = reason,
            OccurredAt = gateway.Time.GetUtcNow(),
        });

    private sealed class AgentLeg(string agentId, IMediaSession media, OutgoingCall call, bool record)
    {
        public string AgentId { get; } = agentId;
        public IMediaSession Media { get; } = media;
        public OutgoingCall Call { get; } = call;
        public bool Record { get; } = record;
        public ITimer? RingTimer { get; set; }
        public bool TimedOut { get; set; }
        public SipDialog? Dialog { get; set; }
    }
}
