using System.Globalization;
using System.Net;
using ContactCenter.Sip.Auth;
using ContactCenter.Sip.Message;
using ContactCenter.Sip.Registrar;
using ContactCenter.Sip.Transactions;
using ContactCenter.Sip.Transport;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Sip.UserAgent;

/// <summary>
/// A SIP user agent on one address and port (UDP and TCP): transports, transactions, UAS and UAC
/// cores, dialogs and a registrar. Set <see cref="IncomingCallHandler"/>, call <see cref="Start"/>,
/// place calls with <see cref="Call"/>, look up registrations through <see cref="Registrar"/>.
/// </summary>
/// <remarks>
/// The endpoint only composes the layers (as sipgo does): the transport, the transaction layer, the UAS
/// side (<see cref="SipServer"/>), the UAC side (<see cref="SipClient"/>), the dialog table and the 2xx
/// retransmission of the UAS core (<see cref="TwoHundredRetransmitter"/>).
/// </remarks>
public sealed class SipEndpoint : IAsyncDisposable, ITransactionUser
{
    /// <summary>Methods this endpoint handles (Allow header).</summary>
    public const string AllowedMethods = "INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, INFO, UPDATE, REFER, NOTIFY";

    private readonly SipEndpointOptions options;
    private readonly TimeProvider time;
    private readonly ILogger<SipEndpoint> logger;
    private readonly SipSocketTransport? sockets;
    private readonly SipTransportLayer transports;
    private readonly SipRateLimiter limiter;
    private readonly TransactionLayer transactions;
    private readonly DialogTable dialogs;
    private readonly TwoHundredRetransmitter twoHundreds;
    private readonly SipServer server;
    private readonly SipClient client;
    private int started;
    private string? sentBy;
    private string? udpContact;
    private string? tcpContact;

    /// <summary>
    /// Creates an endpoint on UDP and TCP with its own registrar (<see cref="SipRegistrar.ForEndpoint"/>). With
    /// <paramref name="credentials"/>, REGISTER needs digest authentication.
    /// </summary>
    public SipEndpoint(SipEndpointOptions options, ILoggerFactory loggerFactory, TimeProvider? time = null, ISipCredentialStore? credentials = null)
        : this(options, SipRegistrar.ForEndpoint(Validated(options), credentials, time ?? TimeProvider.System, loggerFactory), loggerFactory, time)
    {
    }

    /// <summary>Creates an endpoint on UDP and TCP whose REGISTERs go to <paramref name="registrar"/>.</summary>
    public SipEndpoint(SipEndpointOptions options, SipRegistrar registrar, ILoggerFactory loggerFactory, TimeProvider? time = null)
        : this(options, registrar, loggerFactory, time, null)
    {
    }

    /// <summary>
    /// Creates an endpoint over the given transports (null: the UDP/TCP socket transport of <paramref name="options"/>).
    /// The transports are started by <see cref="Start"/> and disposed with the endpoint.
    /// </summary>
    internal SipEndpoint(SipEndpointOptions options, SipRegistrar registrar, ILoggerFactory loggerFactory, TimeProvider? time, IReadOnlyList<ISipTransport>? transports)
    {
        ArgumentNullException.ThrowIfNull(registrar);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        this.options = Validated(options);
        this.time = time ?? TimeProvider.System;
        logger = loggerFactory.CreateLogger<SipEndpoint>();
        limiter = new SipRateLimiter(options.RateLimitPerSecond, options.RateLimitBurst, options.RateLimitCoolOff, this.time, options.RateLimitExempt);
        this.transports = new SipTransportLayer(transports ??
        [
            new SipSocketTransport(options, this.time, loggerFactory.CreateLogger<SipSocketTransport>()),
            new SipWebSocketTransport(options, loggerFactory.CreateLogger<SipWebSocketTransport>()),
        ]);
        sockets = this.transports.Sockets;
        transactions = new TransactionLayer(this.transports, options, this.time, loggerFactory.CreateLogger<TransactionLayer>());
        transactions.SetUser(this);
        Registrar = registrar;
        dialogs = new DialogTable(logger);
        client = new SipClient(this, options, logger, this.transports, transactions, dialogs);
        twoHundreds = new TwoHundredRetransmitter(options, this.time, logger, transactions,
            (dialog, bye) => client.SendInDialogAsync(dialog, bye, CancellationToken.None));
        server = new SipServer(this, options, this.time, logger, transactions, limiter, Registrar, dialogs, twoHundreds);
        Host = options.PublicHost ?? options.ListenAddress;
    }

    private static SipEndpointOptions Validated(SipEndpointOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Validate() is { } error)
        {
            throw new ArgumentException(error, nameof(options));
        }
        return options;
    }

    /// <summary>The registrar answering REGISTER on this endpoint.</summary>
    public SipRegistrar Registrar { get; }

    /// <summary>The registrar's digest authenticator (null when REGISTER is not authenticated).</summary>
    public DigestAuthenticator? Authenticator => Registrar.Authenticator;

    /// <summary>Brute-force protection of the registrar's digest (null when REGISTER is not authenticated).</summary>
    public DigestFailureGuard? AuthGuard => Registrar.Guard;

    /// <summary>
    /// Exempts these networks from the per-source request rate (Sip:RateLimitPerSecond): trunks carry many calls from one
    /// address. Brute-force blocking still applies to them.
    /// </summary>
    public void ExemptFromRateLimit(IEnumerable<IPNetwork> networks) => limiter.AddExempt(networks);

    /// <summary>Host written into Via and Contact.</summary>
    public string Host { get; private set; }

    /// <summary>The bound UDP address (after <see cref="Start"/>).</summary>
    public IPEndPoint? UdpEndPoint => sockets?.UdpEndPoint;

    /// <summary>The bound TCP address (after <see cref="Start"/>).</summary>
    public IPEndPoint? TcpEndPoint => sockets?.TcpEndPoint;

    /// <summary>The bound TLS address (after <see cref="Start"/>, when Sip:EnableTls).</summary>
    public IPEndPoint? TlsEndPoint => sockets?.TlsEndPoint;

    /// <summary>Open TLS connections.</summary>
    public int TlsConnectionCount => sockets?.TlsConnectionCount ?? 0;

    /// <summary>
    /// How the certificate of <paramref name="remote"/> is verified when the endpoint connects to it over TLS (a trunk
    /// dialled with transport TLS or a <c>sips:</c> URI). Without this: the system's roots and the IP address as the name.
    /// </summary>
    public void TrustTlsPeer(IPEndPoint remote, Transport.SipTlsTrust trust)
    {
        ArgumentNullException.ThrowIfNull(remote);
        ArgumentNullException.ThrowIfNull(trust);
        (sockets ?? throw new InvalidOperationException("this endpoint has no socket transport")).SetTlsTrust(remote, trust);
    }

    /// <summary>The port in use (UDP, else TCP).</summary>
    public int Port => (UdpEndPoint ?? TcpEndPoint)?.Port ?? options.Port;

    /// <summary>New INVITEs waiting in the UDP receive threads behind ACK, BYE, CANCEL, in-dialog requests and responses now.</summary>
    public int QueuedInvites => sockets?.QueuedInvites ?? 0;

    /// <summary>
    /// New INVITEs answered 503 at once by the UDP receive thread because its queue was full
    /// (<see cref="SipEndpointOptions.MaxQueuedInvites"/>) or its oldest INVITE had waited longer than
    /// <see cref="SipEndpointOptions.MaxInviteQueueWait"/>, since start.
    /// </summary>
    public long InvitesShed => sockets?.InvitesShed ?? 0;

    /// <summary>
    /// The application's early, cheap overload gate: called for each new INVITE (no To tag, no transaction yet) with its
    /// source address where it is first read — on the UDP receive thread before the INVITE is queued, on a TCP, TLS or
    /// WebSocket connection's read loop before any transaction — and false answers it <c>503</c> with <c>Retry-After</c>
    /// at once, statelessly (the application counts it). Must be fast and thread-safe. Null: every new INVITE reaches
    /// <see cref="IncomingCallHandler"/>.
    /// </summary>
    public Func<IPAddress, bool>? NewCallGate { get; set; }

    /// <summary>
    /// Called with how long a refused new INVITE took to get its 503: from its datagram or message being read to the 503
    /// being sent, for every 503 to a new INVITE — the receive thread's (queue full or waited too long, the application's
    /// <see cref="NewCallGate"/>) and the application's own <see cref="IncomingCall.Reject"/> with 503. For metrics; must be
    /// fast and thread-safe.
    /// </summary>
    public Action<TimeSpan>? RefusalSent { get; set; }

    /// <summary>Reports a 503 to a new INVITE read at <paramref name="receivedTimestamp"/> (0: unknown, not reported).</summary>
    internal void OnRefusalSent(long receivedTimestamp)
    {
        if (receivedTimestamp != 0 && RefusalSent is { } report)
        {
            report(time.GetElapsedTime(receivedTimestamp));
        }
    }

    /// <summary>
    /// A new INVITE read on a connection (TCP, TLS, WebSocket: no receive queue there): stamped, and refused with a stateless
    /// 503 at once when the application's <see cref="NewCallGate"/> says no. True when it was refused.
    /// </summary>
    internal bool RefusesOnConnection(SipRequest invite, SipSource source)
    {
        if (invite.ReceivedTimestamp == 0)
        {
            invite.ReceivedTimestamp = time.GetTimestamp();
        }

        if (NewCallGate is not { } gate || transactions.HasServerTransaction(invite) || gate(source.RemoteEndPoint.Address))
        {
            return false;
        }

        ShedInvite(invite, source);
        return true;
    }

    /// <summary>The <c>Retry-After</c> value (whole seconds) of a 503 refusing a new call for overload.</summary>
    public string OverloadRetryAfter => ((int)Math.Ceiling(options.OverloadRetryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);

    private void ShedInvite(SipRequest invite, SipSource source)
    {
        var busy = SipMessageFactory.CreateResponse(invite, 503, toTag: SipIds.NewTag());
        busy.Headers.Add("Retry-After", OverloadRetryAfter);
        transactions.SendStateless(busy, invite, source);
        OnRefusalSent(invite.ReceivedTimestamp);
    }

    /// <summary>Live dialogs.</summary>
    public int DialogCount => dialogs.Count;

    /// <summary>Live transactions (server + client); for tests and metrics.</summary>
    public int TransactionCount => transactions.ServerCount + transactions.ClientCount;

    /// <summary>Server transactions created since start (a retransmission absorbed by a live one is not a new one); for metrics.</summary>
    public long ServerTransactionsStarted => transactions.ServerTransactionsStarted;

    /// <summary>Client transactions created since start; for metrics.</summary>
    public long ClientTransactionsStarted => transactions.ClientTransactionsStarted;

    /// <summary>Open TCP connections.</summary>
    public int TcpConnectionCount => sockets?.TcpConnectionCount ?? 0;

    /// <summary>Open SIP WebSocket connections (RFC 7118).</summary>
    public int WebSocketConnectionCount => transports.WebSockets?.ConnectionCount ?? 0;

    /// <summary>
    /// Serves SIP over a WebSocket the web host has accepted (RFC 7118: subprotocol <c>sip</c>, which the host must have
    /// selected) until it closes; messages go both ways over it. <paramref name="remote"/> and <paramref name="local"/>
    /// are the TCP connection's ends, <paramref name="secure"/> says whether it came over TLS (Via transport WSS), and
    /// <paramref name="authenticatedUser"/> is who the host signed in (REGISTERs for that user's address of record need no
    /// digest then), or null. When the WebSocket closes, every registration bound to it is removed at once
    /// (<see cref="SipRegistrar.BindingEnded"/>), its dialogs end (<see cref="SipDialogEndReason.ConnectionClosed"/>) and
    /// calls ringing over it fail with 503.
    /// </summary>
    public Task ServeWebSocketAsync(System.Net.WebSockets.WebSocket socket, IPEndPoint remote, IPEndPoint local, bool secure, string? authenticatedUser,
        CancellationToken cancellationToken = default)
    {
        var webSockets = transports.WebSockets ?? throw new InvalidOperationException("this endpoint has no WebSocket transport");
        if (Volatile.Read(ref started) == 0)
        {
            throw new InvalidOperationException("the SIP endpoint is not started");
        }
        return webSockets.ServeAsync(socket, remote, local, secure, authenticatedUser, cancellationToken);
    }

    /// <summary>
    /// Called for each new INVITE outside a dialog, on the receive path: it must return quickly (answer,
    /// reject or start the call's own work) and do any waiting asynchronously. Without a handler calls
    /// get 480. Exceptions thrown by the handler (or its task) are logged and the call gets 500 if still
    /// unanswered.
    /// </summary>
    public Func<IncomingCall, Task>? IncomingCallHandler
    {
        get => server.IncomingCallHandler;
        set => server.IncomingCallHandler = value;
    }

    /// <summary>Raised when a dialog ends (after BYE in either direction or ACK timeout).</summary>
    public event Action<SipDialog, SipDialogEndReason>? DialogEnded
    {
        add => dialogs.DialogEnded += value;
        remove => dialogs.DialogEnded -= value;
    }

    /// <summary>Binds the UDP and TCP sockets and starts the receive loops.</summary>
    public void Start()
    {
        if (Interlocked.Exchange(ref started, 1) != 0)
        {
            throw new InvalidOperationException("already started");
        }
        if (sockets is not null)
        {
            sockets.IsKnownTransaction = transactions.HasServerTransaction;
            sockets.ShedInvite = ShedInvite;
            sockets.AdmitsNewInvite = source => NewCallGate?.Invoke(source.RemoteEndPoint.Address) != false;
        }
        transports.Start(OnReceive, OnConnectionClosed, limiter);
        if (options.PublicHost is null && (Host == "0.0.0.0" || Host == "::"))
        {
            Host = "127.0.0.1";
        }
        if (Host.Contains(':', StringComparison.Ordinal) && !Host.StartsWith('['))
        {
            Host = "[" + Host + "]";
        }
        sentBy = SentBy(SipProtocol.Udp, null);
        udpContact = ContactFor(SipProtocol.Udp);
        tcpContact = ContactFor(SipProtocol.Tcp);
        logger.LogInformation("SIP endpoint listening on UDP {Udp} TCP {Tcp} TLS {Tls}", UdpEndPoint, TcpEndPoint, TlsEndPoint?.ToString() ?? "off");
    }

    /// <summary>
    /// Graceful stop: new INVITEs get 503, every confirmed dialog is hung up with BYE (waiting up to
    /// <paramref name="drain"/> for the answers), then sockets close.
    /// </summary>
    public async Task StopAsync(TimeSpan drain)
    {
        server.Stopping = true;
        var byes = dialogs.All.Where(d => d.State == SipDialogState.Confirmed).Select(d => d.SendByeAsync()).ToList();
        try
        {
            await Task.WhenAll(byes).WaitAsync(drain, time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            logger.LogWarning("{Count} BYE(s) unanswered at shutdown", byes.Count(b => !b.IsCompleted));
        }
        await DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Stops at once: ends dialogs (no BYE), closes sockets and stops the loops.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var d in dialogs.All)
        {
            d.End(SipDialogEndReason.Shutdown);
        }
        twoHundreds.Clear();
        transactions.Dispose();
        await transports.DisposeAsync().ConfigureAwait(false);
    }

    internal static string DialogId(string callId, string localTag, string remoteTag) => DialogTable.DialogId(callId, localTag, remoteTag);

    internal void AddDialog(SipDialog d) => dialogs.Add(d);

    internal void RemoveDialog(SipDialog d) => dialogs.Remove(d);

    /// <summary>Finds a live dialog by Call-ID and tags.</summary>
    public SipDialog? FindDialog(string callId, string localTag, string remoteTag) => dialogs.Find(callId, localTag, remoteTag);

    /// <summary>
    /// Contact header value for our responses and requests over <paramref name="protocol"/>. Over a WebSocket our
    /// address is the web host's end of that connection (<paramref name="local"/>), not the SIP port.
    /// </summary>
    internal string ContactFor(SipProtocol protocol, IPEndPoint? local = null)
    {
        // UDP and TCP contacts are fixed once the sockets are bound: built once (one fewer string per 1xx/2xx).
        if (protocol == SipProtocol.Udp && udpContact is { } udp)
        {
            return udp;
        }
        if (protocol == SipProtocol.Tcp && tcpContact is { } tcp)
        {
            return tcp;
        }
        return protocol.UriTransport() is { } transport ? $"<sip:{SentBy(protocol, local)};transport={transport}>" : $"<sip:{SentBy(protocol, local)}>";
    }

    /// <summary>Contact header value for a message on <paramref name="flow"/>.</summary>
    internal string ContactFor(SipSource flow) => ContactFor(flow.Protocol, flow.LocalEndPoint);

    /// <summary>Our host and port in Via and Contact: the SIP socket's, or over a WebSocket the web host's end of that connection.</summary>
    internal string SentBy(SipProtocol protocol, IPEndPoint? local)
    {
        if (protocol == SipProtocol.Tls && TlsEndPoint is { } tls)
        {
            return string.Concat(Host, ":", tls.Port.ToString(CultureInfo.InvariantCulture));
        }
        if (!protocol.IsWebSocket() || local is null)
        {
            return sentBy ?? string.Concat(Host, ":", Port.ToString(CultureInfo.InvariantCulture));
        }
        var address = local.Address.IsIPv4MappedToIPv6 ? local.Address.MapToIPv4() : local.Address;
        var text = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "[" + address + "]" : address.ToString();
        return string.Concat(text, ":", local.Port.ToString(CultureInfo.InvariantCulture));
    }

    private void OnReceive(SipParseResult result, SipSource source) => server.OnReceive(result, source);

    /// <summary>
    /// A connection closed. A WebSocket peer cannot be reached any other way (RFC 7118 §5): its dialogs end, an INVITE
    /// it sent that is still unanswered is cancelled and requests we sent down it fail at once (503). Registrations
    /// bound to the connection go whatever the transport (the registrar decides which are).
    /// </summary>
    private void OnConnectionClosed(SipConnection connection)
    {
        if (connection.Protocol.IsWebSocket())
        {
            transactions.OnConnectionClosed(connection);
            foreach (var d in dialogs.All)
            {
                if (d.Flow?.Connection == connection)
                {
                    d.End(SipDialogEndReason.ConnectionClosed);
                }
            }
        }
        Registrar.OnConnectionClosed(connection);
    }

    void ITransactionUser.OnRequest(SipServerTransaction tx) => server.OnRequest(tx);

    void ITransactionUser.OnAck(SipRequest ack) => twoHundreds.OnAck(ack);

    void ITransactionUser.OnStrayResponse(SipResponse response) => client.OnStrayResponse(response);

    /// <summary>
    /// Sends a 2xx to an INVITE and retransmits it until the ACK (§13.3.1.4). False when the transaction
    /// already had a final response.
    /// </summary>
    internal bool SendTwoHundred(SipDialog dialog, SipResponse ok, SipServerTransaction tx, bool endDialogOnTimeout = true) =>
        twoHundreds.SendTwoHundred(dialog, ok, tx, endDialogOnTimeout);

    internal Task<SipResponse> SendInDialogAsync(SipDialog dialog, SipRequest request, CancellationToken cancellationToken) =>
        client.SendInDialogAsync(dialog, request, cancellationToken);

    /// <summary>Resolves a SIP URI to a destination (IP literal or DNS A/AAAA; transport parameter honoured).</summary>
    public Task<SipDestination> ResolveAsync(SipUri uri, CancellationToken cancellationToken = default) => client.ResolveAsync(uri, cancellationToken);

    /// <summary>Builds an out-of-dialog request with From (tagged), To, Call-ID, CSeq and Max-Forwards.</summary>
    public SipRequest CreateRequest(string method, SipUri requestUri, SipNameAddress from, SipNameAddress to, string? callId = null, uint cseq = 1) =>
        client.CreateRequest(method, requestUri, from, to, callId, cseq);

    /// <summary>
    /// Sends an out-of-dialog non-INVITE request (OPTIONS, MESSAGE, REGISTER...) and returns the final
    /// response (408 on timeout, 503 on transport failure). A Via is added when missing.
    /// </summary>
    public Task<SipResponse> SendRequestAsync(SipRequest request, SipDestination? destination = null, CancellationToken cancellationToken = default) =>
        client.SendRequestAsync(request, destination, cancellationToken);

    /// <summary>
    /// Places a call (UAC): sends the INVITE with the offer, follows provisional responses, ACKs the
    /// answer and returns an <see cref="OutgoingCall"/> whose Completion carries the dialog or the failure.
    /// </summary>
    public OutgoingCall Call(SipCallOptions callOptions) => client.Call(callOptions);
}
