using ContactCenter.Contracts;
using ContactCenter.Media.Sessions;
using ContactCenter.Sip.Message;
using ContactCenter.Sip.UserAgent;
using ContactCenter.Telephony.Configuration;
using ContactCenter.Telephony.Gateway.Legs;
using ContactCenter.Telephony.Gateway.Session;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Telephony.Gateway.Dialling;

/// <summary>
/// A call the gateway places as a B2BUA with the agent first (progressive): a callback or an agent's outbound call. The agent's
/// phone rings first, showing the number to be dialled; once the agent answers (routing: on call) they hear a short
/// announcement and ringback while the customer is dialled through the outbound trunk that may dial the number; when the
/// customer answers the two legs are bridged. The customer never hears anything before the agent is there. Every ending is
/// an outcome in the history (<see cref="CallEnded"/> with the strategy's direction): answered, busy, no answer (the
/// no-answer timer), failed (4xx/5xx/6xx, timeout, no trunk may dial the number). What surrounds the attempt (a callback's
/// ledger and retries, what an unreachable agent means) is the <see cref="IDialStrategy"/>'s.
/// Events are handled one at a time on the session's mailbox, like <see cref="Session.CallSession"/>.
/// </summary>
internal sealed partial class AgentFirstSession : IGatewayCall
{
    private readonly GatewayContext gateway;
    private readonly IDialStrategy plan;
    private readonly ILogger logger;
    private readonly CallMailbox mailbox;
    private readonly PhoneRinger ringer;
    private readonly DtlsCloseGrace dtlsGrace = new();
    private readonly TaskCompletionSource finished = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private Phase phase = Phase.Starting;
    private OutboundLeg? agentLeg;
    private OutboundLeg? customerLeg;
    private IMediaBridge? bridge;
    private string? number;
    private string? recordingPath;

    public AgentFirstSession(GatewayContext gateway, IDialStrategy plan, ILogger logger)
    {
        this.gateway = gateway;
        this.plan = plan;
        this.logger = logger;
        mailbox = new CallMailbox(gateway.Time);
        ringer = new PhoneRinger(gateway, logger);
    }

    private enum Phase
    {
        Starting,
        RingingAgent,
        DiallingCustomer,
        Connected,
        Ended,
    }

    public Guid CallId => plan.CallId;
    public string? Queue => null; // not waiting here: no position announcements
    public DateTimeOffset? QueuedAt => null;
    public Task Finished => finished.Task;

    /// <summary>The session's mailbox (tests hold it to order events).</summary>
    internal CallMailbox Mailbox => mailbox;

    public void ConnectAgent(ConnectCallToAgent again) => Post(() => plan.OnConnectAgainAsync(again));

    public void Divert(DivertQueuedCall divert) =>
        logger.LogDebug("{Kind} {CallId}: divert ({Action}) ignored, the call is being placed", plan.Kind, CallId, divert.Action);

    public void QueueUpdate(int position, TimeSpan estimatedWait)
    {
        // A call being placed is not waiting: nothing to announce.
    }

    public void Shutdown() => Post(() => phase is Phase.Starting or Phase.RingingAgent
        ? GiveBackAsync("gateway shutting down")
        : EndAttemptAsync(CallOutcome.Failed, CallParty.System, "gateway shutting down", retryNow: true));

    /// <summary>Places the call and runs its mailbox until it is over.</summary>
    public async Task RunAsync()
    {
        try
        {
            var loop = mailbox.RunAsync(OnFailedAsync);
            Post(StartAsync);
            await loop;
        }
        catch (Exception error)
        {
            logger.LogError(error, "{Kind} {CallId} failed", plan.Kind, CallId);
        }
        finally
        {
            await CleanUpAsync();
            finished.TrySetResult();
        }
    }

    private bool Post(Func<Task> work) => mailbox.Post(work);

    private async Task OnFailedAsync(Exception error)
    {
        logger.LogError(error, "{Kind} {CallId}: handling an event failed", plan.Kind, CallId);
        await EndAttemptAsync(CallOutcome.Failed, CallParty.System, "gateway error: " + error.GetBaseException().Message, retryNow: false);
    }

    private async Task StartAsync()
    {
        number = DialPlan.Normalise(plan.RawNumber);
        var trunk = number is null ? null : gateway.Config.DialPlan.TrunkFor(number);
        await plan.BeginAsync();
        if (number is null || trunk is null)
        {
            // Nothing to dial with: no agent is rung for it, and another attempt would fail the same way.
            var why = number is null ? $"'{plan.RawNumber}' is not a number that can be dialled" : $"no outbound trunk may dial {number}";
            await EndAttemptAsync(CallOutcome.Failed, CallParty.System, why, retryNow: false, permanent: true);
            return;
        }

        // Every registered phone of the agent rings (a browser and a desk phone alike); the first to answer takes the call.
        var attempt = ringer.Ring(new RingRequest
        {
            User = plan.AgentId,
            Kind = plan.Phone,
            MediaId = CallId.ToString("N")[..12] + "-" + plan.Tag,
            From = SipNameAddress.Create(SipUri.Create(AgentPhone.SipUser(number), gateway.Sip.Host), displayName: plan.AgentDisplayName),
            Headers = plan.AgentHeaders(number),
            LogPrefix = $"{plan.Kind} {CallId}",
        });
        if (attempt.Call is not { } fork)
        {
            await GiveBackAsync(attempt.Reason);
            return;
        }

        agentLeg = OutboundLeg.Ring(gateway, fork);
        phase = Phase.RingingAgent;
        logger.LogInformation("{Kind} {CallId}: ringing {Agent} on {Phones} phone(s) before dialling {Number} via {Trunk}",
            plan.Kind, CallId, plan.AgentId, attempt.Phones, number, trunk.Name);
        var leg = agentLeg;
        _ = AwaitAsync(leg, plan.AgentRingTimeout, result => OnAgentResultAsync(leg, result, trunk));
    }

    private async Task AwaitAsync(OutboundLeg leg, TimeSpan ringTimeout, Func<LegResult, Task> then)
    {
        var result = await leg.SetUpAsync(ringTimeout);
        if (!Post(() => then(result)))
        {
            // The session ended meanwhile (its CANCEL came too late for this answer): an answered leg must not stay up.
            logger.LogDebug("{Kind} {CallId}: a leg's result came after the end ({Outcome})", plan.Kind, CallId, result.Outcome);
            await leg.HangUpAsync();
        }
    }

    private async Task OnAgentResultAsync(OutboundLeg leg, LegResult result, OutboundTrunk trunk)
    {
        if (phase != Phase.RingingAgent || agentLeg != leg)
        {
            await leg.HangUpAsync();
            return;
        }

        if (result.Outcome != LegOutcome.Answered || leg.Dialog is not { } dialog)
        {
            await GiveBackAsync(result.Outcome == LegOutcome.NoAnswer ? "ring timeout" : result.Reason);
            return;
        }

        _ = WatchAsync(dialog, CallParty.Agent);
        WatchMedia(leg, CallParty.Agent);
        await gateway.Bus.Publish(new CallConnected
        {
            CallId = CallId,
            AgentId = plan.AgentId,
            Queue = plan.Queue ?? "",
            Direction = plan.Direction,
            OccurredAt = gateway.Time.GetUtcNow(),
        });
        gateway.Metrics.CallConnected();
        PlayToAgent(leg.Media);

        try
        {
            customerLeg = OutboundLeg.Place(gateway, OutboundLegRequest.ThroughTrunk(
                trunk, number!, gateway.Sip.Host, CallId.ToString("N")[..12] + "-c" + plan.Tag, [new("X-ContactCenter-Call", CallId.ToString())])
                with { OnRinging = () => Post(OnCustomerRingingAsync) });
        }
        catch (InvalidOperationException error)
        {
            await EndAttemptAsync(CallOutcome.Failed, CallParty.System, "no media port: " + error.Message, retryNow: false);
            return;
        }

        phase = Phase.DiallingCustomer;
        logger.LogInformation("{Kind} {CallId}: {Agent} answered; dialling {Number} via {Trunk} as {CallerId}", plan.Kind, CallId, plan.AgentId, number, trunk.Name, trunk.CallerId);
        var customer = customerLeg;
        _ = AwaitAsync(customer, plan.CustomerNoAnswer, r => OnCustomerResultAsync(customer, r));
    }

    private Task OnCustomerRingingAsync()
    {
        if (phase == Phase.DiallingCustomer)
        {
            var delay = gateway.Time.GetUtcNow() - plan.ReservedAt;
            if (plan.Direction == CallDirection.Callback)
            {
                gateway.Metrics.CallbackRinging(delay);
            }

            logger.LogInformation("{Kind} {CallId}: {Number} ringing {Delay:F0} ms after {Agent} was reserved", plan.Kind, CallId, number, delay.TotalMilliseconds, plan.AgentId);
        }

        return Task.CompletedTask;
    }

    private void PlayToAgent(IMediaSession media)
    {
        var prompts = new List<string>(2);
        foreach (var name in (ReadOnlySpan<string>)["callback/agent-intro", "callback/ringback"])
        {
            if (gateway.Config.Prompts.Contains(name))
            {
                prompts.Add(gateway.Config.Prompts.PathOf(name));
            }
        }

        if (prompts.Count > 0)
        {
            _ = PlayAsync(media, prompts);
        }
    }

    private async Task PlayAsync(IMediaSession media, List<string> prompts)
    {
        try
        {
            // The announcement once, then the ringback looped until the customer answers (the bridge stops it).
            var first = await media.PlayAsync([prompts[0]], new PlaybackOptions { Loop = false, BargeIn = false });
            if (first.Outcome == PlaybackOutcome.Completed && prompts.Count > 1)
            {
                await media.PlayAsync([prompts[1]], new PlaybackOptions { Loop = true, BargeIn = false });
            }
        }
        catch (Exception error) when (error is IOException or InvalidOperationException or OperationCanceledException or ObjectDisposedException or Media.Audio.MediaFormatException)
        {
            logger.LogDebug("{Kind} {CallId}: ringback to the agent stopped: {Error}", plan.Kind, CallId, error.Message);
        }
    }

    private async Task OnCustomerResultAsync(OutboundLeg leg, LegResult result)
    {
        if (phase != Phase.DiallingCustomer || customerLeg != leg)
        {
            await leg.HangUpAsync();
            return;
        }

        if (result.Outcome != LegOutcome.Answered || leg.Dialog is not { } dialog || agentLeg is not { } agent)
        {
            var outcome = result.AsCallOutcome();
            await EndAttemptAsync(outcome, CallParty.System, $"customer {result.Reason}", retryNow: false, permanent: !result.IsTransient);
            return;
        }

        _ = WatchAsync(dialog, CallParty.Caller);
        WatchMedia(leg, CallParty.Caller);
        phase = Phase.Connected;
        agent.Media.StopPlayback();
        bridge = gateway.Media.Bridge(leg.Media, agent.Media);
        if (plan.Record)
        {
            recordingPath = Path.Combine(gateway.RecordingsFolder, $"{gateway.Time.GetUtcNow():yyyyMMdd}-{CallId:N}-{plan.Kind.ToLowerInvariant()}.wav");
            try
            {
                Directory.CreateDirectory(gateway.RecordingsFolder);
                bridge.StartRecording(recordingPath);
            }
            catch (IOException error)
            {
                logger.LogError("{Kind} {CallId}: recording could not start: {Error}", plan.Kind, CallId, error.Message);
                recordingPath = null;
            }
        }

        logger.LogInformation("{Kind} {CallId}: {Number} answered; bridged with {Agent}", plan.Kind, CallId, number, plan.AgentId);
    }

    /// <summary>The agent could not be reached: the customer is not dialled (the strategy says what follows).</summary>
    private async Task GiveBackAsync(string reason)
    {
        if (phase == Phase.Ended)
        {
            return;
        }

        phase = Phase.Ended;
        agentLeg?.Cancel();
        mailbox.Complete();
        await plan.AgentNotReachedAsync(reason);
    }

    private async Task EndAttemptAsync(CallOutcome outcome, CallParty endedBy, string reason, bool retryNow, bool permanent = false)
    {
        if (phase == Phase.Ended)
        {
            return;
        }

        var reachedCustomer = phase == Phase.Connected;
        phase = Phase.Ended;
        mailbox.Complete();
        customerLeg?.Cancel();
        if (customerLeg is not null)
        {
            await customerLeg.HangUpAsync();
        }

        if (agentLeg is not null)
        {
            if (agentLeg.Dialog is null)
            {
                agentLeg.Cancel();
            }

            await agentLeg.HangUpAsync();
        }

        if (bridge is { IsRecording: true })
        {
            await bridge.StopRecordingAsync();
        }

        var now = gateway.Time.GetUtcNow();
        var end = await plan.FinishAsync(outcome, reason, reachedCustomer, retryNow, permanent, now);
        await gateway.Bus.Publish(new CallEnded
        {
            CallId = CallId,
            AgentId = plan.AgentId,
            Queue = string.IsNullOrEmpty(plan.Queue) ? null : plan.Queue,
            IvrPath = plan.IvrPath,
            Outcome = outcome,
            EndedBy = endedBy,
            Reason = reason,
            RecordingPath = recordingPath,
            Direction = plan.Direction,
            // An agent's outbound call names what the agent dialled even when it could not be dialled (the history shows it).
            Dialled = number ?? (plan.Direction == CallDirection.Outbound ? plan.RawNumber : null),
            Attempt = end.Attempt,
            RetryAt = end.RetryAt,
            OccurredAt = now,
        });
        gateway.Metrics.CallEnded(outcome);
        if (plan.Direction == CallDirection.Callback)
        {
            gateway.Metrics.CallbackAttempted(outcome);
        }

        logger.LogInformation("{Kind} {CallId}: {Outcome} ({Reason}); {Summary}", plan.Kind, CallId, outcome, reason, end.Summary);
    }

    private async Task CleanUpAsync()
    {
        mailbox.Complete();
        if (bridge is not null)
        {
            await bridge.DisposeAsync();
        }

        if (customerLeg is not null)
        {
            await customerLeg.DisposeAsync();
        }

        if (agentLeg is not null)
        {
            await agentLeg.DisposeAsync();
        }
    }
}
