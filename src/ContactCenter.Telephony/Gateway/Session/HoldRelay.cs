using System.Net;
using ContactCenter.Media.Sessions;
using ContactCenter.Sip.Message;
using ContactCenter.Sip.Sdp;
using ContactCenter.Telephony.Ivr;
using ContactCenter.Telephony.Gateway.Legs;
using Microsoft.Extensions.Logging;
using MediaDirection = ContactCenter.Media.Sessions.MediaDirection;
using SdpDirection = ContactCenter.Sip.Sdp.MediaDirection;

namespace ContactCenter.Telephony.Gateway.Session;

/// <summary>
/// Hold from the agent's phone passed on to the caller's leg. Like a PBX's music on hold, the caller hears the hold music
/// in place of the agent, and the hold is also signalled on the caller's leg (re-INVITE a=sendonly; a=sendrecv on resume)
/// so the trunk and the caller's phone know. One re-INVITE at a time, until the caller's leg reflects the agent's latest
/// wish. Glare (491, or our own re-INVITE still pending) and passing failures (500, 503, no final response) are retried
/// after a random 0.5–2 s (RFC 3261 §14.1: we did not choose the caller leg's Call-ID, so at most 2 s), three tries in
/// all; after that, or on any other refusal, the music alone remains. Runs in the call's mailbox.
/// </summary>
internal sealed class HoldRelay(GatewayContext gateway, CallMailbox mailbox, IDialogLeg dialog, IMediaSession media, LegSdp sdp, Guid callId, ILogger logger)
{
    /// <summary>How long a re-INVITE of the caller's leg may take (a final response is due within 64*T1 = 32 s).</summary>
    private static readonly TimeSpan ReInviteTimeout = TimeSpan.FromSeconds(35);
    private const int Tries = 3;

    private bool reInviteRunning;
    private int failures;
    private ITimer? retryTimer;
    private bool stopped;

    /// <summary>The agent's phone holds the call.</summary>
    public bool AgentHolding { get; private set; }

    /// <summary>The caller's leg was last re-INVITEd (or given up on) for a hold.</summary>
    public bool CallerLegHeld { get; private set; }

    /// <summary>The agent's phone put the caller on hold (a=sendonly or inactive from it) or took them back (sendrecv).</summary>
    public void OnAgentHold(string agentId, bool held)
    {
        if (held == AgentHolding)
        {
            return;
        }

        AgentHolding = held;
        logger.LogInformation("Call {CallId}: {Agent} {Action} the caller", callId, agentId, held ? "put on hold" : "took back");
        if (held)
        {
            PlayMusic();
        }
        else
        {
            media.StopPlayback(); // the bridge relays the agent again
        }

        Sync();
    }

    /// <summary>The agent is gone (a transfer): the caller hears the music while waiting, and a held caller's leg is resumed.</summary>
    public void Release()
    {
        AgentHolding = false;
        media.StopPlayback();
        PlayMusic();
        Sync();
    }

    /// <summary>Music on hold to the caller (looped until stopped), when telephony-config has it.</summary>
    public void PlayMusic()
    {
        if (!gateway.Config.Prompts.Contains(PromptNames.HoldMusic))
        {
            return;
        }

        _ = PlayMusicAsync(gateway.Config.Prompts.PathOf(PromptNames.HoldMusic));
    }

    /// <summary>The call or the caller's leg ended: no more re-INVITEs.</summary>
    public void Stop()
    {
        stopped = true;
        retryTimer?.Dispose();
    }

    private async Task PlayMusicAsync(string path)
    {
        try
        {
            await media.PlayAsync([path], new PlaybackOptions { Loop = true, BargeIn = false });
        }
        catch (Exception error) when (error is IOException or InvalidOperationException or OperationCanceledException or ObjectDisposedException or Media.Audio.MediaFormatException)
        {
            logger.LogWarning("Call {CallId}: music on hold failed: {Error}", callId, error.Message);
        }
    }

    /// <summary>One re-INVITE at a time on the caller's leg, until it reflects the agent's hold state.</summary>
    private void Sync()
    {
        if (reInviteRunning || stopped || AgentHolding == CallerLegHeld)
        {
            return;
        }

        reInviteRunning = true;
        var hold = AgentHolding;
        _ = ReInviteAsync(Offer(hold), hold);
    }

    private SessionDescription Offer(bool hold) =>
        sdp.Offer(gateway, media, hold ? SdpDirection.SendOnly : SdpDirection.SendRecv, dialog.LocalSdp?.Origin);

    private async Task ReInviteAsync(SessionDescription offer, bool hold)
    {
        SipResponse? response = null;
        try
        {
            using var timeout = new CancellationTokenSource(ReInviteTimeout);
            response = await dialog.SendReInviteAsync(offer, timeout.Token);
        }
        catch (Exception error) when (error is OperationCanceledException or InvalidOperationException or IOException or System.Net.Sockets.SocketException)
        {
            logger.LogDebug("Call {CallId}: re-INVITE to the caller failed: {Error}", callId, error.Message);
        }

        mailbox.Post(() => OnReInviteDone(hold, response));
    }

    private void OnReInviteDone(bool hold, SipResponse? response)
    {
        reInviteRunning = false;
        if (stopped)
        {
            return;
        }

        if (response is { IsSuccess: true })
        {
            CallerLegHeld = hold;
            failures = 0;
            if (dialog.RemoteSdp is { } answer && sdp.ReadAnswer(media, answer, out _) is { } negotiated)
            {
                try
                {
                    media.Configure(negotiated.Remote);
                }
                catch (ArgumentException error)
                {
                    logger.LogWarning("Call {CallId}: the caller's answer to the re-INVITE cannot be applied: {Error}", callId, error.Message);
                }
            }

            logger.LogInformation("Call {CallId}: caller's leg {Action}", callId, hold ? "on hold (a=sendonly)" : "resumed (a=sendrecv)");
        }
        else if (++failures < Tries && response?.StatusCode is null or 491 or 500 or 503)
        {
            // Glare (491, or our own re-INVITE still pending) or a passing failure: RFC 3261 §14.1, wait and retry.
            retryTimer?.Dispose();
            retryTimer = mailbox.After(TimeSpan.FromMilliseconds(Random.Shared.Next(500, 2000)), Sync);
            return;
        }
        else
        {
            logger.LogWarning("Call {CallId}: the caller's leg refused the {Action} re-INVITE ({Status}); music on hold only",
                callId, hold ? "hold" : "resume", response?.StatusCode);
            CallerLegHeld = hold;
            failures = 0;
            if (!hold)
            {
                media.SetDirection(MediaDirection.SendRecv);
            }
        }

        Sync(); // the agent may have changed their mind meanwhile
    }
}
