using System.Net;
using ContactCenter.Contracts;
using ContactCenter.Media.Mixing;
using ContactCenter.Media.Sessions;
using ContactCenter.Sip.Message;
using ContactCenter.Sip.Sdp;
using ContactCenter.Sip.UserAgent;
using ContactCenter.Telephony.Gateway.Legs;
using ContactCenter.Telephony.Gateway.Monitoring;
using Microsoft.Extensions.Logging;
using SdpDirection = ContactCenter.Sip.Sdp.MediaDirection;

namespace ContactCenter.Telephony.Gateway.Session;

/// <summary>
/// A supervisor in the call (issue 18, ADR 0016): their registered phone is rung and, once answered, its media joins the
/// call's bridge with the mix matrix of the mode (<see cref="MonitorMatrix"/>). The mode changes from the board
/// (<see cref="MonitorCall"/>) or by DTMF 4/5/6 from the supervisor's phone; take-over makes the supervisor the call's
/// agent. One supervisor per call at a time. Every step is published as <see cref="MonitoringChanged"/> (the audit).
/// </summary>
internal sealed partial class CallSession : IMonitoredCall
{
    private SupervisorLeg? supervisor;

    public string? ConnectedAgentId => Volatile.Read(ref connectedAgent);

    public void Monitor(MonitorCall command)
    {
        if (!Post(() => MonitorAsync(command)))
        {
            logger.LogDebug("Call {CallId}: monitoring request from {Supervisor} came after the call ended", CallId, command.SupervisorId);
        }
    }

    private async Task MonitorAsync(MonitorCall command)
    {
        if (supervisor is { } current && string.Equals(current.SupervisorId, command.SupervisorId, StringComparison.OrdinalIgnoreCase))
        {
            if (command.Mode == MonitorMode.Leave)
            {
                if (current.TookOver)
                {
                    await RefuseAsync(command, "the supervisor has taken the call over: hang up the phone to end it");
                    return;
                }

                await EndMonitoringAsync(current, "left from the board", hangUp: true);
                return;
            }

            if (current.Dialog is null)
            {
                current.Mode = command.Mode; // still ringing: applied on answer
                return;
            }

            await SwitchModeAsync(current, command.Mode, "board");
            return;
        }

        if (command.Mode == MonitorMode.Leave)
        {
            return; // nothing to leave: a repeat of a Leave already carried out
        }

        if (state != CallState.Connected || bridge is null || agentLeg is null
            || !string.Equals(connectedAgent, command.AgentId, StringComparison.OrdinalIgnoreCase))
        {
            await RefuseAsync(command, $"{command.AgentId} is not connected on this call");
            return;
        }

        if (supervisor is { } other)
        {
            await RefuseAsync(command, $"{other.SupervisorId} is already in this call");
            return;
        }

        await RingSupervisorAsync(command);
    }

    private async Task RingSupervisorAsync(MonitorCall command)
    {
        // Every registered phone of the supervisor rings (a browser and a desk phone alike); the first to answer takes it.
        var attempt = new PhoneRinger(gateway, logger).Ring(new RingRequest
        {
            User = command.SupervisorId,
            MediaId = CallId.ToString("N")[..12] + "-s",
            From = SipNameAddress.Create(SipUri.Create("monitor-" + command.AgentId, gateway.Sip.Host), displayName: "Monitor " + command.AgentId),
            Headers = [new("X-ContactCenter-Call", CallId.ToString()), new("X-ContactCenter-Monitor", command.AgentId)],
            LogPrefix = $"Call {CallId}",
        });
        if (attempt.Call is not { } call)
        {
            await RefuseAsync(command, attempt.Refusal == RingRefusal.NotRegistered ? $"{command.SupervisorId}'s phone is not registered" : attempt.Reason);
            return;
        }

        var leg = new SupervisorLeg(Guid.NewGuid(), command.SupervisorId, command.AgentId, call, command.Mode);
        supervisor = leg;
        leg.RingTimer = mailbox.After(SupervisorLeg.RingTimeout, () =>
        {
            if (supervisor == leg && leg.Dialog is null)
            {
                leg.Call.Cancel();
            }
        });
        _ = AwaitSupervisorAsync(leg);
        await PublishMonitoringAsync(leg, MonitoringPhase.Ringing, "board");
        logger.LogInformation("Call {CallId}: ringing supervisor {Supervisor} on {Phones} phone(s) to {Mode} {Agent}", CallId, leg.SupervisorId, attempt.Phones, leg.Mode, leg.AgentId);
    }

    private async Task AwaitSupervisorAsync(SupervisorLeg leg)
    {
        var result = await leg.Call.Completion;
        if (!mailbox.Post(() => OnSupervisorAnsweredAsync(leg, result)))
        {
            if (result.Dialog is { } late)
            {
                await SafeByeAsync(late);
            }

            await leg.Media.DisposeAsync();
        }
    }

    private async Task OnSupervisorAnsweredAsync(SupervisorLeg leg, DialResult result)
    {
        leg.RingTimer?.Dispose();
        string? unusable = "no SDP in the answer";
        var negotiated = result.IsAnswered && result.Answer is { } answer ? leg.Sdp.ReadAnswer(leg.Media, answer, out unusable) : null;
        if (supervisor != leg || state != CallState.Connected || bridge is null || agentLeg is null || negotiated is null || result.Dialog is null)
        {
            if (result.Dialog is { } stray)
            {
                await SafeByeAsync(stray);
            }

            await leg.Media.DisposeAsync();
            if (supervisor == leg)
            {
                supervisor = null;
                var why = !result.IsAnswered ? $"supervisor's phone did not answer ({result.StatusText})"
                    : negotiated is null ? "supervisor's phone answered without usable SDP"
                    : "the call is no longer connected to the agent";
                await PublishMonitoringAsync(leg, MonitoringPhase.Ended, why);
            }

            return;
        }

        var dialog = result.Dialog;
        leg.Media.Configure(negotiated.Remote);
        leg.Dialog = dialog;
        dialog.InfoHandler = request => OnInfo(leg.Media, request);
        dialog.OfferHandler = reOffer => ValueTask.FromResult(AnswerOffer(leg.Sdp, leg.Media, reOffer)?.Answer);
        leg.Media.DtmfReceived += (_, e) => Post(() => OnSupervisorDigitAsync(leg, e.Digit));
        _ = WatchSupervisorAsync(leg, dialog);

        var wanted = leg.Mode;
        leg.Mode = wanted == MonitorMode.TakeOver ? MonitorMode.Listen : wanted;
        bridge.Join(leg.Media, MonitorMatrix.For(leg.Mode, callerMedia!, agentLeg.Media, leg.Media));
        leg.Joined = true;
        await PublishMonitoringAsync(leg, MonitoringPhase.Started, "answered");
        logger.LogInformation("Call {CallId}: supervisor {Supervisor} joined in {Mode}", CallId, leg.SupervisorId, leg.Mode);
        if (wanted == MonitorMode.TakeOver)
        {
            await TakeOverAsync(leg, "board");
        }
    }

    private async Task OnSupervisorDigitAsync(SupervisorLeg leg, char digit)
    {
        if (supervisor != leg || leg.Dialog is null || leg.TookOver || MonitorMatrix.ForDigit(digit) is not { } mode)
        {
            return;
        }

        await SwitchModeAsync(leg, mode, $"DTMF {digit}");
    }

    private async Task SwitchModeAsync(SupervisorLeg leg, MonitorMode mode, string how)
    {
        if (leg.TookOver || mode == leg.Mode || bridge is null || agentLeg is null)
        {
            return;
        }

        if (mode == MonitorMode.TakeOver)
        {
            await TakeOverAsync(leg, how);
            return;
        }

        bridge.SetMix(MonitorMatrix.For(mode, callerMedia!, agentLeg.Media, leg.Media));
        leg.Mode = mode;
        await PublishMonitoringAsync(leg, MonitoringPhase.ModeChanged, how);
        logger.LogInformation("Call {CallId}: supervisor {Supervisor} now in {Mode} ({How})", CallId, leg.SupervisorId, mode, how);
    }

    /// <summary>
    /// The supervisor becomes the call's agent: the agent's leg leaves the bridge (the caller and the supervisor hear each
    /// other; the recording goes on in the same file with the supervisor on the agent's side) and is hung up;
    /// <see cref="CallTakenOver"/> puts the agent in wrap-up; the call's end names the supervisor.
    /// </summary>
    private async Task TakeOverAsync(SupervisorLeg leg, string how)
    {
        var previous = agentLeg!;
        bridge!.Leave(previous.Media, new MixMatrix().HearEachOther(callerMedia!, leg.Media));
        var dialog = leg.Dialog!;
        var taken = new AgentLeg(leg.SupervisorId, previous.Number + 1, leg.Call, previous.Record) { Dialog = dialog };
        dialog.OfferHandler = reOffer => AnswerAgentReInvite(taken, reOffer);
        dialog.ReferHandler = referral => OnReferAsync(taken, referral);
        var previousDialog = previous.Dialog;
        previous.Dialog = null;
        agentLeg = taken;
        Volatile.Write(ref connectedAgent, leg.SupervisorId);
        leg.TookOver = true;
        leg.Mode = MonitorMode.TakeOver;
        var now = gateway.Time.GetUtcNow();
        await gateway.Bus.Publish(new CallTakenOver { CallId = CallId, AgentId = previous.AgentId, SupervisorId = leg.SupervisorId, OccurredAt = now });
        await PublishMonitoringAsync(leg, MonitoringPhase.ModeChanged, how);
        logger.LogInformation("Call {CallId}: supervisor {Supervisor} took the call over from {Agent}", CallId, leg.SupervisorId, previous.AgentId);
        _ = ReleaseTakenOverLegAsync(previousDialog, previous.Media);
    }

    private async Task ReleaseTakenOverLegAsync(IDialogLeg? dialog, IMediaSession media)
    {
        if (dialog is not null && dialog.State != SipDialogState.Terminated)
        {
            await SafeByeAsync(dialog);
        }

        await media.DisposeAsync();
    }

    private async Task WatchSupervisorAsync(SupervisorLeg leg, IDialogLeg dialog)
    {
        var reason = await dialog.Ended;
        if (LegSignalling.PeerLeft(reason))
        {
            Post(() => OnSupervisorLegEndedAsync(leg, dialog, reason));
        }
    }

    private async Task OnSupervisorLegEndedAsync(SupervisorLeg leg, IDialogLeg dialog, SipDialogEndReason reason)
    {
        if (state == CallState.Ended || leg.Dialog != dialog)
        {
            return;
        }

        var why = $"supervisor hung up ({LegSignalling.HowPeerLeft(reason)})";
        if (leg.TookOver)
        {
            // The supervisor is the call's agent now: as when an agent hangs up.
            leg.Dialog = null;
            if (agentLeg?.Dialog == dialog)
            {
                agentLeg.Dialog = null;
            }

            await EndAsync(CallParty.Agent, why, CallOutcome.Answered);
            return;
        }

        leg.Dialog = null;
        await EndMonitoringAsync(leg, why, hangUp: false);
    }

    /// <summary>The supervisor's leg ends; the call goes on as it was (the bridge relays the two legs again).</summary>
    private async Task EndMonitoringAsync(SupervisorLeg leg, string reason, bool hangUp)
    {
        if (supervisor != leg)
        {
            return;
        }

        supervisor = null;
        leg.RingTimer?.Dispose();
        if (leg.Joined && bridge is not null)
        {
            try
            {
                bridge.Leave(leg.Media);
            }
            catch (InvalidOperationException error)
            {
                logger.LogDebug("Call {CallId}: supervisor's leg was not on the bridge: {Error}", CallId, error.Message);
            }
        }

        if (leg.Dialog is { } dialog)
        {
            leg.Dialog = null;
            if (hangUp)
            {
                await SafeByeAsync(dialog);
            }
        }
        else if (!leg.Joined)
        {
            leg.Call.Cancel(); // still ringing: its result arrives later and is hung up there
        }

        if (leg.Joined)
        {
            await leg.Media.DisposeAsync();
        }

        await PublishMonitoringAsync(leg, MonitoringPhase.Ended, reason);
        logger.LogInformation("Call {CallId}: supervisor {Supervisor} left ({Reason})", CallId, leg.SupervisorId, reason);
    }

    /// <summary>
    /// The call ends (or the agent transferred it): a supervisor still listening is hung up too; one who took the call over
    /// is the call's agent leg (hung up with the call), and their session ends with it.
    /// </summary>
    private async Task EndMonitoringWithCallAsync(string reason)
    {
        if (supervisor is not { } leg)
        {
            return;
        }

        if (!leg.TookOver)
        {
            await EndMonitoringAsync(leg, reason, hangUp: true);
            return;
        }

        supervisor = null;
        await PublishMonitoringAsync(leg, MonitoringPhase.Ended, reason);
    }

    private Task RefuseAsync(MonitorCall command, string reason)
    {
        logger.LogInformation("Call {CallId}: monitoring of {Agent} by {Supervisor} refused: {Reason}", CallId, command.AgentId, command.SupervisorId, reason);
        return gateway.Bus.Publish(new MonitoringChanged
        {
            MonitoringId = Guid.NewGuid(),
            Sequence = 1,
            CallId = CallId,
            AgentId = command.AgentId,
            SupervisorId = command.SupervisorId,
            Mode = command.Mode,
            Phase = MonitoringPhase.Refused,
            Reason = reason,
            OccurredAt = gateway.Time.GetUtcNow(),
        });
    }

    private Task PublishMonitoringAsync(SupervisorLeg leg, MonitoringPhase phase, string reason) =>
        gateway.Bus.Publish(new MonitoringChanged
        {
            MonitoringId = leg.MonitoringId,
            Sequence = leg.NextSequence(),
            CallId = CallId,
            AgentId = leg.AgentId,
            SupervisorId = leg.SupervisorId,
            Mode = leg.Mode,
            Phase = phase,
            Reason = reason,
            OccurredAt = gateway.Time.GetUtcNow(),
        });
}
