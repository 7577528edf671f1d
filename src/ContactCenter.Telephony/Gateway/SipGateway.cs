using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using ContactCenter.Contracts;
using ContactCenter.Media.Sessions;
using ContactCenter.Sip;
using ContactCenter.Sip.Auth;
using ContactCenter.Sip.Message;
using ContactCenter.Sip.Registrar;
using ContactCenter.Sip.UserAgent;
using ContactCenter.Telephony.Configuration;
using ContactCenter.Telephony.Gateway.Admission;
using ContactCenter.Telephony.Gateway.Callbacks;
using ContactCenter.Telephony.Gateway.Dialling;
using ContactCenter.Telephony.Gateway.Legs;
using ContactCenter.Telephony.Gateway.Session;
using ContactCenter.Telephony.Ivr;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ContactCenter.Telephony.Gateway;

/// <summary>
/// The telephony gateway of this process: the SIP endpoint on Sip:ListenAddress/Sip:Port (UDP and
/// TCP, and WebSockets handed over from <c>/sip</c> on the web port), the registrar for agent phones,
/// trunk checks for inbound calls, one <see cref="CallSession"/> per call, and the heartbeat that tells
/// routing which calls are live.
/// </summary>
internal sealed class SipGateway(
    IOptions<SipEndpointOptions> sipOptions,
    IOptions<MediaOptions> mediaOptions,
    IOptions<GatewayOptions> gatewayOptions,
    TelephonyConfig config,
    IvrEngine ivr,
    IBus bus,
    ISipDigestVerifier credentials,
    IMeterFactory meters,
    TimeProvider time,
    ILoggerFactory loggerFactory) : IHostedService, IAsyncDisposable
{
    private readonly ILogger logger = loggerFactory.CreateLogger<SipGateway>();
    private readonly ConcurrentDictionary<Guid, IGatewayCall> calls = new();
    private SipEndpoint? sip;
    private MediaEngine? media;
    private GatewayContext? context;
    private ITimer? heartbeat;
    private TelephonyMetrics? metrics;
    private CallbackLedger? ledger;
    private AdmissionController? admission;
    private BusyAnnouncer? announcer;
    private ConnectHandle? publishObserver;
    /// <summary>Outbound calls placed lately (a bounded memory): a redelivered ConnectOutboundCall must not ring the agent twice.</summary>
    private readonly HashSet<Guid> placedOutbound = [];
    private readonly Queue<Guid> placedOutboundOrder = new();
    private const int PlacedOutboundKept = 10_000;

    /// <summary>The SIP endpoint, once started (tests read its ports and registrar).</summary>
    public SipEndpoint? Sip => sip;

    /// <summary>Calls held now.</summary>
    public int LiveCallCount => calls.Count;

    /// <summary>Overload control of new calls, once started (tests read its status).</summary>
    internal AdmissionController? Admission => admission;

    /// <summary>The callback ledger, once started (tests read what it owes).</summary>
    internal CallbackLedger? Ledger => ledger;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var options = gatewayOptions.Value;
        ledger = new CallbackLedger(
            Path.Combine(Path.GetFullPath(options.DataPath), $"callbacks-{options.GatewayId}.jsonl"), bus, time, loggerFactory.CreateLogger<CallbackLedger>());
        var registrar = SipRegistrar.ForEndpoint(sipOptions.Value, credentials, time, loggerFactory);
        registrar.BindingEnded += OnBindingEnded;
        // A trunk dialled over TLS needs the TLS transport (its Via names our TLS port; the carrier may answer over it).
        foreach (var trunk in config.DialPlan.Trunks)
        {
            if (trunk.Transport == SipProtocol.Tls && !sipOptions.Value.EnableTls)
            {
                throw new InvalidOperationException(
                    $"telephony-config/trunks.yaml: outbound trunk '{trunk.Name}' has transport: tls, and Sip:EnableTls is false: turn TLS on or dial it over udp/tcp");
            }
        }

        sip = new SipEndpoint(sipOptions.Value, registrar, loggerFactory, time);
        foreach (var trunk in config.DialPlan.Trunks)
        {
            if (trunk.TlsTrust is { } trust)
            {
                sip.TrustTlsPeer(trunk.Address, trust);
            }
        }
        // Trunks carry many calls from one address: the per-source request rate (set for phones) does not apply to them.
        sip.ExemptFromRateLimit(config.Trunks.SelectMany(t => t.Allowed));
        media = new MediaEngine(mediaOptions.Value, time, loggerFactory);
        sip.IncomingCallHandler = OnIncomingCallAsync;
        sip.Start();

        var mediaAddress = IPAddress.TryParse(sip.Host.Trim('[', ']'), out var parsed) ? parsed : IPAddress.Loopback;
        if (IPAddress.TryParse(mediaOptions.Value.BindAddress, out var bind) && !bind.Equals(IPAddress.Any) && !bind.Equals(IPAddress.IPv6Any))
        {
            mediaAddress = bind;
        }

        var endpoint = sip;
        var engine = media;
        metrics = new TelephonyMetrics(meters);
        metrics.ObserveGateway(() => calls.Count, endpoint, engine);
        var publishes = new BusPublishGauge();
        publishObserver = bus.ConnectPublishObserver(publishes);
        admission = new AdmissionController(options.Admission,
            AdmissionSignals.ForProcess(() => publishes.InFlight, () => engine.ClockLag, () => calls.Count, () => endpoint.InvitesShed),
            time, loggerFactory.CreateLogger<AdmissionController>());
        admission.StatusChanged += status => _ = PublishOverloadAsync(status);
        metrics.ObserveAdmission(admission);
        admission.Start();
        // While throttled, a source whose part of the admitted rate is used up is refused where the stack first reads the
        // INVITE (the UDP receive thread before queueing, a connection's read loop), before any transaction.
        endpoint.NewCallGate = admission.MayAdmit;
        endpoint.RefusalSent = metrics.RefusalSent;
        announcer = new BusyAnnouncer(engine, mediaAddress, endpoint.OverloadRetryAfter, logger);
        context = new GatewayContext(
            new SipEndpointDialler(sip), media, mediaAddress, bus, bus.CreateRequestClient<IdentifyCaller>(), bus.CreateRequestClient<GetCaseStatus>(), options,
            Path.GetFullPath(options.RecordingsPath), time, metrics, config, ledger);
        // The first heartbeat at once: routing places agents' outbound calls through the gateway it has heard from.
        heartbeat = time.CreateTimer(_ => _ = PublishHeartbeatAsync(), null, TimeSpan.Zero, options.HeartbeatInterval);
        logger.LogInformation("Gateway {GatewayId}: SIP on UDP {Udp}, TCP {Tcp} and TLS {Tls}; media on {MediaAddress} ports {From}-{To}; {Trunks} outbound trunks",
            options.GatewayId, sip.UdpEndPoint, sip.TcpEndPoint, sip.TlsEndPoint?.ToString() ?? "off", mediaAddress, mediaOptions.Value.PortRangeStart, mediaOptions.Value.PortRangeEnd, config.DialPlan.Trunks.Count);
        await ledger.StartAsync();
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        heartbeat?.Dispose();
        heartbeat = null;
        foreach (var call in calls.Values)
        {
            call.Shutdown();
        }

        try
        {
            await Task.WhenAll(calls.Values.Select(c => c.Finished)).WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
        }
        catch (TimeoutException)
        {
            logger.LogWarning("{Count} calls did not end cleanly before shutdown", calls.Count);
        }

        await DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        heartbeat?.Dispose();
        admission?.Dispose();
        publishObserver?.Disconnect();
        publishObserver = null;
        if (sip is not null)
        {
            await sip.DisposeAsync();
            sip = null;
        }

        if (media is not null)
        {
            await media.DisposeAsync();
            media = null;
        }

        metrics?.Dispose();
        metrics = null;
        if (ledger is not null)
        {
            await ledger.DisposeAsync();
            ledger = null;
        }
    }

    /// <summary>The session of a call this gateway holds, or null.</summary>
    public IGatewayCall? Find(Guid callId) => calls.GetValueOrDefault(callId);

    /// <summary>The calls held now (a supervisor's <see cref="Contracts.MonitorCall"/> looks for the agent's call among them).</summary>
    public IEnumerable<IGatewayCall> LiveCalls => calls.Values;

    /// <summary>
    /// Routing reserved an agent for a callback this gateway does not hold: place it (agent first, then the customer).
    /// Returns false when it must not be placed: already placed (a redelivered command) or the gateway is not running.
    /// </summary>
    public bool PlaceCallback(ConnectCallToAgent command)
    {
        if (context is not { } gateway || ledger is not { } callbacks)
        {
            return false;
        }

        if (callbacks.IsDone(command.CallId))
        {
            logger.LogInformation("Callback {CallId} was already placed; the command for {Agent} is a repeat and is dropped", command.CallId, command.AgentId);
            return false;
        }

        var sessionLogger = loggerFactory.CreateLogger<AgentFirstSession>();
        var session = new AgentFirstSession(gateway, new CallbackStrategy(gateway, callbacks, command, callbacks.AttemptFor(command.CallId), sessionLogger), sessionLogger);
        if (!calls.TryAdd(command.CallId, session))
        {
            calls[command.CallId].ConnectAgent(command);
            return true;
        }

        _ = RunPlacedCallAsync(session);
        return true;
    }

    /// <summary>
    /// Routing accepted an agent's outbound call: place it (the agent's phone first, then the number; no retries). Returns false
    /// when it is not placed here: a redelivered command for a call already held, or the gateway is not running (then the call
    /// ends at once as failed, so the agent is freed and the history says why).
    /// </summary>
    public async Task<bool> PlaceOutboundAsync(ConnectOutboundCall command)
    {
        if (context is not { } gateway)
        {
            await bus.Publish(new CallEnded
            {
                CallId = command.CallId,
                AgentId = command.AgentId,
                Outcome = CallOutcome.Failed,
                EndedBy = CallParty.System,
                Reason = "the telephony gateway is not running",
                Direction = CallDirection.Outbound,
                Dialled = command.Number,
                OccurredAt = time.GetUtcNow(),
            });
            return false;
        }

        lock (placedOutbound)
        {
            if (!placedOutbound.Add(command.CallId))
            {
                logger.LogInformation("Outbound {CallId} was already placed; the command for {Agent} is a repeat and is dropped", command.CallId, command.AgentId);
                return false;
            }

            placedOutboundOrder.Enqueue(command.CallId);
            if (placedOutboundOrder.Count > PlacedOutboundKept)
            {
                placedOutbound.Remove(placedOutboundOrder.Dequeue());
            }
        }

        var sessionLogger = loggerFactory.CreateLogger<AgentFirstSession>();
        var session = new AgentFirstSession(gateway, new OutboundStrategy(gateway, command, sessionLogger), sessionLogger);
        if (!calls.TryAdd(command.CallId, session))
        {
            logger.LogInformation("Outbound {CallId} is already being placed; the command for {Agent} is a repeat and is dropped", command.CallId, command.AgentId);
            return false;
        }

        _ = RunPlacedCallAsync(session);
        return true;
    }

    /// <summary>Routing refused a call this gateway does not hold: a callback the ledger handed over is owed again later.</summary>
    public Task<bool> OnCallbackRefusedAsync(DivertQueuedCall command) =>
        ledger is { } callbacks
            ? callbacks.OnRefusedAsync(command.CallId, $"{command.Action}: {command.Reason}", config.CallbackSettings(command.Queue).RetryAfter)
            : Task.FromResult(false);

    private async Task RunPlacedCallAsync(AgentFirstSession session)
    {
        try
        {
            await session.RunAsync();
        }
        finally
        {
            calls.TryRemove(session.CallId, out _);
        }
    }

    /// <summary>Queue figures for the announcements of every call waiting in that queue here.</summary>
    public void OnQueueStatistics(QueueStatistics statistics)
    {
        var waiting = calls.Values
            .Where(c => c.Queue == statistics.Queue && c.QueuedAt is not null)
            .OrderBy(c => c.QueuedAt)
            .ToList();
        for (var i = 0; i < waiting.Count; i++)
        {
            waiting[i].QueueUpdate(i + 1, statistics.EstimatedWait);
        }
    }

    private Task OnIncomingCallAsync(IncomingCall incoming)
    {
        if (context is not { } gateway)
        {
            incoming.Reject(503, "Starting");
            return Task.CompletedTask;
        }

        var did = incoming.RequestUri.User ?? incoming.To.Uri.User ?? "";
        var source = incoming.Source.RemoteEndPoint.Address;
        // A browser (SIP over WebSocket) is admitted by a webCallers trunk, never by its address.
        var decision = incoming.Source.Protocol.IsWebSocket() ? config.AuthorizeWebCaller(did) : config.AuthorizeInbound(source, did);
        if (!decision.Allowed || decision.Route is not { } route)
        {
            logger.LogWarning("Refused INVITE from {Source} to DID {Did}: {Reason}", incoming.Source.RemoteEndPoint, did, decision.Reason);
            var code = decision.Trunk is null ? 403 : 404;
            incoming.Reject(code, code == 403 ? "Forbidden" : "Not Found");
            gateway.Metrics.CallRejected(code);
            return Task.CompletedTask;
        }

        // The trunk's srtp: SDES keys only over TLS, so a trunk that requires SRTP must send its calls over TLS.
        var callerSrtp = Legs.SrtpPolicy.Off;
        if (decision.Trunk is { WebCallers: false } trunk)
        {
            if (SdesSdp.Effective(trunk.Srtp, incoming.Source.Protocol) is not { } effective)
            {
                logger.LogWarning("Refused INVITE from {Source} to DID {Did}: trunk '{Trunk}' requires SRTP and the call came over {Protocol}, not TLS",
                    incoming.Source.RemoteEndPoint, did, trunk.Name, incoming.Source.Protocol);
                incoming.Reject(488, "Not Acceptable Here", [new("Warning", $"399 - \"SRTP is required: call over TLS\"")]);
                gateway.Metrics.CallRejected(488);
                return Task.CompletedTask;
            }

            callerSrtp = effective;
        }

        // Overload control: decided before any media, IVR or bus work is spent on the call.
        if (admission?.TryAdmit(source, incoming.QueueDelay, sip?.QueuedInvites ?? 0, incoming.ReceivedTimestamp, out _) is not { } ticket)
        {
            if (route.WhenOverloaded is { } busy && announcer is { } busyLine)
            {
                return busyLine.AnnounceAsync(incoming, busy);
            }

            incoming.Reject(503, "Service Unavailable", [new("Retry-After", sip!.OverloadRetryAfter)]);
            gateway.Metrics.CallRejected(503);
            return Task.CompletedTask;
        }

        var session = ivr.CreateSession(did);
        if (session is null)
        {
            ticket.Ended();
            incoming.Reject(404, "No flow for this number");
            gateway.Metrics.CallRejected(404);
            return Task.CompletedTask;
        }

        incoming.SendProvisional(180);
        var caller = incoming.From.Uri.User is { Length: > 0 } user ? SipUriUser(user) : "anonymous";
        var call = new CallSession(gateway, new InboundCall(incoming, ticket), session, caller, route.Did, loggerFactory.CreateLogger<CallSession>())
        {
            CallerSrtp = callerSrtp,
        };
        calls[call.CallId] = call;
        _ = RunCallAsync(call, ticket);
        return Task.CompletedTask;
    }

    private async Task RunCallAsync(CallSession call, AdmissionTicket ticket)
    {
        try
        {
            await call.RunAsync();
        }
        finally
        {
            ticket.Ended();
            calls.TryRemove(call.CallId, out _);
        }
    }

    /// <summary>Tells the supervisors' boards (through the bus) that a surge began, goes on (refused count) or ended.</summary>
    private async Task PublishOverloadAsync(AdmissionStatus status)
    {
        if (context is not { } gateway)
        {
            return;
        }

        try
        {
            await bus.Publish(new GatewayOverload
            {
                GatewayId = gateway.Options.GatewayId,
                Overloaded = status.Overloaded,
                Reason = status.Reason is { } reason ? AdmissionController.Describe(reason) : null,
                Refused = status.RefusedThisSurge,
                Since = status.Since,
                OccurredAt = time.GetUtcNow(),
            });
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            logger.LogWarning("Overload status not published: {Error}", error.Message);
        }
    }

    /// <summary>Publishes this gateway's live calls now (on its timer, and when routing asks: <see cref="ReportLiveCalls"/>).</summary>
    public async Task PublishHeartbeatAsync()
    {
        if (context is not { } gateway)
        {
            return;
        }

        // Lapsed registrations are dropped here rather than left for every lookup to skip.
        sip?.Registrar.PurgeExpired();
        try
        {
            await bus.Publish(new CallHeartbeat
            {
                GatewayId = gateway.Options.GatewayId,
                LiveCalls = [.. calls.Keys],
                Interval = gateway.Options.HeartbeatInterval,
                OccurredAt = time.GetUtcNow(),
            });
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            logger.LogWarning("Heartbeat not published: {Error}", error.Message);
        }
    }

    private static string SipUriUser(string user) => SipUri.Unescape(user);

    /// <summary>A phone's registration ended; a browser phone whose WebSocket closed is gone at once (no calls reach it).</summary>
    private void OnBindingEnded(RegistrarBinding binding, RegistrarBindingEndReason reason)
    {
        if (reason == RegistrarBindingEndReason.ConnectionClosed)
        {
            logger.LogInformation("{User}'s phone is gone: its connection {Connection} closed", binding.User, binding.BoundTo);
            foreach (var call in calls.Values)
            {
                call.PhoneGone(binding);
            }
        }
        else
        {
            logger.LogDebug("{User}'s registration of {Contact} ended ({Reason})", binding.User, binding.Contact, reason);
        }
    }
}
