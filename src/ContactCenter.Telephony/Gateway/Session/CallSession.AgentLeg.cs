using ContactCenter.Contracts;
using ContactCenter.Sip.Sdp;
using ContactCenter.Telephony.Ivr;
using ContactCenter.Telephony.Gateway.Legs;
using Microsoft.Extensions.Logging;
using MediaDirection = ContactCenter.Media.Sessions.MediaDirection;
using SdpDirection = ContactCenter.Sip.Sdp.MediaDirection;

namespace ContactCenter.Telephony.Gateway.Session;

/// <summary>Leg B: which agent is rung when, and what their answer means for the call (bridged, or queued again).</summary>
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
                await agentPhone.PublishNoAnswerAsync(command.AgentId, $"call is already {state.ToString().ToLowerInvariant()} with another agent");
            }

            return; // a redelivered command changes nothing twice
        }

        var leg = await agentPhone.RingAsync(command, Caller, l => agentLeg == l && state == CallState.Ringing, OnAgentResultAsync);
        if (leg is null)
        {
            return;
        }

        agentLeg = leg;
        state = CallState.Ringing;
        if (command.Queue.Length > 0)
        {
            queue = command.Queue; // after a transfer to an agent, routing may have picked another queue they serve
        }
    }

    private async Task OnAgentResultAsync(AgentLeg leg, DialResult result)
    {
        var current = agentLeg == leg;
        var answer = await agentPhone.SettleAsync(leg, result, wanted: current && state != CallState.Ended);
        if (answer.Kind != AgentAnswerKind.Answered)
        {
            if (current)
            {
                agentLeg = null;
            }

            if (answer.Kind == AgentAnswerKind.NotAnswered)
            {
                state = CallState.Queued;
                await agentPhone.PublishNoAnswerAsync(leg.AgentId, answer.Reason);
            }

            return;
        }

        var dialog = leg.Dialog!;
        dialog.InfoHandler = request => OnInfo(leg.Media, request);
        dialog.OfferHandler = reOffer => AnswerAgentReInvite(leg, reOffer);
        dialog.ReferHandler = referral => OnReferAsync(leg, referral);
        _ = WatchDialogAsync(dialog, CallParty.Agent);

        state = CallState.Connected;
        connectedAgent = leg.AgentId;
        await Handle(new AgentConnected());
        callerMedia!.StopPlayback();
        bridge = gateway.Media.Bridge(callerMedia, leg.Media);
        if (leg.Record)
        {
            var part = leg.Number > 1 ? $"-{leg.Number}" : "";
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

        await agentPhone.PublishConnectedAsync(leg, queue ?? "");
        gateway.Metrics.CallConnected();
        logger.LogInformation("Call {CallId}: {Agent} answered; legs bridged", CallId, leg.AgentId);
    }

    /// <summary>
    /// A re-INVITE from the agent's phone: answered at once; a hold (our answer recvonly or inactive) or a resume
    /// (sendrecv) is passed on to the caller by the <see cref="HoldRelay"/>.
    /// </summary>
    private ValueTask<SessionDescription?> AnswerAgentReInvite(AgentLeg leg, SessionDescription? offer)
    {
        var answer = AnswerOffer(leg.Media, offer, leg);
        if (answer?.Audio is { } audio)
        {
            if (audio.Direction == SdpDirection.RecvOnly)
            {
                // A held phone often sends nothing (or its own music, which the caller does not hear):
                // expect no RTP from it while held, so the media timeout cannot end a long hold.
                leg.Media.SetDirection(MediaDirection.Inactive);
            }

            Post(() => OnAgentDirection(leg, audio.Direction));
        }

        return ValueTask.FromResult(answer?.Answer);
    }

    private void OnAgentDirection(AgentLeg leg, SdpDirection ours)
    {
        if (agentLeg != leg || state != CallState.Connected)
        {
            return;
        }

        hold?.OnAgentHold(leg.AgentId, held: ours is SdpDirection.RecvOnly or SdpDirection.Inactive);
    }
}
