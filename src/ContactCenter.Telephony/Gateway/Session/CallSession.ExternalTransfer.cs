using ContactCenter.Contracts;
using ContactCenter.Media.Sessions;
using ContactCenter.Sip.UserAgent;
using ContactCenter.Telephony.Configuration;
using ContactCenter.Telephony.Gateway.Legs;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Telephony.Gateway.Session;

/// <summary>
/// The IVR's <c>transfer</c> node: a blind transfer of the caller to a number outside, carried out as a B2BUA leg through
/// the outbound trunk that may dial it (checked at start). The caller hears ringback while it is dialled and is bridged
/// with it on answer; busy, no answer and carrier failures end the call with the reason. The caller's leg stays ours, so
/// either side's BYE ends both.
/// </summary>
internal sealed partial class CallSession
{
    private static readonly TimeSpan ExternalRingTimeout = TimeSpan.FromSeconds(60);
    private OutboundLeg? externalLeg;
    private string? externalNumber;

    private async Task TransferOutAsync(string target)
    {
        var number = DialPlan.Normalise(target);
        var trunk = number is null ? null : gateway.Config.DialPlan.TrunkFor(number);
        if (number is null || trunk is null)
        {
            // telephony-config is checked at start, so this is a config changed under a running gateway.
            await EndAsync(CallParty.System, $"transfer to {target}: no outbound trunk may dial it", CallOutcome.Overflowed);
            return;
        }

        try
        {
            externalLeg = OutboundLeg.Place(gateway, OutboundLegRequest.ThroughTrunk(
                trunk, number, gateway.Sip.Host, CallId.ToString("N")[..12] + "-x",
                [new("X-ContactCenter-Call", CallId.ToString()), new("X-ContactCenter-Caller", AgentPhone.SipUser(Caller))]));
        }
        catch (InvalidOperationException error)
        {
            await EndAsync(CallParty.System, $"transfer to {number}: no media port ({error.Message})", CallOutcome.Overflowed);
            return;
        }

        state = CallState.External;
        externalNumber = number;
        transferPath += ">transfer>" + number;
        if (callerMedia is { } media && gateway.Config.Prompts.Contains("callback/ringback"))
        {
            _ = PlayRingbackAsync(media, gateway.Config.Prompts.PathOf("callback/ringback"));
        }

        logger.LogInformation("Call {CallId}: IVR transfers the caller to {Number} via {Trunk}", CallId, number, trunk.Name);
        var leg = externalLeg;
        _ = AwaitExternalAsync(leg);
    }

    private async Task PlayRingbackAsync(IMediaSession media, string path)
    {
        try
        {
            await media.PlayAsync([path], new PlaybackOptions { Loop = true, BargeIn = false });
        }
        catch (Exception error) when (error is IOException or InvalidOperationException or OperationCanceledException or ObjectDisposedException or Media.Audio.MediaFormatException)
        {
            logger.LogDebug("Call {CallId}: ringback stopped: {Error}", CallId, error.Message);
        }
    }

    private async Task AwaitExternalAsync(OutboundLeg leg)
    {
        var result = await leg.SetUpAsync(ExternalRingTimeout);
        if (!Post(() => OnExternalResultAsync(leg, result)))
        {
            await leg.HangUpAsync();
        }
    }

    private async Task OnExternalResultAsync(OutboundLeg leg, LegResult result)
    {
        if (state != CallState.External || externalLeg != leg)
        {
            await leg.HangUpAsync();
            return;
        }

        if (result.Outcome != LegOutcome.Answered || leg.Dialog is not { } dialog || callerMedia is not { } media)
        {
            await EndAsync(CallParty.System, $"transfer to {externalNumber}: {result.Reason}", CallOutcome.Overflowed);
            return;
        }

        media.StopPlayback();
        bridge = gateway.Media.Bridge(media, leg.Media);
        _ = WatchExternalAsync(leg, dialog);
        logger.LogInformation("Call {CallId}: {Number} answered the transfer; bridged with the caller", CallId, externalNumber);
    }

    private async Task WatchExternalAsync(OutboundLeg leg, IDialogLeg dialog)
    {
        var reason = await dialog.Ended;
        if (LegSignalling.PeerLeft(reason))
        {
            Post(async () =>
            {
                if (externalLeg == leg && state == CallState.External)
                {
                    leg.Dialog = null;
                    await EndAsync(CallParty.System, $"transferred to {externalNumber}, who hung up", CallOutcome.Overflowed);
                }
            });
        }
    }

    private async Task EndExternalLegAsync()
    {
        if (externalLeg is not { } leg)
        {
            return;
        }

        if (leg.Dialog is null)
        {
            leg.Cancel();
        }

        await leg.HangUpAsync();
    }
}
