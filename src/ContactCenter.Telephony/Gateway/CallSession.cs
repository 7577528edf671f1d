using System.Net;
using System.Threading.Channels;
using ContactCenter.Contracts;
using ContactCenter.Media.Dtmf;
using ContactCenter.Media.Sessions;
using ContactCenter.Sip.Message;
using ContactCenter.Sip.Sdp;
using ContactCenter.Sip.Transactions;
using ContactCenter.Sip.UserAgent;
using ContactCenter.Telephony.Gateway.Legs;
using ContactCenter.Telephony.Gateway.Voicemail;
using ContactCenter.Telephony.Ivr;
using MassTransit;
using Microsoft.Extensions.Logging;
using MediaDirection = ContactCenter.Media.Sessions.MediaDirection;
using SdpDirection = ContactCenter.Sip.Sdp.MediaDirection;

namespace ContactCenter.Telephony.Gateway;

/// <summary>
/// One customer call as a back-to-back user agent: leg A from the trunk (answered by us, IVR and
/// queue on its media), then leg B to the agent's registered phone, bridged on answer. Every
/// event — SIP, media, timers, bus replies — is posted to the call's own mailbox and handled one
/// at a time, so the state below needs no locks and no thread is held per call.
/// </summary>
internal sealed partial class CallSession : IGatewayCall
{
    private readonly GatewayContext gateway;
    private readonly IncomingCall incoming;
    private readonly IvrSession ivr;
    private readonly ILogger logger;
    private readonly Channel<Func<Task>> mailbox = Channel.CreateUnbounded<Func<Task>>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<long, ITimer> timers = [];
    private readonly TaskCompletionSource finished = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private IMediaSession? callerMedia;
    private SipDialog? callerDialog;
    private AgentLeg? agentLeg;
    private IMediaBridge? bridge;
    private CallState state = CallState.Ivr;
    private string? queue;
    private string? connectedAgent;
    private string? recordingPath;
    private CallQueued? queuedAs;
    private VoicemailTaker? voicemail;
    private string transferPath = "";
    private int agentLegs;

    // Hold from the agent's phone, passed to the caller's leg (music on hold + re-INVITE a=sendonly).
    private bool agentHolding;
    private bool callerLegHeld;
    private bool callerReInviteRunning;
    private int callerReInviteFailures;
    private ITimer? holdRetryTimer;

    public CallSession(GatewayContext gateway, IncomingCall incoming, IvrSession ivr, string caller, string did, ILogger logger)
    {
        this.gateway = gateway;
        this.incoming = incoming;
        this.ivr = ivr;
        this.logger = logger;
        Caller = caller;
        Did = did;
        CallId = Guid.NewGuid();
    }

    private enum CallState
    {
        Ivr,
        Queued,
        Ringing,
        Connected,
        /// <summary>The IVR transferred the caller to a number outside (through an outbound trunk): dialling it, or bridged with it.</summary>
        External,
        Ended,
    }

    public Guid CallId { get; }
    public string Caller { get; }
    public string Did { get; }
    public string? Queue => queue;
    public DateTimeOffset? QueuedAt { get; private set; }
    public Task Finished => finished.Task;

    /// <summary>Answers leg A, starts the IVR and runs the call's mailbox until the call ends.</summary>
    public async Task RunAsync()
    {
        try
        {
            if (!await AnswerCallerAsync())
            {
                return;
            }

            var loop = RunMailboxAsync();
            Post(StartIvrAsync);
            await loop;
        }
        catch (Exception error)
        {
            logger.LogError(error, "Call {CallId} failed", CallId);
            await EndAsync(CallParty.System, "gateway error: " + error.GetBaseException().Message, CallOutcome.Rejected);
        }
        finally
        {
            await CleanUpAsync();
            finished.TrySetResult();
        }
    }

    /// <summary>Routing asks to ring an agent for this call.</summary>
    public void ConnectAgent(ConnectCallToAgent command) =>
        Post(() => voicemail is null ? ConnectAgentAsync(command) : PublishNoAnswerAsync(command.AgentId, "the caller is leaving a voicemail"));

    /// <summary>Routing takes the call out of its queue (max wait, queue full, no agents, callback).</summary>
    public void Divert(DivertQueuedCall command) => Post(() => DivertAsync(command));

    /// <summary>New queue figures: position and estimated wait for the IVR's announcements.</summary>
    public void QueueUpdate(int position, TimeSpan estimatedWait) =>
        Post(() => Handle(new QueuePositionChanged(position, estimatedWait)));

    /// <summary>The gateway is stopping: release both legs.</summary>
    public void Shutdown() => Post(() => EndAsync(CallParty.System, "gateway shutting down", OutcomeNow()));

    private bool Post(Func<Task> work)
    {
        if (!mailbox.Writer.TryWrite(work))
        {
            logger.LogDebug("Call {CallId} already finished; event dropped", CallId);
            return false;
        }

        return true;
    }

    private bool Post(Action work) => Post(() =>
    {
        work();
        return Task.CompletedTask;
    });

    /// <summary>The IVR path, with the transfers the call went through (<c>&gt;transfer&gt;billing</c>).</summary>
    private string IvrPath => ivr.IvrPath + transferPath;

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
                logger.LogError(error, "Call {CallId}: handling an event failed", CallId);
                await EndAsync(CallParty.System, "gateway error: " + error.GetBaseException().Message, OutcomeNow());
            }
        }
    }

    // ------------------------------------------------------------------ leg A

    private async Task<bool> AnswerCallerAsync()
    {
        if (incoming.Offer is not { } offer)
        {
            incoming.Reject(488, incoming.OfferError is null ? "SDP offer required" : "Bad SDP: " + incoming.OfferError);
            return false;
        }

        IMediaSession media;
        try
        {
            media = gateway.Media.CreateSession(CallId.ToString("N")[..12] + "-a");
        }
        catch (InvalidOperationException error)
        {
            logger.LogWarning("No media port for a new call: {Error}", error.Message);
            incoming.Reject(503, "Out of media ports", [new("Retry-After", "10")]);
            return false;
        }

        var answer = SdpOfferAnswer.CreateAnswer(offer, new IPEndPoint(gateway.MediaAddress, media.LocalPort));
        if (!answer.IsSuccess)
        {
            await media.DisposeAsync();
            incoming.Reject(488, answer.Error ?? "No common codec");
            return false;
        }

        media.Configure(ToRemoteMedia(answer.Audio!));
        callerMedia = media;
        media.DtmfReceived += (_, e) => Post(() => Handle(new DigitPressed(e.Digit)));
        media.MediaTimeout += (_, e) => Post(() => EndAsync(CallParty.System, e.Reason, OutcomeNow()));

        var dialog = incoming.Accept(answer.Answer!);
        if (dialog is null)
        {
            // CANCEL won the race with our 200.
            return false;
        }

        callerDialog = dialog;
        dialog.InfoReceived += (_, request) => OnInfo(media, request);
        dialog.OfferHandler = (_, reOffer) => AnswerReInvite(media, reOffer);
        _ = WatchDialogAsync(dialog, CallParty.Caller);

        await gateway.Bus.Publish(new CallReceived
        {
            CallId = CallId,
            Caller = Caller,
            Did = Did,
            GatewayId = gateway.Options.GatewayId,
            OccurredAt = gateway.Time.GetUtcNow(),
        });
        gateway.Metrics.CallReceived();
        logger.LogInformation("Call {CallId} from {Caller} to DID {Did} answered (SIP Call-ID {SipCallId})", CallId, Caller, Did, incoming.CallId);
        return true;
    }

    private Task StartIvrAsync() => Handle(new CallStarted(Caller, Did));

    private async Task WatchDialogAsync(SipDialog dialog, CallParty party)
    {
        var reason = await dialog.Ended;
        if (reason is SipDialogEndReason.RemoteBye or SipDialogEndReason.AckTimeout)
        {
            Post(() => OnLegEndedAsync(dialog, party, reason));
        }
    }

    private async Task OnLegEndedAsync(SipDialog dialog, CallParty party, SipDialogEndReason reason)
    {
        if (state == CallState.Ended)
        {
            return;
        }

        var why = reason == SipDialogEndReason.AckTimeout ? "no ACK for our answer" : "BYE";
        if (party == CallParty.Caller && dialog == callerDialog)
        {
            callerDialog = null;
            await EndAsync(CallParty.Caller, $"caller hung up ({why})", OutcomeNow());
        }
        else if (party == CallParty.Agent && agentLeg?.Dialog == dialog)
        {
            agentLeg.Dialog = null;
            await EndAsync(CallParty.Agent, $"agent hung up ({why})", CallOutcome.Answered);
        }
    }

    private static void OnInfo(IMediaSession media, SipRequest request)
    {
        if (request.ContentType is { } type && DtmfRelayParser.TryParse(type, request.BodyText, out var digit, out var duration, out _))
        {
            media.ReceiveSipInfoDtmf(digit, duration);
        }
    }

    private ValueTask<SessionDescription?> AnswerReInvite(IMediaSession media, SessionDescription? offer) =>
        ValueTask.FromResult(AnswerOffer(media, offer)?.Answer);

    private SdpAnswerResult? AnswerOffer(IMediaSession media, SessionDescription? offer)
    {
        if (offer is null)
        {
            return null;
        }

        var answer = SdpOfferAnswer.CreateAnswer(offer, new IPEndPoint(gateway.MediaAddress, media.LocalPort));
        if (!answer.IsSuccess)
        {
            return null;
        }

        // Hold and resume (sendonly / inactive / sendrecv) change the direction of this leg; the bridge
        // respects it. A hold from the agent's phone is also passed to the caller (OnAgentDirection).
        media.Configure(ToRemoteMedia(answer.Audio!));
        logger.LogInformation("Call {CallId}: leg {Leg} re-INVITE, direction now {Direction}", CallId, media.Id, answer.Audio!.Direction);
        return answer;
    }

    // ------------------------------------------------------------------ IVR

    private async Task Handle(IvrEvent ivrEvent)
    {
        if (state == CallState.Ended)
        {
            return;
        }

        if (voicemail is not null)
        {
            // The IVR has finished; only the caller's keys matter now (# ends the message).
            await (ivrEvent is DigitPressed pressed ? voicemail.OnDigitAsync(pressed.Digit) : Task.CompletedTask);
            return;
        }

        foreach (var action in ivr.Handle(ivrEvent))
        {
            await ExecuteAsync(action);
            if (state == CallState.Ended)
            {
                return;
            }
        }
    }

    private async Task ExecuteAsync(IvrAction action)
    {
        var now = gateway.Time.GetUtcNow();
        switch (action)
        {
            case PlayPrompts play:
                _ = PlayAsync(play);
                break;
            case StopPlayback:
                callerMedia?.StopPlayback();
                break;
            case StartDigitCollection or StopDigitCollection:
                // Digits always reach the IVR (RFC 4733, SIP INFO or in-band); it collects them itself.
                break;
            case StartTimer start:
                CancelTimer(start.TimerId);
                var id = start.TimerId;
                timers[id] = gateway.Time.CreateTimer(_ => Post(() => OnTimer(id)), null, start.Delay, Timeout.InfiniteTimeSpan);
                break;
            case CancelTimer cancel:
                CancelTimer(cancel.TimerId);
                break;
            case LookUpCaller lookup:
                _ = LookUpCallerAsync(lookup, now);
                break;
            case LookUpCaseStatus lookup:
                _ = LookUpCaseStatusAsync(lookup, now);
                break;
            case QueueCall queued:
                queue = queued.Queue;
                QueuedAt = queued.QueuedAt;
                state = CallState.Queued;
                queuedAs = queued.ToCallQueued(CallId, Caller, gateway.Options.GatewayId, now);
                await gateway.Bus.Publish(queuedAs);
                logger.LogInformation("Call {CallId} queued in {Queue} after IVR path {Path}", CallId, queued.Queue, queued.IvrPath);
                break;
            case HangUp hangUp:
                await EndAsync(CallParty.System, hangUp.Reason, hangUp.Outcome);
                break;
            case TakeVoicemail take:
                StartVoicemail(take, now);
                break;
            case TransferCall transfer:
                await TransferOutAsync(transfer.Target);
                break;
            default:
                throw new InvalidOperationException($"unknown IVR action {action.GetType().Name}");
        }
    }

    private Task OnTimer(long id)
    {
        if (!timers.Remove(id, out var timer))
        {
            return Task.CompletedTask;
        }

        timer.Dispose();
        return Handle(new TimerFired(id));
    }

    private void CancelTimer(long id)
    {
        if (timers.Remove(id, out var timer))
        {
            timer.Dispose();
        }
    }

    private async Task PlayAsync(PlayPrompts play)
    {
        if (callerMedia is not { } media)
        {
            return;
        }

        try
        {
            var paths = new string[play.Prompts.Count];
            for (var i = 0; i < paths.Length; i++)
            {
                paths[i] = play.Prompts[i].Path;
            }

            var result = await media.PlayAsync(paths, new PlaybackOptions { Loop = play.Loop, BargeIn = play.BargeIn });
            if (result.Outcome == PlaybackOutcome.Completed)
            {
                Post(() => Handle(new PromptFinished(play.PlayId)));
            }
        }
        catch (Exception error) when (error is IOException or InvalidOperationException or OperationCanceledException or ObjectDisposedException or Media.Audio.MediaFormatException)
        {
            logger.LogWarning("Call {CallId}: prompt playback failed: {Error}", CallId, error.Message);
            Post(() => Handle(new PromptFinished(play.PlayId)));
        }
    }

    private async Task LookUpCallerAsync(LookUpCaller lookup, DateTimeOffset now)
    {
        CallerInfo? info = null;
        try
        {
            var response = await gateway.IdentifyCaller.GetResponse<CallerIdentified>(lookup.ToRequest(CallId, now), default, RequestTimeout.After(ms: (int)gateway.Options.LookupTimeout.TotalMilliseconds));
            info = CallerInfo.From(response.Message);
        }
        catch (RequestTimeoutException)
        {
            logger.LogWarning("Call {CallId}: caller lookup timed out", CallId);
        }
        catch (RequestFaultException fault)
        {
            logger.LogWarning("Call {CallId}: caller lookup failed: {Error}", CallId, fault.Message);
        }

        Post(() => Handle(new CallerLookupCompleted(lookup.RequestId, info)));
    }

    private async Task LookUpCaseStatusAsync(LookUpCaseStatus lookup, DateTimeOffset now)
    {
        CaseStatusInfo? info = null;
        try
        {
            var response = await gateway.CaseStatus.GetResponse<CaseStatusResult>(lookup.ToRequest(CallId, now), default, RequestTimeout.After(ms: (int)gateway.Options.LookupTimeout.TotalMilliseconds));
            info = CaseStatusInfo.From(response.Message);
        }
        catch (RequestTimeoutException)
        {
            logger.LogWarning("Call {CallId}: case status lookup timed out", CallId);
        }
        catch (RequestFaultException fault)
        {
            logger.LogWarning("Call {CallId}: case status lookup failed: {Error}", CallId, fault.Message);
        }

        Post(() => Handle(new CaseStatusLookupCompleted(lookup.RequestId, info)));
    }

    // ------------------------------------------------------------------ leg B

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

    private async Task DivertAsync(DivertQueuedCall command)
    {
        if (state is not CallState.Queued)
        {
            return;
        }

        switch (command.Action)
        {
            case DivertAction.Callback:
                await Handle(new CallbackOfferRequested());
                break;
            case DivertAction.Voicemail:
                logger.LogInformation("Call {CallId}: diverted to voicemail ({Reason})", CallId, command.Reason);
                await Handle(new VoicemailRequested());
                break;
            case DivertAction.QueueFull:
            case DivertAction.NoAgents:
                await EndAsync(CallParty.System, $"{command.Action}: {command.Reason}", CallOutcome.Rejected);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(command), command.Action, "unknown divert action");
        }
    }

    /// <summary>The IVR hands the caller to voicemail (a voicemail node, or the queue's divert): <see cref="VoicemailTaker"/> does the rest.</summary>
    private void StartVoicemail(TakeVoicemail take, DateTimeOffset now)
    {
        if (callerMedia is not { } media || voicemail is not null)
        {
            return;
        }

        foreach (var timer in timers.Values)
        {
            timer.Dispose();
        }

        timers.Clear();
        // A queued call keeps what routing knew of it (its QueuedAt above all), in the queue it is in now.
        var origin = queuedAs is { } queued
            ? queued with { Queue = queue ?? queued.Queue }
            : take.Callback.ToCallQueued(CallId, Caller, gateway.Options.GatewayId, now);
        queue ??= origin.Queue;
        voicemail = new VoicemailTaker(gateway, media, CallId, Caller, origin, take, Post, EndAsync, logger);
        voicemail.Start();
    }

    private Task PublishNoAnswerAsync(string agentId, string reason) =>
        gateway.Bus.Publish(new AgentNoAnswer
        {
            CallId = CallId,
            AgentId = agentId,
            Reason = reason,
            OccurredAt = gateway.Time.GetUtcNow(),
        });

    // ------------------------------------------------------------------ hold and transfer (agent's phone)

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

    /// <summary>A REFER from the agent's phone: handled in the call's mailbox; the stack gets its answer before this completes.</summary>
    private Task OnReferAsync(AgentLeg leg, SipReferral referral)
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
    private async Task TransferAsync(AgentLeg leg, SipReferral referral)
    {
        if (state != CallState.Connected || agentLeg != leg || leg.Dialog is not { } dialog || dialog != referral.Dialog)
        {
            referral.Reject(481, "Call Does Not Exist");
            return;
        }

        var target = referral.Target.Uri;
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
            if (user.Length == 0 || gateway.Sip.Registrar.GetBindingsForUser(user).Count == 0)
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
        agentHolding = false;
        callerMedia?.StopPlayback();
        StartHoldMusic();
        SyncCallerHold(); // a caller the agent held first is taken off hold for the next agent

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
    private async Task ReleaseTransferringLegAsync(SipReferral referral, SipDialog dialog, IMediaSession media)
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

    // ------------------------------------------------------------------ ending

    private CallOutcome OutcomeNow() => state switch
    {
        CallState.Connected => CallOutcome.Answered,
        CallState.Queued or CallState.Ringing => CallOutcome.Abandoned,
        CallState.Ivr => CallOutcome.SelfService,
        CallState.External => CallOutcome.Overflowed,
        CallState.Ended => CallOutcome.Answered,
    };

    private async Task EndAsync(CallParty endedBy, string reason, CallOutcome outcome)
    {
        if (state == CallState.Ended)
        {
            return;
        }

        if (voicemail is not null)
        {
            // Whoever ends the call, the message decides how it ended (a caller's hang-up keeps it).
            var decided = await voicemail.FinishAsync(endedBy == CallParty.Caller ? "caller hung up" : reason);
            reason = decided.Reason;
            outcome = decided.Outcome;
        }

        var wasRinging = state == CallState.Ringing;
        state = CallState.Ended;
        mailbox.Writer.TryComplete();
        foreach (var timer in timers.Values)
        {
            timer.Dispose();
        }

        timers.Clear();
        holdRetryTimer?.Dispose();
        if (endedBy == CallParty.Caller)
        {
            ivr.Handle(new CallerHungUp());
        }

        if (agentLeg is { } leg)
        {
            leg.RingTimer?.Dispose();
            if (wasRinging)
            {
                leg.Call.Cancel(); // CANCEL to the agent's phone; its result arrives after we finish
            }
            else if (leg.Dialog is { } agentDialog)
            {
                await SafeByeAsync(agentDialog);
            }
        }

        await EndExternalLegAsync();
        if (callerDialog is { } caller)
        {
            await SafeByeAsync(caller);
        }

        if (bridge is { IsRecording: true })
        {
            await bridge.StopRecordingAsync();
        }

        await gateway.Bus.Publish(new CallEnded
        {
            CallId = CallId,
            AgentId = connectedAgent,
            Queue = queue,
            IvrPath = IvrPath,
            Outcome = outcome,
            EndedBy = endedBy,
            Reason = reason,
            RecordingPath = recordingPath,
            OccurredAt = gateway.Time.GetUtcNow(),
        });
        gateway.Metrics.CallEnded(outcome);
        logger.LogInformation("Call {CallId} ended by {Party}: {Reason} ({Outcome})", CallId, endedBy, reason, outcome);
    }

    private async Task SafeByeAsync(SipDialog dialog)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await dialog.SendByeAsync(timeout.Token);
        }
        catch (Exception error) when (error is OperationCanceledException or InvalidOperationException or IOException or System.Net.Sockets.SocketException)
        {
            logger.LogDebug("Call {CallId}: BYE not confirmed: {Error}", CallId, error.Message);
        }
    }

    private async Task CleanUpAsync()
    {
        mailbox.Writer.TryComplete();
        holdRetryTimer?.Dispose();
        foreach (var timer in timers.Values)
        {
            timer.Dispose();
        }

        timers.Clear();
        if (bridge is not null)
        {
            await bridge.DisposeAsync();
        }

        if (agentLeg is { } leg)
        {
            leg.RingTimer?.Dispose();
            await leg.Media.DisposeAsync();
        }

        if (externalLeg is not null)
        {
            await externalLeg.DisposeAsync();
        }

        if (callerMedia is not null)
        {
            await callerMedia.DisposeAsync();
        }
    }

    private static RemoteMedia ToRemoteMedia(NegotiatedAudio audio) => new()
    {
        RtpEndPoint = audio.RemoteRtp,
        Codec = audio.Codec switch
        {
            AudioCodec.Pcmu => Media.Codecs.AudioCodec.Pcmu,
            AudioCodec.Pcma => Media.Codecs.AudioCodec.Pcma,
        },
        TelephoneEventPayloadType = audio.TelephoneEventPayloadType,
        Direction = audio.Direction switch
        {
            SdpDirection.SendRecv => MediaDirection.SendRecv,
            SdpDirection.SendOnly => MediaDirection.SendOnly,
            SdpDirection.RecvOnly => MediaDirection.RecvOnly,
            SdpDirection.Inactive => MediaDirection.Inactive,
        },
    };

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
