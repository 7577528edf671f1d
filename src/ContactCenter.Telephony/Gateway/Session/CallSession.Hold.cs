using System.Net;
using ContactCenter.Media.Sessions;
using ContactCenter.Sip.Message;
using ContactCenter.Sip.Sdp;
using ContactCenter.Sip.UserAgent;
using ContactCenter.Telephony.Ivr;
using Microsoft.Extensions.Logging;
using MediaDirection = ContactCenter.Media.Sessions.MediaDirection;
using SdpDirection = ContactCenter.Sip.Sdp.MediaDirection;

namespace ContactCenter.Telephony.Gateway.Session;

/// <summary>Hold from the agent's phone passed on to the caller: music on hold and a re-INVITE of the caller's leg.</summary>
internal sealed partial class CallSession
{
    private ValueTask<SessionDescription?> AnswerAgentReInvite(AgentLeg leg, SessionDescription? offer)
    {
        var answer = AnswerOffer(leg.Media, offer);
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

    /// <summary>
    /// The agent's phone holds (a=sendonly or inactive: our answer is recvonly/inactive) or resumes
    /// (sendrecv). Like a PBX's music on hold, the caller hears the hold music in place of the agent, and
    /// the hold is also signalled on the caller's leg (re-INVITE a=sendonly; a=sendrecv on resume) so the
    /// trunk and the caller's phone know; a caller leg that refuses the re-INVITE still gets the music.
    /// </summary>
    private void OnAgentDirection(AgentLeg leg, SdpDirection ours)
    {
        if (agentLeg != leg || state != CallState.Connected)
        {
            return;
        }

        var held = ours is SdpDirection.RecvOnly or SdpDirection.Inactive;
        if (held == agentHolding)
        {
            return;
        }

        agentHolding = held;
        logger.LogInformation("Call {CallId}: {Agent} {Action} the caller", CallId, leg.AgentId, held ? "put on hold" : "took back");
        if (held)
        {
            StartHoldMusic();
        }
        else
        {
            callerMedia?.StopPlayback(); // the bridge relays the agent again
        }

        SyncCallerHold();
    }

    private void StartHoldMusic()
    {
        if (callerMedia is not { } media || !gateway.Config.Prompts.Contains(PromptNames.HoldMusic))
        {
            return;
        }

        _ = PlayHoldMusicAsync(media, gateway.Config.Prompts.PathOf(PromptNames.HoldMusic));
    }

    private async Task PlayHoldMusicAsync(IMediaSession media, string path)
    {
        try
        {
            await media.PlayAsync([path], new PlaybackOptions { Loop = true, BargeIn = false });
        }
        catch (Exception error) when (error is IOException or InvalidOperationException or OperationCanceledException or ObjectDisposedException or Media.Audio.MediaFormatException)
        {
            logger.LogWarning("Call {CallId}: music on hold failed: {Error}", CallId, error.Message);
        }
    }

    /// <summary>One re-INVITE at a time on the caller's leg, until it reflects the agent's hold state.</summary>
    private void SyncCallerHold()
    {
        if (callerReInviteRunning || state == CallState.Ended || callerDialog is not { } dialog || callerMedia is not { } media || agentHolding == callerLegHeld)
        {
            return;
        }

        callerReInviteRunning = true;
        _ = ReInviteCallerAsync(dialog, CallerOffer(dialog, media, agentHolding), agentHolding);
    }

    private SessionDescription CallerOffer(SipDialog dialog, IMediaSession media, bool hold)
    {
        var remote = media.Remote;
        var options = new AudioMediaOptions
        {
            Codecs = [remote?.Codec == Media.Codecs.AudioCodec.Pcma ? AudioCodec.Pcma : AudioCodec.Pcmu],
            TelephoneEvent = remote?.TelephoneEventPayloadType is not null,
            TelephoneEventPayloadType = remote?.TelephoneEventPayloadType ?? 101,
            Direction = hold ? SdpDirection.SendOnly : SdpDirection.SendRecv,
        };
        var origin = dialog.LocalSdp?.Origin;
        return SdpOfferAnswer.CreateOffer(new IPEndPoint(gateway.MediaAddress, media.LocalPort), options, origin?.SessionId ?? 0, (origin?.SessionVersion ?? 0) + 1);
    }

    private async Task ReInviteCallerAsync(SipDialog dialog, SessionDescription offer, bool hold)
    {
        SipResponse? response = null;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(35));
            response = await dialog.SendReInviteAsync(offer, timeout.Token);
        }
        catch (Exception error) when (error is OperationCanceledException or InvalidOperationException or IOException or System.Net.Sockets.SocketException)
        {
            logger.LogDebug("Call {CallId}: re-INVITE to the caller failed: {Error}", CallId, error.Message);
        }

        Post(() => OnCallerReInviteDone(dialog, hold, response));
    }

    private void OnCallerReInviteDone(SipDialog dialog, bool hold, SipResponse? response)
    {
        callerReInviteRunning = false;
        if (state == CallState.Ended || callerDialog != dialog || callerMedia is not { } media)
        {
            return;
        }

        if (response is { IsSuccess: true })
        {
            callerLegHeld = hold;
            callerReInviteFailures = 0;
            if (dialog.RemoteSdp is { } answer && SdpOfferAnswer.ReadAnswer(answer) is { } negotiated)
            {
                media.Configure(ToRemoteMedia(negotiated));
            }

            logger.LogInformation("Call {CallId}: caller's leg {Action}", CallId, hold ? "on hold (a=sendonly)" : "resumed (a=sendrecv)");
        }
        else if (++callerReInviteFailures < 3 && response?.StatusCode is null or 491 or 500 or 503)
        {
            // Glare (491, or our own re-INVITE still pending) or a passing failure: RFC 3261 §14.1, wait and retry.
            holdRetryTimer?.Dispose();
            holdRetryTimer = gateway.Time.CreateTimer(_ => Post(SyncCallerHold), null, TimeSpan.FromMilliseconds(Random.Shared.Next(500, 2000)), Timeout.InfiniteTimeSpan);
            return;
        }
        else
        {
            logger.LogWarning("Call {CallId}: the caller's leg refused the {Action} re-INVITE ({Status}); music on hold only",
                CallId, hold ? "hold" : "resume", response?.StatusCode);
            callerLegHeld = hold;
            callerReInviteFailures = 0;
            if (!hold)
            {
                media.SetDirection(MediaDirection.SendRecv);
            }
        }

        SyncCallerHold(); // the agent may have changed their mind meanwhile
    }
}
