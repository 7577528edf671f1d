using System.Threading.Channels;
using ContactCenter.Contracts;
using ContactCenter.Media.Sessions;
using ContactCenter.Sip.Message;
using ContactCenter.Sip.Transactions;
using ContactCenter.Sip.UserAgent;
using ContactCenter.Telephony.Configuration;
using ContactCenter.Telephony.Gateway.Legs;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Telephony.Gateway.Callbacks;

/// <summary>
/// One callback attempt, placed by the gateway as a B2BUA (progressive): the reserved agent's phone rings first; once the
/// agent answers (routing: on call) they hear a short announcement and ringback while the customer is dialled through the
/// outbound trunk that may dial the number; when the customer answers the two legs are bridged. The customer never hears
/// anything before the agent is there. Every ending is an outcome in the history (<see cref="CallEnded"/> with
/// <see cref="CallDirection.Callback"/>): answered, busy, no answer, failed; one that did not reach the customer is retried
/// through the <see cref="CallbackLedger"/> while the queue's attempts last. An agent who does not answer is a missed
/// ring like any other (<see cref="AgentNoAnswer"/>: routing gives the callback to the next agent), not a used attempt.
/// Events are handled one at a time on the session's mailbox, like <see cref="CallSession"/>.
/// </summary>
internal sealed class CallbackSession : IGatewayCall
{
    private readonly GatewayContext gateway;
    private readonly CallbackLedger ledger;
    private readonly ConnectCallToAgent command;
    private readonly CallbackAttempt attempt;
    private readonly QueueCallbackSettings settings;
    private readonly ILogger logger;
    private readonly Channel<Func<Task>> mailbox = Channel.CreateUnbounded<Func<Task>>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TaskCompletionSource finished = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private Phase phase = Phase.Starting;
    private OutboundLeg? agentLeg;
    private OutboundLeg? customerLeg;
    private IMediaBridge? bridge;
    private string? number;
    private string? recordingPath;
    private bool begun;

    public CallbackSession(GatewayContext gateway, CallbackLedger ledger, ConnectCallToAgent command, CallbackAttempt attempt, ILogger logger)
    {
        this.gateway = gateway;
        this.ledger = ledger;
        this.command = command;
        this.attempt = attempt;
        this.logger = logger;
        settings = gateway.Config.CallbackSettings(command.Queue);
    }

    private enum Phase
    {
        Starting,
        RingingAgent,
        DiallingCustomer,
        Connected,
        Ended,
    }

    public Guid CallId => command.CallId;
    public string? Queue => null; // not waiting here: no position announcements
    public DateTimeOffset? QueuedAt => null;
    public Task Finished => finished.Task;

    public void ConnectAgent(ConnectCallToAgent again) => Post(async () =>
    {
        if (!string.Equals(again.AgentId, command.AgentId, StringComparison.OrdinalIgnoreCase))
        {
            logger.LogWarning("Callback {CallId}: asked to ring {Agent} while placing it with {Current}", CallId, again.AgentId, command.AgentId);
            await PublishNoAnswerAsync(again.AgentId, "the callback is already being placed with another agent");
        }
        // The same command again (a redelivery): nothing changes twice.
    });

    public void Divert(DivertQueuedCall divert) =>
        logger.LogDebug("Callback {CallId}: divert ({Action}) ignored, the callback is being placed", CallId, divert.Action);

    public void QueueUpdate(int position, TimeSpan estimatedWait)
    {
        // A callback being placed is not waiting: nothing to announce.
    }

    public void Shutdown() => Post(() => phase is Phase.Starting or Phase.RingingAgent
        ? GiveBackAsync("gateway shutting down")
        : EndAttemptAsync(CallOutcome.Failed, CallParty.System, "gateway shutting down", retryNow: true));

    /// <summary>Places the callback and runs its mailbox until it is over.</summary>
    public async Task RunAsync()
    {
        try
        {
            var loop = RunMailboxAsync();
            Post(StartAsync);
            await loop;
        }
        catch (Exception error)
        {
            logger.LogError(error, "Callback {CallId} failed", CallId);
        }
        finally
        {
            await CleanUpAsync();
            finished.TrySetResult();
        }
    }

    private bool Post(Func<Task> work) => mailbox.Writer.TryWrite(work);

    private async Task RunMailboxAsync()
    {
        await foreach (var work in mailbox.Reader.ReadAllAsync())
        {
            try
            {
                await work();
            }
            catch (Exception error)
            {
                logger.LogError(error, "Callback {CallId}: handling an event failed", CallId);
                await EndAttemptAsync(CallOutcome.Failed, CallParty.System, "gateway error: " + error.GetBaseException().Message, retryNow: false);
            }
        }
    }

    private async Task StartAsync()
    {
        number = DialPlan.Normalise(command.Caller);
        var trunk = number is null ? null : gateway.Config.DialPlan.TrunkFor(number);
        await ledger.BeginAsync(attempt, Template());
        begun = true;
        if (number is null || trunk is null)
        {
            // Nothing to dial with: no agent is rung for it, and another attempt would fail the same way.
            var why = number is null ? $"'{command.Caller}' is not a number that can be dialled" : $"no outbound trunk may dial {number}";
            await EndAttemptAsync(CallOutcome.Failed, CallParty.System, why, retryNow: false, permanent: true);
            return;
        }

        var bindings = gateway.Sip.Registrar.GetBindingsForUser(command.AgentId);
        if (bindings.Count == 0)
        {
            await GiveBackAsync("agent phone not registered");
            return;
        }

        var binding = bindings[0];
        var host = gateway.Sip.Host;
        try
        {
            agentLeg = OutboundLeg.Place(gateway, new OutboundLegRequest
            {
                MediaId = CallId.ToString("N")[..12] + "-cb",
                Target = binding.Contact,
                Destination = AgentPhone.Route(binding),
                From = SipNameAddress.Create(SipUri.Create(AgentPhone.SipUser(number), host), displayName: "Callback"),
                To = SipNameAddress.Create(SipUri.Create(command.AgentId, host)),
                Headers =
                [
                    new("X-ContactCenter-Call", CallId.ToString()),
                    new("X-ContactCenter-Queue", command.Queue),
                    new("X-ContactCenter-Callback", number),
                ],
            });
        }
        catch (InvalidOperationException error)
        {
            await GiveBackAsync("no media port: " + error.Message);
            return;
        }

        phase = Phase.RingingAgent;
        logger.LogInformation("Callback {CallId} (attempt {Attempt}): ringing {Agent} at {Contact} before dialling {Number} via {Trunk}",
            CallId, attempt.Attempt, command.AgentId, binding.Contact, number, trunk.Name);
        var leg = agentLeg;
        _ = AwaitAsync(leg.SetUpAsync(command.RingTimeout), result => OnAgentResultAsync(leg, result, trunk));
    }

    private async Task AwaitAsync(Task<LegResult> setUp, Func<LegResult, Task> then)
    {
        var result = await setUp;
        if (!Post(() => then(result)))
        {
            // The session ended meanwhile: an answered leg must not stay up.
            logger.LogDebug("Callback {CallId}: a leg's result came after the end ({Outcome})", CallId, result.Outcome);
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
        await gateway.Bus.Publish(new CallConnected
        {
            CallId = CallId,
            AgentId = command.AgentId,
            Queue = command.Queue,
            Direction = CallDirection.Callback,
            OccurredAt = gateway.Time.GetUtcNow(),
        });
        gateway.Metrics.CallConnected();
        PlayToAgent(leg.Media);

        var host = gateway.Sip.Host;
        var target = SipUri.Create(number!, trunk.Address.Address.ToString(), trunk.Address.Port);
        try
        {
            customerLeg = OutboundLeg.Place(gateway, new OutboundLegRequest
            {
                MediaId = CallId.ToString("N")[..12] + "-cc",
                Target = target,
                Destination = new SipDestination(trunk.Transport, trunk.Address),
                From = SipNameAddress.Create(SipUri.Create(trunk.CallerId, host), displayName: null),
                To = SipNameAddress.Create(target),
                Headers = [new("X-ContactCenter-Call", CallId.ToString())],
                Credentials = trunk.Credentials,
                OnRinging = () => Post(OnCustomerRingingAsync),
            });
        }
        catch (InvalidOperationException error)
        {
            await EndAttemptAsync(CallOutcome.Failed, CallParty.System, "no media port: " + error.Message, retryNow: false);
            return;
        }

        phase = Phase.DiallingCustomer;
        logger.LogInformation("Callback {CallId}: {Agent} answered; dialling {Number} via {Trunk} as {CallerId}", CallId, command.AgentId, number, trunk.Name, trunk.CallerId);
        var customer = customerLeg;
        _ = AwaitAsync(customer.SetUpAsync(settings.NoAnswer), r => OnCustomerResultAsync(customer, r));
    }

    private Task OnCustomerRingingAsync()
    {
        if (phase == Phase.DiallingCustomer)
        {
            var delay = gateway.Time.GetUtcNow() - command.OccurredAt;
            gateway.Metrics.CallbackRinging(delay);
            logger.LogInformation("Callback {CallId}: {Number} ringing {Delay:F0} ms after {Agent} was reserved", CallId, number, delay.TotalMilliseconds, command.AgentId);
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
            logger.LogDebug("Callback {CallId}: ringback to the agent stopped: {Error}", CallId, error.Message);
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
        phase = Phase.Connected;
        agent.Media.StopPlayback();
        bridge = gateway.Media.Bridge(leg.Media, agent.Media);
        if (command.Record)
        {
            recordingPath = Path.Combine(gateway.RecordingsFolder, $"{gateway.Time.GetUtcNow():yyyyMMdd}-{CallId:N}-callback.wav");
            try
            {
                Directory.CreateDirectory(gateway.RecordingsFolder);
                bridge.StartRecording(recordingPath);
            }
            catch (IOException error)
            {
                logger.LogError("Callback {CallId}: recording could not start: {Error}", CallId, error.Message);
                recordingPath = null;
            }
        }

        logger.LogInformation("Callback {CallId}: {Number} answered; bridged with {Agent}", CallId, number, command.AgentId);
    }

    private async Task WatchAsync(SipDialog dialog, CallParty party)
    {
        var reason = await dialog.Ended;
        if (reason is SipDialogEndReason.RemoteBye or SipDialogEndReason.AckTimeout)
        {
            Post(() => OnLegEndedAsync(dialog, party));
        }
    }

    private Task OnLegEndedAsync(SipDialog dialog, CallParty party)
    {
        if (phase == Phase.Ended)
        {
            return Task.CompletedTask;
        }

        if (party == CallParty.Agent && agentLeg?.Dialog == dialog)
        {
            agentLeg.Dialog = null;
            return phase == Phase.Connected
                ? EndAttemptAsync(CallOutcome.Answered, CallParty.Agent, "agent hung up (BYE)", retryNow: false)
                : EndAttemptAsync(CallOutcome.NoAnswer, CallParty.Agent, "agent hung up before the customer answered", retryNow: false);
        }

        if (party == CallParty.Caller && customerLeg?.Dialog == dialog)
        {
            customerLeg.Dialog = null;
            return EndAttemptAsync(CallOutcome.Answered, CallParty.Caller, "customer hung up (BYE)", retryNow: false);
        }

        return Task.CompletedTask;
    }

    /// <summary>The agent could not be reached: routing gives the callback to the next agent (a missed ring, not a used attempt).</summary>
    private async Task GiveBackAsync(string reason)
    {
        if (phase == Phase.Ended)
        {
            return;
        }

        phase = Phase.Ended;
        agentLeg?.Cancel();
        mailbox.Writer.TryComplete();
        if (begun)
        {
            // Not an attempt on the customer: the same call id may be reserved again, so it is not marked done.
            await ledger.AbandonAsync(attempt);
        }

        await PublishNoAnswerAsync(command.AgentId, reason);
        logger.LogInformation("Callback {CallId}: {Agent} not reached ({Reason}); back to routing", CallId, command.AgentId, reason);
    }

    private async Task EndAttemptAsync(CallOutcome outcome, CallParty endedBy, string reason, bool retryNow, bool permanent = false)
    {
        if (phase == Phase.Ended)
        {
            return;
        }

        var reachedCustomer = phase == Phase.Connected;
        phase = Phase.Ended;
        mailbox.Writer.TryComplete();
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
        DateTimeOffset? retryAt = null;
        if (!reachedCustomer && !permanent)
        {
            if (retryNow)
            {
                retryAt = now;
            }
            else if (attempt.Attempt < settings.Attempts)
            {
                retryAt = now + settings.RetryAfter;
            }
        }

        var next = begun ? await ledger.FinishAsync(attempt, Template(), retryAt) : null;
        await gateway.Bus.Publish(new CallEnded
        {
            CallId = CallId,
            AgentId = command.AgentId,
            Queue = command.Queue,
            IvrPath = command.IvrPath,
            Outcome = outcome,
            EndedBy = endedBy,
            Reason = reason,
            RecordingPath = recordingPath,
            Direction = CallDirection.Callback,
            Dialled = number,
            Attempt = attempt.Attempt,
            RetryAt = next is null ? null : retryAt,
            OccurredAt = now,
        });
        gateway.Metrics.CallEnded(outcome);
        gateway.Metrics.CallbackAttempted(outcome);
        if (next is not null)
        {
            logger.LogInformation("Callback {CallId} attempt {Attempt}: {Outcome} ({Reason}); attempt {Next} due at {Due:O} as {Retry}",
                CallId, attempt.Attempt, outcome, reason, next.Attempt, retryAt, next.CallId);
        }
        else
        {
            var final = reachedCustomer ? "kept" : $"given up after attempt {attempt.Attempt} of {settings.Attempts}";
            logger.LogInformation("Callback {CallId} attempt {Attempt}: {Outcome} ({Reason}); promise {Final}", CallId, attempt.Attempt, outcome, reason, final);
        }
    }

    /// <summary>What a retry is queued as: the same queue, number and wait as this attempt.</summary>
    private CallQueued Template() => new()
    {
        CallId = CallId,
        Queue = command.Queue,
        Caller = command.Caller ?? "",
        GatewayId = gateway.Options.GatewayId,
        IvrPath = command.IvrPath ?? "",
        IsCallback = true,
        CallbackNumber = command.Caller,
        CallbackOf = attempt.Origin,
        Attempt = attempt.Attempt,
        QueuedAt = command.QueuedAt ?? command.OccurredAt,
        OccurredAt = command.OccurredAt,
    };

    private Task PublishNoAnswerAsync(string agentId, string reason) =>
        gateway.Bus.Publish(new AgentNoAnswer
        {
            CallId = CallId,
            AgentId = agentId,
            Reason = reason,
            OccurredAt = gateway.Time.GetUtcNow(),
        });

    private async Task CleanUpAsync()
    {
        mailbox.Writer.TryComplete();
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
