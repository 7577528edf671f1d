using ContactCenter.Contracts;
using ContactCenter.Media.Sessions;
using ContactCenter.Sip.Message;
using ContactCenter.Sip.UserAgent;
using ContactCenter.Telephony.Gateway.Legs;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Telephony.Gateway.Session;

/// <summary>Blind transfer (REFER) from the agent's phone.</summary>
internal sealed partial class CallSession
{
    /// <summary>A REFER from the agent's phone: handled in the call's mailbox; the stack gets its answer before this completes.</summary>
    private Task OnReferAsync(AgentLeg leg, IReferral referral)
    {
        var handled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var posted = Post(async () =>
        {
            try
            {
                await TransferAsync(leg, referral);
            }
            finally
            {
                handled.TrySetResult();
            }
        });
        if (!posted)
        {
            referral.Reject(481, "Call Does Not Exist");
            return Task.CompletedTask;
        }

        return handled.Task;
    }

    /// <summary>
    /// Blind transfer (RFC 3515, like Asterisk's): the Refer-To user names a queue of telephony-config or a
    /// registered agent. Unknown → 404 to the REFER and the call stays with the agent. Known → 202, the
    /// agent's leg is detached (NOTIFY 100 Trying, NOTIFY 200 OK terminating the subscription, then BYE),
    /// the caller hears hold music, and <see cref="CallTransferred"/> asks routing to queue the same call
    /// again; the next <see cref="ConnectCallToAgent"/> rings the new agent as usual.
    /// </summary>
    private async Task TransferAsync(AgentLeg leg, IReferral referral)
    {
        if (state != CallState.Connected || agentLeg != leg || leg.Dialog is not { } dialog || dialog != referral.Dialog)
        {
            referral.Reject(481, "Call Does Not Exist");
            return;
        }

        var target = referral.Target;
        if (!string.IsNullOrEmpty(target.Headers) && target.Headers.Contains("Replaces", StringComparison.OrdinalIgnoreCase))
        {
            referral.Reject(501, "Attended Transfer Not Implemented");
            return;
        }

        var user = target.User is { Length: > 0 } u ? SipUri.Unescape(u) : "";
        var targetQueue = gateway.Config.Queues.FirstOrDefault(q => string.Equals(q, user, StringComparison.OrdinalIgnoreCase));
        string? targetAgent = null;
        if (targetQueue is null)
        {
            if (user.Length == 0 || gateway.Sip.BindingsFor(user).Count == 0)
            {
                logger.LogInformation("Call {CallId}: {Agent} asked to transfer to {Target}: no such queue or registered agent", CallId, leg.AgentId, target);
                referral.Reject(404, "No Such Queue Or Agent");
                return;
            }

            targetAgent = user;
            if (string.Equals(targetAgent, leg.AgentId, StringComparison.OrdinalIgnoreCase))
            {
                referral.Reject(403, "Transfer To Yourself");
                return;
            }
        }

        if (!referral.Accept())
        {
            return;
        }

        var now = gateway.Time.GetUtcNow();
        var targetName = targetQueue ?? targetAgent!;
        await EndMonitoringWithCallAsync($"{leg.AgentId} transferred the call");
        transferPath += ">transfer>" + targetName;
        agentLeg = null;
        leg.Dialog = null;
        connectedAgent = null;
        if (bridge is not null)
        {
            await bridge.DisposeAsync(); // stops a recording; the next agent's bridge may start another
            bridge = null;
        }

        state = CallState.Queued;
        queue = targetQueue ?? queue ?? "";
        QueuedAt = now;
        hold?.Release(); // music while waiting; a caller the agent held first is taken off hold for the next agent

        await gateway.Bus.Publish(new CallTransferred
        {
            CallId = CallId,
            AgentId = leg.AgentId,
            Queue = queue,
            TargetAgentId = targetAgent,
            Caller = Caller,
            GatewayId = gateway.Options.GatewayId,
            IvrPath = IvrPath,
            Skills = queuedAs?.Skills ?? [],
            Priority = queuedAs?.Priority ?? 0,
            CustomerId = queuedAs?.CustomerId,
            Tier = queuedAs?.Tier ?? CustomerTier.Standard,
            OccurredAt = now,
        });
        gateway.Metrics.CallTransferred();
        logger.LogInformation("Call {CallId}: {Agent} transferred the call to {Target}; waiting in {Queue}", CallId, leg.AgentId, targetName, queue);
        _ = ReleaseTransferringLegAsync(referral, dialog, leg.Media);
    }

    /// <summary>RFC 3515 §2.4.5: report the outcome (100, then 200 ending the subscription), then hang up the agent's leg.</summary>
    private async Task ReleaseTransferringLegAsync(IReferral referral, IDialogLeg dialog, IMediaSession media)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await referral.NotifyAsync(100, "Trying", final: false, timeout.Token);
            await referral.NotifyAsync(200, "OK", final: true, timeout.Token);
        }
        catch (Exception error) when (error is OperationCanceledException or InvalidOperationException or IOException or System.Net.Sockets.SocketException)
        {
            logger.LogDebug("Call {CallId}: transfer NOTIFY not confirmed: {Error}", CallId, error.Message);
        }

        if (dialog.State != SipDialogState.Terminated)
        {
            await SafeByeAsync(dialog);
        }

        await media.DisposeAsync();
    }
}
