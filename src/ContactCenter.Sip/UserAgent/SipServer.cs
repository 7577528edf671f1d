using System.Globalization;
using System.Net;
using System.Text;
using ContactCenter.Sip.Message;
using ContactCenter.Sip.Registrar;
using ContactCenter.Sip.Sdp;
using ContactCenter.Sip.Transactions;
using ContactCenter.Sip.Transport;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Sip.UserAgent;

/// <summary>
/// The UAS side of an endpoint (sipgo's server): everything the transports receive enters here; malformed
/// and over-rate requests are answered statelessly, the rest goes to the transaction layer, and each new
/// server transaction is dispatched by method (RFC 3261 §8.2: method, URI scheme, Require, content) to the
/// registrar, OPTIONS, CANCEL, a new INVITE (the application's <see cref="SipEndpoint.IncomingCallHandler"/>)
/// or a request inside a dialog (BYE, INFO, re-INVITE/UPDATE, REFER, NOTIFY).
/// </summary>
internal sealed class SipServer
{
    private static readonly HashSet<string> KnownUnsupported = ["SUBSCRIBE", "NOTIFY", "MESSAGE", "REFER", "PUBLISH", "PRACK"];

    private readonly SipEndpoint endpoint;
    private readonly SipEndpointOptions options;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly TransactionLayer transactions;
    private readonly SipRateLimiter limiter;
    private readonly SipRegistrar registrar;
    private readonly DialogTable dialogs;
    private readonly TwoHundredRetransmitter twoHundreds;

    public SipServer(SipEndpoint endpoint, SipEndpointOptions options, TimeProvider time, ILogger logger, TransactionLayer transactions,
        SipRateLimiter limiter, SipRegistrar registrar, DialogTable dialogs, TwoHundredRetransmitter twoHundreds)
    {
        this.endpoint = endpoint;
        this.options = options;
        this.time = time;
        this.logger = logger;
        this.transactions = transactions;
        this.limiter = limiter;
        this.registrar = registrar;
        this.dialogs = dialogs;
        this.twoHundreds = twoHundreds;
    }

    private const string AllowedMethods = SipEndpoint.AllowedMethods;

    private string Host => endpoint.Host;

    private volatile bool stopping;

    /// <summary>Set by a graceful stop: new INVITEs get 503.</summary>
    public bool Stopping
    {
        get => stopping;
        set => stopping = value;
    }

    /// <summary>The application's handler for new INVITEs (see <see cref="SipEndpoint.IncomingCallHandler"/>).</summary>
    public Func<IncomingCall, Task>? IncomingCallHandler { get; set; }

    /// <summary>Everything the transports receive: a message, or a parse error with its source.</summary>
    public void OnReceive(SipParseResult result, SipSource source)
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
        if (message is SipRequest blockedRequest && registrar.Guard is { } guard && guard.IsBlocked(source.RemoteEndPoint.Address))
        {
            // Blocked for guessing digest passwords (logged once, when blocked): silence, or a stateless 403.
            // The 403s themselves are rate-limited: a flood from a blocked source is not answered packet for packet.
            if (guard.Options.Response == Auth.AuthBlockResponse.Forbidden && blockedRequest.Method != "ACK" && limiter.TryAcquire(source.RemoteEndPoint.Address))
            {
                transactions.SendStateless(SipMessageFactory.CreateResponse(blockedRequest, 403), blockedRequest, source);
            }
            return;
        }
        // Only new requests (outside a dialog; never an ACK) count against the per-source rate: a busy source's calls
        // already set up keep their ACK, BYE and in-dialog requests.
        if (message is SipRequest request && request.Method != "ACK" && request.To.Tag is null && !limiter.TryAcquire(source.RemoteEndPoint.Address))
        {
            var busy = SipMessageFactory.CreateResponse(request, 503);
            busy.Headers.Add("Retry-After", ((int)Math.Ceiling(options.RateLimitCoolOff.TotalSeconds)).ToString(CultureInfo.InvariantCulture));
            transactions.SendStateless(busy, request, source);
            logger.LogWarning("Source {Source} exceeded the request rate; ignored for {CoolOff}", source.RemoteEndPoint.Address, options.RateLimitCoolOff);
            return;
        }
        // A new INVITE on a connection meets the application's overload gate here, before any transaction (on UDP the
        // receive thread asked it before queueing).
        if (source.Protocol != SipProtocol.Udp && message is SipRequest { Method: "INVITE" } invite && invite.To.Tag is null
            && invite.TopVia is not null && endpoint.RefusesOnConnection(invite, source))
        {
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

    /// <summary>A new request (never an ACK) in a new server transaction.</summary>
    public void OnRequest(SipServerTransaction tx)
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
        // RFC 5630 §3.1.3 (RFC 3261 §26.2.2): a sips: Request-URI must have come over TLS. With a TLS port the caller can
        // retry there (480); without one, we do not serve sips at all (416).
        if (request.RequestUri.Scheme.Equals("sips", StringComparison.OrdinalIgnoreCase) && !tx.Source.Protocol.IsSecure())
        {
            var tlsPort = endpoint.TlsEndPoint;
            Respond(tx, tlsPort is null ? 416 : 480, ("Warning", $"399 {Host} \"sips: is only served over TLS{(tlsPort is null ? "" : $" (port {tlsPort.Port})")}\""));
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
            var r = await registrar.HandleRegisterAsync(tx.Request, CancellationToken.None).ConfigureAwait(false);
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
        // The SDP offer is parsed when the application first reads it: a call refused for overload never costs that.
        var received = tx.Request.ReceivedTimestamp;
        var call = new IncomingCall(endpoint, tx, received, received == 0 ? TimeSpan.Zero : time.GetElapsedTime(received));
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
        var dialog = dialogs.Find(request.CallId, request.To.Tag!, request.From.Tag ?? "");
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
                    twoHundreds.StopRetransmissions(dialog);
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
        var referral = new SipReferral(endpoint, dialog, tx, target);
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
            r.Headers.Add("Contact", endpoint.ContactFor(tx.Source));
            r.Headers.Add("Content-Type", "application/sdp");
            r.Body = Encoding.UTF8.GetBytes(answer.ToString());
            if (isInvite)
            {
                twoHundreds.SendTwoHundred(dialog, r, tx, endDialogOnTimeout: false);
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
}
