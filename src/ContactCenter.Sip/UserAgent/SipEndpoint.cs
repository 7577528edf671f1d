using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ContactCenter.Sip.Auth;
using ContactCenter.Sip.Message;
using ContactCenter.Sip.Registrar;
using ContactCenter.Sip.Sdp;
using ContactCenter.Sip.Transactions;
using ContactCenter.Sip.Transport;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Sip.UserAgent;

/// <summary>
/// A SIP user agent on one address and port (UDP and TCP): transports, transactions, UAS and UAC
/// cores, dialogs and a registrar. Set <see cref="IncomingCallHandler"/>, call <see cref="Start"/>,
/// place calls with <see cref="Call"/>, look up registrations through <see cref="Registrar"/>.
/// </summary>
public sealed class SipEndpoint : IAsyncDisposable, ITransactionUser
{
    /// <summary>Methods this endpoint handles (Allow header).</summary>
    public const string AllowedMethods = "INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, INFO, UPDATE, REFER, NOTIFY";

    private static readonly HashSet<string> KnownUnsupported = ["SUBSCRIBE", "NOTIFY", "MESSAGE", "REFER", "PUBLISH", "PRACK"];

    private readonly SipEndpointOptions options;
    private readonly TimeProvider time;
    private readonly ILogger<SipEndpoint> logger;
    private readonly SipTransport transport;
    private readonly TransactionLayer transactions;
    private readonly SipRateLimiter limiter;
    private readonly ConcurrentDictionary<string, SipDialog> dialogs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, PendingAck> pendingAcks = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, OutgoingCall> outgoing = new(StringComparer.Ordinal);
    private int started;
    private volatile bool stopping;

    /// <summary>Creates an endpoint. With <paramref name="credentials"/>, REGISTER needs digest authentication.</summary>
    public SipEndpoint(SipEndpointOptions options, ILoggerFactory loggerFactory, TimeProvider? time = null, ISipCredentialStore? credentials = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        if (options.Validate() is { } error)
        {
            throw new ArgumentException(error, nameof(options));
        }
        this.options = options;
        this.time = time ?? TimeProvider.System;
        logger = loggerFactory.CreateLogger<SipEndpoint>();
        transport = new SipTransport(options, this.time, loggerFactory.CreateLogger<SipTransport>(), OnReceive);
        limiter = new SipRateLimiter(options.RateLimitPerSecond, options.RateLimitBurst, options.RateLimitCoolOff, this.time);
        transport.RateLimiter = limiter;
        transactions = new TransactionLayer(transport, options, this.time, loggerFactory.CreateLogger<TransactionLayer>());
        transactions.SetUser(this);
        Authenticator = credentials is null ? null : new DigestAuthenticator(
            new DigestOptions { Realm = options.Realm, NonceLifetime = options.NonceLifetime, Algorithms = options.ParsedDigestAlgorithms() }, credentials, this.time);
        Registrar = new SipRegistrar(
            new RegistrarOptions { DefaultExpires = options.RegistrarDefaultExpires, MinExpires = options.RegistrarMinExpires, MaxExpires = options.RegistrarMaxExpires },
            this.time, Authenticator, loggerFactory.CreateLogger<SipRegistrar>());
        Host = options.PublicHost ?? options.ListenAddress;
    }

    /// <summary>The registrar answering REGISTER on this endpoint.</summary>
    public SipRegistrar Registrar { get; }

    /// <summary>The digest authenticator (null when REGISTER is not authenticated).</summary>
    public DigestAuthenticator? Authenticator { get; }

    /// <summary>Host written into Via and Contact.</summary>
    public string Host { get; private set; }

    /// <summary>The bound UDP address (after <see cref="Start"/>).</summary>
    public IPEndPoint? UdpEndPoint => transport.UdpEndPoint;

    /// <summary>The bound TCP address (after <see cref="Start"/>).</summary>
    public IPEndPoint? TcpEndPoint => transport.TcpEndPoint;

    /// <summary>The port in use (UDP, else TCP).</summary>
    public int Port => (UdpEndPoint ?? TcpEndPoint)?.Port ?? options.Port;

    /// <summary>Live dialogs.</summary>
    public int DialogCount => dialogs.Count;

    /// <summary>Live transactions (server + client); for tests and metrics.</summary>
    public int TransactionCount => transactions.ServerCount + transactions.ClientCount;

    /// <summary>Server transactions created since start (a retransmission absorbed by a live one is not a new one); for metrics.</summary>
    public long ServerTransactionsStarted => transactions.ServerTransactionsStarted;

    /// <summary>Client transactions created since start; for metrics.</summary>
    public long ClientTransactionsStarted => transactions.ClientTransactionsStarted;

    /// <summary>Open TCP connections.</summary>
    public int TcpConnectionCount => transport.TcpConnectionCount;

    /// <summary>
    /// Called for each new INVITE outside a dialog, on the receive path: it must return quickly (answer,
    /// reject or start the call's own work) and do any waiting asynchronously. Without a handler calls
    /// get 480. Exceptions thrown by the handler (or its task) are logged and the call gets 500 if still
    /// unanswered.
    /// </summary>
    public Func<IncomingCall, Task>? IncomingCallHandler { get; set; }

    /// <summary>Raised when a dialog ends (after BYE in either direction or ACK timeout).</summary>
    public event Action<SipDialog, SipDialogEndReason>? DialogEnded;

    /// <summary>Binds the UDP and TCP sockets and starts the receive loops.</summary>
    public void Start()
    {
        if (Interlocked.Exchange(ref started, 1) != 0)
        {
            throw new InvalidOperationException("already started");
        }
        transport.Start();
        if (options.PublicHost is null && (Host == "0.0.0.0" || Host == "::"))
        {
            Host = "127.0.0.1";
        }
        if (Host.Contains(':', StringComparison.Ordinal) && !Host.StartsWith('['))
        {
            Host = "[" + Host + "]";
        }
        logger.LogInformation("SIP endpoint listening on UDP {Udp} TCP {Tcp}", UdpEndPoint, TcpEndPoint);
    }

    /// <summary>
    /// Graceful stop: new INVITEs get 503, every confirmed dialog is hung up with BYE (waiting up to
    /// <paramref name="drain"/> for the answers), then sockets close.
    /// </summary>
    public async Task StopAsync(TimeSpan drain)
    {
        stopping = true;
        var byes = dialogs.Values.Where(d => d.State == SipDialogState.Confirmed).Select(d => d.SendByeAsync()).ToList();
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
        foreach (var d in dialogs.Values)
        {
            d.End(SipDialogEndReason.Shutdown);
        }
        foreach (var p in pendingAcks.Values)
        {
            p.Timer.Dispose();
        }
        pendingAcks.Clear();
        transactions.Dispose();
        await transport.DisposeAsync().ConfigureAwait(false);
    }

    internal static string DialogId(string callId, string localTag, string remoteTag) => string.Concat(callId, "|", localTag, "|", remoteTag);

    internal void AddDialog(SipDialog d) => dialogs[d.Id] = d;

    internal void RemoveDialog(SipDialog d)
    {
        if (dialogs.TryRemove(new KeyValuePair<string, SipDialog>(d.Id, d)))
        {
            if (DialogEnded is null)
            {
                return;
            }
            _ = Task.Run(async () =>
            {
                try
                {
                    var reason = await d.Ended.ConfigureAwait(false);
                    DialogEnded?.Invoke(d, reason);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    logger.LogWarning(ex, "DialogEnded handler failed");
                }
            });
        }
    }

    /// <summary>Finds a live dialog by Call-ID and tags.</summary>
    public SipDialog? FindDialog(string callId, string localTag, string remoteTag) =>
        dialogs.TryGetValue(DialogId(callId, localTag, remoteTag), out var d) ? d : null;

    /// <summary>Contact header value for our responses and requests.</summary>
    internal string ContactFor(SipProtocol protocol) =>
        protocol == SipProtocol.Tcp ? $"<sip:{Host}:{Port.ToString(CultureInfo.InvariantCulture)};transport=tcp>" : $"<sip:{Host}:{Port.ToString(CultureInfo.InvariantCulture)}>";

    // ------------------------------------------------------------------ receive path

    private void OnReceive(SipParseResult result, SipSource source)
    {
        if (result.Error is { } error)
        {
            if (error.Partial is SipRequest partial && partial.Method != "ACK" && partial.Headers.CountOf(SipHeaderId.Via) > 0)
            {
                if (!limiter.TryAcquire(source.RemoteEndPoint.Address))
                {
                    return;
                }
                var r = SipMessageFactory.CreateResponse(partial, error.StatusCode);
                if (error.StatusCode == 501)
                {
                    r.Headers.Add("Allow", AllowedMethods);
                }
                r.Headers.Add("Warning", $"399 {Host} \"{error.Description.Replace('"', '\'')}\"");
                transactions.SendStateless(r, partial, source);
            }
            logger.LogDebug("Malformed message from {Source}: {Error}", source.RemoteEndPoint, error);
            return;
        }
        var message = result.Message!;
        message.Source = source;
        if (message is SipRequest request && !limiter.TryAcquire(source.RemoteEndPoint.Address))
        {
            if (request.Method != "ACK")
            {
                var busy = SipMessageFactory.CreateResponse(request, 503);
                busy.Headers.Add("Retry-After", ((int)Math.Ceiling(options.RateLimitCoolOff.TotalSeconds)).ToString(CultureInfo.InvariantCulture));
                transactions.SendStateless(busy, request, source);
            }
            logger.LogWarning("Source {Source} exceeded the request rate; ignored for {CoolOff}", source.RemoteEndPoint.Address, options.RateLimitCoolOff);
            return;
        }
        if (message is SipResponse { StatusCode: >= 200 } resp && resp.Vias.Count > 1)
        {
            // §18.1.2: a response with more than one Via is not for us (we are not a proxy): drop.
            logger.LogDebug("Dropping response with {Count} Via values", resp.Vias.Count);
            return;
        }
        transactions.OnMessage(message, source);
    }

    void ITransactionUser.OnRequest(SipServerTransaction tx)
    {
        var request = tx.Request;
        var method = request.Method;
        if (method == "CANCEL")
        {
            HandleCancel(tx);
            return;
        }
        // §8.2.1: method inspection.
        if (!SipParser.IsKnownMethod(method))
        {
            Respond(tx, 501, ("Allow", AllowedMethods));
            return;
        }
        // REFER (transfer) and NOTIFY (its progress) are handled inside a dialog only.
        if (KnownUnsupported.Contains(method) && !(request.To.Tag is not null && method is "REFER" or "NOTIFY"))
        {
            Respond(tx, 405, ("Allow", AllowedMethods));
            return;
        }
        // §8.2.2.1: Request-URI scheme.
        if (request.RequestUri.Scheme is not ("sip" or "sips" or "tel"))
        {
            Respond(tx, 416);
            return;
        }
        if (request.TopVia!.Branch == SipVia.MagicCookie)
        {
            Respond(tx, 400, ("Warning", $"399 {Host} \"Via branch is only the magic cookie: no transaction identifier\""));
            return;
        }
        // §8.2.2.3: Require — we support no extensions.
        var require = request.Headers.GetAll("Require");
        if (require.Count > 0)
        {
            Respond(tx, 420, ("Unsupported", string.Join(", ", require)));
            return;
        }
        // §8.2.3: content processing.
        if (request.Body.Length > 0 && method is "INVITE" or "UPDATE")
        {
            var ct = request.ContentType;
            if (ct is null || !ct.Split(';')[0].Trim().Equals("application/sdp", StringComparison.OrdinalIgnoreCase))
            {
                Respond(tx, 415, ("Accept", "application/sdp"));
                return;
            }
            var enc = request.Headers.Get(SipHeaderId.ContentEncoding);
            if (enc is not null && !enc.Trim().Equals("identity", StringComparison.OrdinalIgnoreCase))
            {
                Respond(tx, 415, ("Accept-Encoding", "identity"));
                return;
            }
        }
        if (method == "INVITE" && request.Headers.Get(SipHeaderId.Accept) is not null && !AcceptsSdp(request.Headers.GetAll("Accept")))
        {
            Respond(tx, 406, ("Warning", $"399 {Host} \"Accept does not include application/sdp\""));
            return;
        }
        if (request.To.Tag is not null)
        {
            HandleInDialog(tx);
            return;
        }
        switch (method)
        {
            case "REGISTER":
                _ = HandleRegisterAsync(tx);
                break;
            case "OPTIONS":
                Respond(tx, 200, ("Allow", AllowedMethods), ("Accept", "application/sdp"), ("Accept-Encoding", "identity"), ("Accept-Language", "en"), ("Supported", ""));
                break;
            case "INVITE":
                HandleNewInvite(tx);
                break;
            default:
                Respond(tx, 481);
                break;
        }
    }

    private static bool AcceptsSdp(IReadOnlyList<string> accept)
    {
        foreach (var a in accept)
        {
            var t = a.Split(';')[0].Trim();
            if (t.Equals("application/sdp", StringComparison.OrdinalIgnoreCase) || t is "*/*" or "application/*")
            {
                return true;
            }
        }
        return false;
    }

    private void Respond(SipServerTransaction tx, int code, params (string Name, string Value)[] headers)
    {
        var r = SipMessageFactory.CreateResponse(tx.Request, code);
        foreach (var (n, v) in headers)
        {
            if (v.Length > 0)
            {
                r.Headers.Add(n, v);
            }
        }
        tx.SendResponse(r);
    }

    private async Task HandleRegisterAsync(SipServerTransaction tx)
    {
        try
        {
            var r = await Registrar.HandleRegisterAsync(tx.Request, CancellationToken.None).ConfigureAwait(false);
            tx.SendResponse(r);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            logger.LogError(ex, "Registrar failed");
            Respond(tx, 500);
        }
    }

    private void HandleCancel(SipServerTransaction tx)
    {
        // §9.2: match the CANCEL to its INVITE server transaction.
        var entry = transactions.FindInviteFor(tx.Request);
        if (entry is null)
        {
            Respond(tx, 481);
            return;
        }
        Respond(tx, 200);
        if (entry.Live is not { } invite)
        {
            // The INVITE already had its final response: the CANCEL has no effect.
            return;
        }
        var call = invite.UserState as IncomingCall;
        if (!invite.HasFinalResponse)
        {
            var r = SipMessageFactory.CreateResponse(invite.Request, 487, toTag: call?.LocalTag);
            invite.SendResponse(r);
        }
        if (call is not null)
        {
            _ = Task.Run(call.Cancel);
        }
    }

    private void HandleNewInvite(SipServerTransaction tx)
    {
        SessionDescription? offer = null;
        string? offerError = null;
        if (tx.Request.Body.Length > 0 && !SessionDescription.TryParse(tx.Request.BodyText, out offer, out offerError))
        {
            offer = null;
        }
        var call = new IncomingCall(this, tx, offer, offerError);
        tx.UserState = call;
        tx.TimedOut = call.Cancel;
        var ringLimit = time.CreateTimer(_ =>
        {
            if (!call.IsAnswered && call.Reject(480, "Temporarily Unavailable (not answered)"))
            {
                call.Cancel();
            }
        }, null, options.MaxRingTime, Timeout.InfiniteTimeSpan);
        // Disposed at the final response (every transaction ends after one): its callback holds the
        // call (dialog, SDP), which must not live on for the transaction's 32 s retransmission window.
        tx.Finalized = ringLimit.Dispose;
        var handler = IncomingCallHandler;
        if (stopping)
        {
            call.Reject(503, "Service Unavailable (shutting down)");
            return;
        }
        if (handler is null)
        {
            call.Reject(480);
            return;
        }
        // Inline on the receive path (no thread hop per call): the handler's contract is to return
        // quickly and do its waiting asynchronously. Its task is observed without blocking.
        Task pending;
        try
        {
            pending = handler(call);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            pending = Task.FromException(ex);
        }
        if (pending.IsCompletedSuccessfully)
        {
            return;
        }
        _ = ObserveHandlerAsync(pending, call);
    }

    private async Task ObserveHandlerAsync(Task pending, IncomingCall call)
    {
        try
        {
            await pending.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            logger.LogError(ex, "Incoming call handler failed for {CallId}", call.CallId);
            if (!call.IsAnswered)
            {
                call.Reject(500);
            }
        }
    }

    private void HandleInDialog(SipServerTransaction tx)
    {
        var request = tx.Request;
        var dialog = FindDialog(request.CallId, request.To.Tag!, request.From.Tag ?? "");
        if (dialog is null)
        {
            Respond(tx, 481);
            return;
        }
        if (!dialog.AcceptRemoteCSeq(request.CSeq.Number, request.Method))
        {
            // §12.2.2: lower CSeq than the last one received.
            Respond(tx, 500, ("Warning", $"399 {Host} \"CSeq out of order\""));
            return;
        }
        switch (request.Method)
        {
            case "BYE":
                Respond(tx, 200);
                if (dialog.End(SipDialogEndReason.RemoteBye))
                {
                    StopRetransmissions(dialog);
                }
                break;
            case "INFO":
                Respond(tx, 200);
                RaiseOffReceivePath(dialog.RaiseInfo, request);
                break;
            case "OPTIONS":
                Respond(tx, 200, ("Allow", AllowedMethods), ("Accept", "application/sdp"));
                break;
            case "INVITE":
            case "UPDATE":
                _ = HandleOfferAsync(dialog, tx);
                break;
            case "REFER":
                HandleRefer(dialog, tx);
                break;
            case "NOTIFY":
                Respond(tx, 200);
                RaiseOffReceivePath(dialog.RaiseNotify, request);
                break;
            default:
                Respond(tx, 405, ("Allow", AllowedMethods));
                break;
        }
    }

    /// <summary>Application handlers for in-dialog requests run on the pool, never on the receive thread.</summary>
    private void RaiseOffReceivePath(Action<SipRequest> raise, SipRequest request) =>
        _ = Task.Run(() =>
        {
            try
            {
                raise(request);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                logger.LogWarning(ex, "{Method} handler failed in dialog {CallId}", request.Method, request.CallId);
            }
        });

    /// <summary>RFC 3515: one Refer-To; the dialog's handler accepts (202, then NOTIFYs) or refuses.</summary>
    private void HandleRefer(SipDialog dialog, SipServerTransaction tx)
    {
        var referTo = tx.Request.Headers.GetAll("Refer-To");
        if (referTo.Count != 1 || !SipNameAddress.TryParse(referTo[0], out var target, out _))
        {
            Respond(tx, 400, ("Warning", $"399 {Host} \"REFER needs exactly one valid Refer-To\""));
            return;
        }
        if (dialog.ReferHandler is not { } handler)
        {
            Respond(tx, 405, ("Allow", AllowedMethods));
            return;
        }
        var referral = new SipReferral(this, dialog, tx, target);
        _ = Task.Run(async () =>
        {
            try
            {
                await handler(referral).WaitAsync(options.T1 * 64, time).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                logger.LogWarning(ex, "REFER handler failed in dialog {CallId}", dialog.CallId);
            }
            finally
            {
                if (!referral.IsAnswered)
                {
                    referral.Reject(500);
                }
            }
        });
    }

    private async Task HandleOfferAsync(SipDialog dialog, SipServerTransaction tx)
    {
        var request = tx.Request;
        var isInvite = request.Method == "INVITE";
        if (isInvite && !dialog.TryBeginReInvite())
        {
            // §14.2: a re-INVITE while one is pending: 491.
            Respond(tx, 491);
            return;
        }
        try
        {
            SessionDescription? offer = null;
            if (request.Body.Length > 0 && !SessionDescription.TryParse(request.BodyText, out offer, out var err))
            {
                Respond(tx, 488, ("Warning", $"399 {Host} \"SDP: {err}\""));
                return;
            }
            SessionDescription? answer;
            if (dialog.OfferHandler is { } handler)
            {
                answer = await handler(dialog, offer).ConfigureAwait(false);
            }
            else
            {
                answer = DefaultAnswer(dialog, offer);
            }
            if (answer is null)
            {
                Respond(tx, 488);
                return;
            }
            if (request.Contacts.Count > 0)
            {
                dialog.RemoteTarget = request.Contacts[0].Uri;
            }
            if (offer is not null)
            {
                dialog.SetRemoteSdp(offer);
            }
            dialog.LocalSdp = answer;
            var r = SipMessageFactory.CreateResponse(request, 200);
            r.Headers.Add("Contact", ContactFor(tx.Source.Protocol));
            r.Headers.Add("Content-Type", "application/sdp");
            r.Body = Encoding.UTF8.GetBytes(answer.ToString());
            if (isInvite)
            {
                SendTwoHundred(dialog, r, tx, endDialogOnTimeout: false);
            }
            else
            {
                tx.SendResponse(r);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            logger.LogError(ex, "Offer handling failed in dialog {CallId}", dialog.CallId);
            Respond(tx, 500);
        }
        finally
        {
            if (isInvite)
            {
                dialog.EndReInvite();
            }
        }
    }

    private static SessionDescription? DefaultAnswer(SipDialog dialog, SessionDescription? offer)
    {
        var local = dialog.LocalSdp;
        if (offer is null)
        {
            return local;
        }
        var media = local?.Media.Find(m => m.Media == "audio");
        if (local is null || media is null || !IPAddress.TryParse(media.ConnectionAddress ?? local.ConnectionAddress, out var addr))
        {
            return null;
        }
        var result = SdpOfferAnswer.CreateAnswer(offer, new IPEndPoint(addr, media.Port), null, local.Origin.SessionId, local.Origin.SessionVersion + 1);
        return result.Answer;
    }

    // ------------------------------------------------------------------ 2xx retransmission (§13.3.1.4)

    private sealed class PendingAck
    {
        public required ITimer Timer { get; init; }
        public required byte[] Bytes { get; init; }
        public required SipDestination Destination { get; init; }
        public required SipDialog Dialog { get; init; }
        public required bool EndDialogOnTimeout { get; init; }
        public TimeSpan Interval;
        public TimeSpan Elapsed;
        public TimeSpan LastDue;
    }

    /// <summary>
    /// Sends a 2xx to an INVITE and retransmits it until the ACK (§13.3.1.4). The ACK may be read on a
    /// receive thread the moment the 2xx leaves, so its pending entry exists before the send. False when
    /// the transaction already had a final response.
    /// </summary>
    internal bool SendTwoHundred(SipDialog dialog, SipResponse ok, SipServerTransaction tx, bool endDialogOnTimeout = true)
    {
        if (ok.Headers.Get(SipHeaderId.Server) is null)
        {
            ok.Headers.Add("Server", options.UserAgent);
        }
        var key = string.Concat(dialog.CallId, "|", tx.Request.CSeq.Number.ToString(CultureInfo.InvariantCulture));
        var dest = transactions.DestinationFor(tx);
        var reliable = tx.Source.Protocol == SipProtocol.Tcp;
        var timer = time.CreateTimer(_ => OnTwoHundredTimer(key), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        var p = new PendingAck
        {
            Timer = timer,
            Bytes = ok.ToBytes(),
            Destination = dest,
            Dialog = dialog,
            EndDialogOnTimeout = endDialogOnTimeout,
            Interval = options.T1,
            LastDue = reliable ? options.T1 * 64 : options.T1,
        };
        pendingAcks[key] = p;
        dialog.PendingAckKey = key;
        if (!tx.SendResponse(ok))
        {
            if (pendingAcks.TryRemove(new KeyValuePair<string, PendingAck>(key, p)))
            {
                timer.Dispose();
            }
            return false;
        }
        // Reliable transports: no retransmission, but the 64*T1 wait for the ACK still applies. A timer
        // disposed by an ACK that already arrived ignores this Change.
        try
        {
            timer.Change(p.LastDue, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
        }
        return true;
    }

    private void OnTwoHundredTimer(string key)
    {
        if (!pendingAcks.TryGetValue(key, out var p))
        {
            return;
        }
        lock (p)
        {
            var limit = options.T1 * 64;
            p.Elapsed += p.LastDue;
            if (p.Elapsed >= limit)
            {
                pendingAcks.TryRemove(key, out _);
                p.Timer.Dispose();
                logger.LogWarning("No ACK for the 2xx in dialog {CallId}; ending it", p.Dialog.CallId);
                if (p.EndDialogOnTimeout && p.Dialog.End(SipDialogEndReason.AckTimeout))
                {
                    var bye = p.Dialog.CreateRequest("BYE");
                    _ = SendInDialogAsync(p.Dialog, bye, CancellationToken.None);
                }
                return;
            }
            transactions.SendRaw(p.Bytes, p.Destination);
            p.Interval = p.Interval * 2 > options.T2 ? options.T2 : p.Interval * 2;
            p.LastDue = p.Interval < limit - p.Elapsed ? p.Interval : limit - p.Elapsed;
            p.Timer.Change(p.LastDue, Timeout.InfiniteTimeSpan);
        }
    }

    private void StopRetransmissions(SipDialog dialog)
    {
        // O(1): the dialog knows the key of its pending 2xx (a scan of every pending ACK per BYE was
        // quadratic under load).
        if (dialog.PendingAckKey is { } key && pendingAcks.TryRemove(key, out var p))
        {
            p.Timer.Dispose();
        }
    }

    void ITransactionUser.OnAck(SipRequest ack)
    {
        var key = string.Concat(ack.CallId, "|", ack.CSeq.Number.ToString(CultureInfo.InvariantCulture));
        if (pendingAcks.TryRemove(key, out var p))
        {
            p.Timer.Dispose();
            if (ack.Body.Length > 0 && SessionDescription.TryParse(ack.BodyText, out var sdp, out _))
            {
                p.Dialog.SetRemoteSdp(sdp);
            }
            p.Dialog.Confirm();
        }
    }

    void ITransactionUser.OnStrayResponse(SipResponse response)
    {
        // A 2xx retransmission after the INVITE client transaction ended: ACK it again (§13.2.2.4).
        if (response.IsSuccess && response.CSeq.Method == "INVITE")
        {
            var d = FindDialog(response.CallId, response.From.Tag ?? "", response.To.Tag ?? "");
            if (d?.LastAck is { } ack && d.LastAckDestination is { } dest && d.InviteCSeq == response.CSeq.Number)
            {
                transactions.SendRaw(ack, dest);
            }
        }
    }

    // ------------------------------------------------------------------ UAC

    /// <summary>Resolves a SIP URI to a destination (IP literal or DNS A/AAAA; transport parameter honoured).</summary>
    public async Task<SipDestination> ResolveAsync(SipUri uri, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(uri);
        var maddr = uri.Parameters.Get("maddr");
        var host = maddr ?? uri.HostWithoutBrackets;
        var protocol = uri.Transport == "tcp" || (UdpEndPoint is null) ? SipProtocol.Tcp : SipProtocol.Udp;
        if (!IPAddress.TryParse(host, out var address))
        {
            var addresses = await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
            var family = (UdpEndPoint ?? TcpEndPoint)!.AddressFamily;
            address = Array.Find(addresses, a => a.AddressFamily == family) ?? addresses.FirstOrDefault()
                ?? throw new SipTransportException($"host {host} did not resolve");
        }
        if (address.AddressFamily == AddressFamily.InterNetwork && (UdpEndPoint ?? TcpEndPoint)!.AddressFamily == AddressFamily.InterNetworkV6)
        {
            address = address.MapToIPv6();
        }
        return new SipDestination(protocol, new IPEndPoint(address, uri.Port ?? 5060));
    }

    /// <summary>Builds an out-of-dialog request with From (tagged), To, Call-ID, CSeq and Max-Forwards.</summary>
    public SipRequest CreateRequest(string method, SipUri requestUri, SipNameAddress from, SipNameAddress to, string? callId = null, uint cseq = 1)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        var r = new SipRequest { Method = method, RequestUri = requestUri };
        r.Headers.Add("Max-Forwards", "70");
        r.Headers.Add("From", (from.Tag is null ? from.WithTag(SipIds.NewTag()) : from).ToString());
        r.Headers.Add("To", to.ToString());
        r.Headers.Add("Call-ID", callId ?? SipIds.NewCallId(Host));
        r.Headers.Add("CSeq", new SipCSeq(cseq, method).ToString());
        r.Headers.Add("User-Agent", options.UserAgent);
        return r;
    }

    private SipDestination ChooseTransport(SipRequest request, SipDestination destination)
    {
        // §18.1.1: a request larger than the path MTU allowance goes over TCP.
        if (destination.Protocol == SipProtocol.Udp && TcpEndPoint is not null && EstimateSize(request) + 120 > options.UdpMtu)
        {
            return destination with { Protocol = SipProtocol.Tcp };
        }
        return destination;
    }

    private static int EstimateSize(SipRequest request)
    {
        var size = request.Method.Length + request.RequestUri.ToString().Length + 12 + request.Body.Length + 24;
        for (var i = 0; i < request.Headers.Count; i++)
        {
            size += request.Headers.NameAt(i).Length + request.Headers.ValueAt(i).Length + 4;
        }
        return size;
    }

    private void AddVia(SipRequest request, SipProtocol protocol, string? branch = null)
    {
        var via = $"SIP/2.0/{(protocol == SipProtocol.Tcp ? "TCP" : "UDP")} {Host}:{Port.ToString(CultureInfo.InvariantCulture)};branch={branch ?? SipIds.NewBranch()};rport";
        request.Headers.Insert(0, "Via", via);
    }

    private Task<SipResponse> SendNonInviteAsync(SipRequest request, SipDestination destination, CancellationToken cancellationToken)
    {
        var tcs = new TaskCompletionSource<SipResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        destination = ChooseTransport(request, destination);
        if (request.TopVia is null)
        {
            AddVia(request, destination.Protocol);
        }
        transactions.StartClient(request, destination, (_, r) =>
        {
            if (r.StatusCode >= 200)
            {
                tcs.TrySetResult(r);
            }
        });
        return cancellationToken.CanBeCanceled ? tcs.Task.WaitAsync(cancellationToken) : tcs.Task;
    }

    /// <summary>
    /// Sends an out-of-dialog non-INVITE request (OPTIONS, MESSAGE, REGISTER...) and returns the final
    /// response (408 on timeout, 503 on transport failure). A Via is added when missing.
    /// </summary>
    public async Task<SipResponse> SendRequestAsync(SipRequest request, SipDestination? destination = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Method is "INVITE" or "ACK" or "CANCEL")
        {
            throw new ArgumentException("use Call for INVITE; ACK and CANCEL are sent by the stack", nameof(request));
        }
        destination ??= await ResolveAsync(request.RequestUri, cancellationToken).ConfigureAwait(false);
        return await SendNonInviteAsync(request, destination, cancellationToken).ConfigureAwait(false);
    }

    internal async Task<SipResponse> SendInDialogAsync(SipDialog dialog, SipRequest request, CancellationToken cancellationToken)
    {
        SipDestination destination;
        try
        {
            destination = await DialogDestinationAsync(dialog, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or SipTransportException)
        {
            return SipMessageFactory.CreateResponse(request, 503, "Service Unavailable (no route)");
        }
        if (request.Method != "INVITE")
        {
            return await SendNonInviteAsync(request, destination, cancellationToken).ConfigureAwait(false);
        }
        var tcs = new TaskCompletionSource<SipResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        request.Headers.Add("Contact", ContactFor(destination.Protocol));
        AddVia(request, destination.Protocol);
        transactions.StartClient(request, destination, (_, r) =>
        {
            if (r.StatusCode < 200)
            {
                return;
            }
            if (r.IsSuccess)
            {
                SendAck(dialog, request, destination);
                if (r.Contacts.Count > 0)
                {
                    dialog.RemoteTarget = r.Contacts[0].Uri;
                }
            }
            tcs.TrySetResult(r);
        });
        return await tcs.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<SipDestination> DialogDestinationAsync(SipDialog dialog, CancellationToken cancellationToken)
    {
        if (dialog.Flow is { Protocol: SipProtocol.Tcp } flow)
        {
            return new SipDestination(SipProtocol.Tcp, flow.RemoteEndPoint);
        }
        var uri = dialog.RouteSet.Count > 0 && SipNameAddress.TryParse(dialog.RouteSet[0], out var first, out _) ? first.Uri : dialog.RemoteTarget;
        try
        {
            return await ResolveAsync(uri, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when ((ex is SocketException or SipTransportException) && dialog.Flow is not null)
        {
            return new SipDestination(dialog.Flow.Protocol, dialog.Flow.RemoteEndPoint);
        }
    }

    /// <summary>§13.2.2.4: the ACK for a 2xx is a new request (new branch) sent outside the transaction.</summary>
    private void SendAck(SipDialog dialog, SipRequest invite, SipDestination destination)
    {
        var ack = dialog.CreateRequest("ACK", invite.CSeq.Number);
        AddVia(ack, destination.Protocol);
        var bytes = ack.ToBytes();
        dialog.InviteCSeq = invite.CSeq.Number;
        dialog.LastAck = bytes;
        dialog.LastAckDestination = destination;
        transactions.SendRaw(bytes, destination);
    }

    /// <summary>
    /// Places a call (UAC): sends the INVITE with the offer, follows provisional responses, ACKs the
    /// answer and returns an <see cref="OutgoingCall"/> whose Completion carries the dialog or the failure.
    /// </summary>
    public OutgoingCall Call(SipCallOptions callOptions)
    {
        ArgumentNullException.ThrowIfNull(callOptions);
        var from = callOptions.From ?? SipNameAddress.Create(SipUri.Create("gateway", Host));
        var to = callOptions.To ?? SipNameAddress.Create(callOptions.Target.With(clearHeaders: true));
        var invite = CreateRequest("INVITE", callOptions.Target.With(clearHeaders: true), from, to, callOptions.CallId, (uint)Random.Shared.Next(1, 10_000));
        foreach (var h in callOptions.Headers)
        {
            invite.Headers.Add(h.Key, h.Value);
        }
        if (callOptions.Offer is not null)
        {
            invite.Headers.Add("Content-Type", "application/sdp");
            invite.Body = Encoding.UTF8.GetBytes(callOptions.Offer.ToString());
        }
        invite.Headers.Add("Allow", AllowedMethods);
        var call = new OutgoingCall(invite);
        if (callOptions.OnProvisional is { } onProvisional)
        {
            call.Provisional += onProvisional;
        }
        _ = Task.Run(() => StartCallAsync(call, callOptions));
        return call;
    }

    private async Task StartCallAsync(OutgoingCall call, SipCallOptions callOptions)
    {
        try
        {
            var destination = callOptions.Destination ?? await ResolveAsync(callOptions.Target).ConfigureAwait(false);
            destination = ChooseTransport(call.Invite, destination);
            call.Destination = destination;
            call.SendCancel = SendCancel;
            SendInvite(call, call.Invite, destination, callOptions);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            logger.LogWarning(ex, "Call to {Target} failed before sending", callOptions.Target);
            call.Complete(new SipCallResult(503, null, null));
        }
    }

    private void SendInvite(OutgoingCall call, SipRequest invite, SipDestination destination, SipCallOptions callOptions)
    {
        invite.Headers.Add("Contact", ContactFor(destination.Protocol));
        AddVia(invite, destination.Protocol);
        call.Invite = invite;
        outgoing[invite.CallId] = call;
        call.Transaction = transactions.StartClient(invite, destination, (tx, r) => OnInviteResponse(call, callOptions, tx, r));
    }

    private void OnInviteResponse(OutgoingCall call, SipCallOptions callOptions, SipClientTransaction tx, SipResponse r)
    {
        var invite = tx.Request;
        if (r.StatusCode < 200)
        {
            if (r.StatusCode > 100)
            {
                try
                {
                    call.RaiseProvisional(r);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    logger.LogWarning(ex, "Provisional handler failed");
                }
            }
            return;
        }
        if (r.IsSuccess)
        {
            var existing = FindDialog(r.CallId, r.From.Tag ?? "", r.To.Tag ?? "");
            if (existing is not null)
            {
                // Retransmitted 2xx: re-send the ACK.
                if (existing.LastAck is { } ack && existing.LastAckDestination is { } d)
                {
                    transactions.SendRaw(ack, d);
                }
                return;
            }
            var routes = new List<string>();
            for (var i = 0; i < r.Headers.Count; i++)
            {
                if (r.Headers.IdAt(i) == SipHeaderId.RecordRoute)
                {
                    var v = r.Headers.ValueAt(i);
                    foreach (var (s, l) in SipSyntax.SplitCommas(v))
                    {
                        routes.Add(v.Substring(s, l).Trim());
                    }
                }
            }
            routes.Reverse();
            var target = r.Contacts.Count > 0 ? r.Contacts[0].Uri : invite.RequestUri;
            var dialog = new SipDialog(this, isCaller: true, invite.CallId, invite.From, r.To, target, routes, invite.CSeq.Number, null,
                new SipSource(tx.Destination.Protocol, tx.Destination.EndPoint, (tx.Destination.Protocol == SipProtocol.Tcp ? TcpEndPoint : UdpEndPoint)!))
            {
                InviteCSeq = invite.CSeq.Number,
            };
            if (invite.Body.Length > 0 && SessionDescription.TryParse(invite.BodyText, out var offer, out _))
            {
                dialog.LocalSdp = offer;
            }
            if (r.Body.Length > 0 && SessionDescription.TryParse(r.BodyText, out var answer, out _))
            {
                dialog.RemoteSdp = answer;
            }
            AddDialog(dialog);
            SendAck(dialog, invite, tx.Destination);
            dialog.Confirm();
            outgoing.TryRemove(invite.CallId, out _);
            if (call.CancelRequested)
            {
                // Answered although we cancelled: hang up (§9.1).
                _ = dialog.SendByeAsync();
                call.Complete(new SipCallResult(487, r, null));
                return;
            }
            call.Complete(new SipCallResult(r.StatusCode, r, dialog));
            return;
        }
        if (r.StatusCode is 401 or 407 && callOptions.Credentials is { } creds && !call.AuthRetried && !call.CancelRequested)
        {
            var challenge = r.Headers.Get(r.StatusCode == 401 ? SipHeaderId.WwwAuthenticate : SipHeaderId.ProxyAuthenticate);
            var auth = challenge is null ? null : DigestClient.CreateAuthorization(challenge, "INVITE", invite.RequestUri.ToString(), creds.User, creds.Password, 1, SipIds.NewTag());
            if (auth is not null)
            {
                call.AuthRetried = true;
                var retry = CreateRequest("INVITE", invite.RequestUri, invite.From, invite.To, invite.CallId, invite.CSeq.Number + 1);
                for (var i = 0; i < invite.Headers.Count; i++)
                {
                    var id = invite.Headers.IdAt(i);
                    if (id is SipHeaderId.Other or SipHeaderId.ContentType or SipHeaderId.Allow or SipHeaderId.Route)
                    {
                        retry.Headers.Add(invite.Headers.NameAt(i), invite.Headers.ValueAt(i));
                    }
                }
                retry.Headers.Add(r.StatusCode == 401 ? "Authorization" : "Proxy-Authorization", auth);
                retry.Body = invite.Body;
                SendInvite(call, retry, tx.Destination, callOptions);
                return;
            }
        }
        outgoing.TryRemove(invite.CallId, out _);
        call.Complete(new SipCallResult(r.StatusCode, r, null));
    }

    private void SendCancel(OutgoingCall call)
    {
        // §9.1: CANCEL copies Request-URI, Call-ID, From, To, CSeq number and the top Via of the INVITE.
        var invite = call.Invite;
        var cancel = new SipRequest { Method = "CANCEL", RequestUri = invite.RequestUri };
        cancel.Headers.Add("Via", invite.TopVia!.ToString());
        cancel.Headers.Add("Max-Forwards", "70");
        cancel.Headers.Add("From", invite.Headers.Get(SipHeaderId.From)!);
        cancel.Headers.Add("To", invite.Headers.Get(SipHeaderId.To)!);
        cancel.Headers.Add("Call-ID", invite.CallId);
        cancel.Headers.Add("CSeq", new SipCSeq(invite.CSeq.Number, "CANCEL").ToString());
        for (var i = 0; i < invite.Headers.Count; i++)
        {
            if (invite.Headers.IdAt(i) == SipHeaderId.Route)
            {
                cancel.Headers.Add("Route", invite.Headers.ValueAt(i));
            }
        }
        var dest = call.Transaction?.Destination ?? call.Destination!;
        transactions.StartClient(cancel, dest, (_, _) => { });
    }
}
