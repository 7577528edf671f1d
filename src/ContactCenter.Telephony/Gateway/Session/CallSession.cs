using ContactCenter.Contracts;
using ContactCenter.Media.Sessions;
using ContactCenter.Telephony.Gateway.Voicemail;
using ContactCenter.Telephony.Ivr;
using ContactCenter.Telephony.Gateway.Legs;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Telephony.Gateway.Session;

/// <summary>
/// One customer call as a back-to-back user agent: leg A from the trunk (answered by us, IVR and
/// queue on its media), then leg B to the agent's registered phone, bridged on answer. Every
/// event — SIP, media, timers, bus replies — is posted to the call's own <see cref="CallMailbox"/> and
/// handled one at a time, so the state below needs no locks and no thread is held per call.
/// This class is the coordinator: it owns the call's state and decides; its parts carry out
/// (<see cref="IvrActionRunner"/>, <see cref="AgentLegConnector"/>, <see cref="HoldRelay"/>), and the
/// partial files beside this one hold the caller's leg, the IVR, the agent's leg, transfers and the teardown.
/// </summary>
internal sealed partial class CallSession : IGatewayCall
{
    private readonly GatewayContext gateway;
    private readonly IInboundCall incoming;
    private readonly IvrSession ivr;
    private readonly ILogger logger;
    private readonly CallMailbox mailbox;
    private readonly IvrActionRunner ivrActions;
    private readonly AgentLegConnector agentPhone;
    private readonly TaskCompletionSource finished = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private IMediaSession? callerMedia;
    private LegSdp callerSdp = LegSdp.Plain;
    private IDialogLeg? callerDialog;
    private HoldRelay? hold;
    private AgentLeg? agentLeg;
    private IMediaBridge? bridge;
    private CallState state = CallState.Ivr;
    private string? queue;
    private string? connectedAgent;
    private string? recordingPath;
    private CallQueued? queuedAs;
    private VoicemailTaker? voicemail;
    private string transferPath = "";

    /// <summary>SDES-SRTP for the caller's leg: its trunk's <c>srtp:</c> as it applies to the transport the call came over.</summary>
    internal SrtpPolicy CallerSrtp { get; init; }

    public CallSession(GatewayContext gateway, IInboundCall incoming, IvrSession ivr, string caller, string did, ILogger logger)
    {
        this.gateway = gateway;
        this.incoming = incoming;
        this.ivr = ivr;
        this.logger = logger;
        Caller = caller;
        Did = did;
        CallId = Guid.NewGuid();
        mailbox = new CallMailbox(gateway.Time);
        ivrActions = new IvrActionRunner(gateway, mailbox, CallId, Handle, logger);
        agentPhone = new AgentLegConnector(gateway, mailbox, CallId, logger);
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

    /// <summary>The call's mailbox (tests hold it to order events).</summary>
    internal CallMailbox Mailbox => mailbox;

    /// <summary>Answers leg A, starts the IVR and runs the call's mailbox until the call ends.</summary>
    public async Task RunAsync()
    {
        try
        {
            if (!await AnswerCallerAsync())
            {
                return;
            }

            var loop = mailbox.RunAsync(OnFailedAsync);
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
        Post(() => voicemail is null ? ConnectAgentAsync(command) : agentPhone.PublishNoAnswerAsync(command.AgentId, "the caller is leaving a voicemail"));

    /// <summary>Routing takes the call out of its queue (max wait, queue full, no agents, callback).</summary>
    public void Divert(DivertQueuedCall command) => Post(() => DivertAsync(command));

    /// <summary>New queue figures: position and estimated wait for the IVR's announcements.</summary>
    public void QueueUpdate(int position, TimeSpan estimatedWait) =>
        Post(() => Handle(new QueuePositionChanged(position, estimatedWait)));

    /// <summary>A phone's connection closed: if it is ringing for this call, that ring ends now (and the call is queued again).</summary>
    public void PhoneGone(Sip.Registrar.RegistrarBinding binding) => Post(() =>
    {
        if (state == CallState.Ringing && agentLeg is { } leg && leg.Call.PhoneGone(binding))
        {
            logger.LogInformation("Call {CallId}: {Agent}'s phone at {Contact} went away while ringing", CallId, leg.AgentId, binding.Contact);
        }
    });

    /// <summary>The gateway is stopping: release both legs.</summary>
    public void Shutdown() => Post(() => EndAsync(CallParty.System, "gateway shutting down", OutcomeNow()));

    private bool Post(Func<Task> work)
    {
        if (!mailbox.Post(work))
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

    private async Task OnFailedAsync(Exception error)
    {
        logger.LogError(error, "Call {CallId}: handling an event failed", CallId);
        await EndAsync(CallParty.System, "gateway error: " + error.GetBaseException().Message, OutcomeNow());
    }
}
