using System.Net;
using ContactCenter.Sip.Message;

namespace ContactCenter.Sip.Transactions;

/// <summary>Where a request is sent: transport and address.</summary>
public sealed record SipDestination(SipProtocol Protocol, IPEndPoint EndPoint);

/// <summary>Transaction states (RFC 3261 §17, RFC 6026 Accepted).</summary>
public enum SipTransactionState
{
    /// <summary>Client INVITE: request sent, nothing heard.</summary>
    Calling,
    /// <summary>Non-INVITE: request sent or received, no response yet.</summary>
    Trying,
    /// <summary>Provisional response sent or received.</summary>
    Proceeding,
    /// <summary>A 2xx to an INVITE was sent or received (RFC 6026).</summary>
    Accepted,
    /// <summary>Final response sent or received; absorbing retransmissions.</summary>
    Completed,
    /// <summary>Server INVITE: ACK received.</summary>
    Confirmed,
    /// <summary>Done.</summary>
    Terminated,
}

/// <summary>
/// A server transaction: a received request and the responses to it. Once the final response is sent
/// the transaction layer keeps only a slim record of it (<see cref="ServerTransactionEntry"/>) that
/// absorbs retransmissions; this object is no longer referenced by the stack and lives on only as long
/// as the application holds it.
/// </summary>
public sealed class SipServerTransaction
{
    private readonly TransactionLayer layer;
    private readonly ServerTransactionEntry entry;
    private readonly object gate = new();
    private byte[]? lastResponse;
    private ITimer? timerTrying;
    private SipTransactionState state;
    private bool finished;

    internal SipServerTransaction(TransactionLayer layer, ServerTransactionEntry entry, SipRequest request, SipSource source)
    {
        this.layer = layer;
        this.entry = entry;
        Request = request;
        Source = source;
        IsInvite = entry.IsInvite;
        state = IsInvite ? SipTransactionState.Proceeding : SipTransactionState.Trying;
    }

    internal string Key => entry.Key;

    internal object? UserState { get; set; }

    internal SipDestination? ResponseDestination { get; set; }

    /// <summary>The request.</summary>
    public SipRequest Request { get; }

    /// <summary>Where it came from.</summary>
    public SipSource Source { get; }

    /// <summary>True for INVITE.</summary>
    public bool IsInvite { get; }

    /// <summary>Current state.</summary>
    public SipTransactionState State => Volatile.Read(ref finished) ? entry.State : state;

    /// <summary>Status code of the last response sent, or 0 when none yet.</summary>
    public int LastStatusCode { get; private set; }

    /// <summary>True once a final response was sent.</summary>
    public bool HasFinalResponse => LastStatusCode >= 200;

    private Action? finalized;

    /// <summary>Runs once, when the final response has been sent (e.g. to cancel a ring limit early).</summary>
    internal Action? Finalized
    {
        get => finalized;
        set => finalized = value;
    }

    /// <summary>INVITE: run when Timer H fires (a 3xx–6xx was never acknowledged).</summary>
    internal Action? TimedOut { get; set; }

    /// <summary>Sends a response in this transaction. Returns false when a final response was already sent.</summary>
    public bool SendResponse(SipResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        byte[] bytes;
        var terminateNow = false;
        lock (gate)
        {
            if (finished)
            {
                return false;
            }
            if (response.StatusCode == 100 && LastStatusCode != 0)
            {
                // A late 100 Trying must never follow (and replace) another provisional response.
                return false;
            }
            if (response.Headers.Get(SipHeaderId.Server) is null && response.StatusCode > 100)
            {
                response.Headers.Add("Server", layer.UserAgent);
            }
            bytes = response.ToBytes();
            LastStatusCode = response.StatusCode;
            timerTrying?.Dispose();
            timerTrying = null;
            if (response.StatusCode < 200)
            {
                // §17.2.1 / §17.2.2: a provisional response moves Trying to Proceeding.
                lastResponse = bytes;
                state = SipTransactionState.Proceeding;
            }
            else
            {
                // Final response: from here on only retransmissions are absorbed, by the layer's slim
                // record. Let the application state go, and the objects parsed from the request (it stays
                // readable from its bytes for whoever still holds this transaction).
                ResponseDestination ??= layer.ResponseDestination(Request, Source);
                state = !IsInvite ? SipTransactionState.Completed
                    : response.StatusCode < 300 ? SipTransactionState.Accepted : SipTransactionState.Completed;
                terminateNow = layer.Finish(entry, state, bytes, ResponseDestination, TimedOut);
                lastResponse = null;
                UserState = null;
                TimedOut = null;
                Volatile.Write(ref finished, true);
                Request.Trim();
            }
        }
        layer.SendResponseBytes(bytes, this);
        if (response.StatusCode >= 200 && Interlocked.Exchange(ref finalized, null) is { } onFinal)
        {
            onFinal();
        }
        if (terminateNow)
        {
            layer.Terminate(entry);
        }
        return true;
    }

    /// <summary>§17.2.1: send 100 Trying if nothing was sent within 200 ms.</summary>
    internal void ScheduleTrying()
    {
        lock (gate)
        {
            if (LastStatusCode == 0 && !finished)
            {
                timerTrying = layer.Time.CreateTimer(static s => ((SipServerTransaction)s!).SendTryingIfSilent(), this, TimeSpan.FromMilliseconds(200), Timeout.InfiniteTimeSpan);
            }
        }
    }

    private void SendTryingIfSilent()
    {
        lock (gate)
        {
            if (LastStatusCode != 0 || finished)
            {
                return;
            }
        }
        SendResponse(SipMessageFactory.CreateResponse(Request, 100));
    }

    /// <summary>A retransmission (or an ACK) matched while this transaction was live.</summary>
    internal void OnRetransmission(SipRequest request)
    {
        byte[]? resend = null;
        var trying = false;
        bool done;
        lock (gate)
        {
            done = finished;
            if (!done)
            {
                if (request.Method == "ACK")
                {
                    // No final response yet: nothing to acknowledge.
                    return;
                }
                // §17.2.1 / §17.2.2: a retransmitted request gets the last response again (none in Trying).
                resend = lastResponse;
                trying = resend is null && IsInvite;
            }
        }
        if (done)
        {
            // The final response went out while this message was being matched: the slim record owns it now.
            layer.OnFinishedMessage(entry, request);
            return;
        }
        if (trying)
        {
            // The client is retransmitting and the TU is slow: 100 Trying now.
            SendTryingIfSilent();
        }
        if (resend is not null)
        {
            layer.SendResponseBytes(resend, this);
        }
    }
}

/// <summary>A client transaction: a sent request and the responses to it.</summary>
internal sealed class SipClientTransaction
{
    private readonly TransactionLayer layer;
    private readonly object gate = new();
    private readonly Action<SipClientTransaction, SipResponse> onResponse;
    private byte[]? requestBytes;
    private ITimer? timerAE;
    private ITimer? timerBF;
    private long deadline;
    private TimeSpan interval;
    private byte[]? ackBytes;

    public SipClientTransaction(TransactionLayer layer, string key, SipRequest request, SipDestination destination, Action<SipClientTransaction, SipResponse> onResponse)
    {
        this.layer = layer;
        Key = key;
        Request = request;
        Destination = destination;
        this.onResponse = onResponse;
        IsInvite = request.Method == "INVITE";
        State = IsInvite ? SipTransactionState.Calling : SipTransactionState.Trying;
        requestBytes = request.ToBytes();
    }

    public string Key { get; }

    public SipRequest Request { get; }

    public SipDestination Destination { get; }

    public bool IsInvite { get; }

    public SipTransactionState State { get; private set; }

    public bool ReceivedProvisional { get; private set; }

    private bool Reliable => Destination.Protocol.IsReliable();

    public void Start()
    {
        lock (gate)
        {
            interval = layer.T1;
            if (!Reliable)
            {
                // §17.1.1.2 Timer A / §17.1.2.2 Timer E: retransmit over unreliable transports.
                timerAE = layer.Time.CreateTimer(_ => OnRetransmitTimer(), null, interval, Timeout.InfiniteTimeSpan);
            }
            // Timer B / Timer F: 64*T1 transaction timeout.
            timerBF = layer.Time.CreateTimer(_ => OnTimeout(), null, layer.T1 * 64, Timeout.InfiniteTimeSpan);
        }
        Send(requestBytes!);
    }

    private void Send(byte[] bytes) => layer.SendRequestBytes(bytes, this);

    internal void OnTransportError(string? detail = null)
    {
        bool fire;
        lock (gate)
        {
            fire = State is SipTransactionState.Calling or SipTransactionState.Trying or SipTransactionState.Proceeding;
        }
        if (fire)
        {
            // §8.1.3.1: a transport failure is treated as 503.
            Deliver(Synthetic(503, detail is null ? "Service Unavailable (transport error)" : $"Service Unavailable ({detail})"));
            Terminate();
        }
    }

    private void OnRetransmitTimer()
    {
        byte[]? bytes;
        lock (gate)
        {
            if (State is not (SipTransactionState.Calling or SipTransactionState.Trying or SipTransactionState.Proceeding))
            {
                return;
            }
            if (IsInvite && State != SipTransactionState.Calling)
            {
                return;
            }
            // Timer A doubles without cap; Timer E doubles up to T2 (and stays T2 in Proceeding).
            interval = IsInvite ? interval * 2 : (State == SipTransactionState.Proceeding ? layer.T2 : (interval * 2 > layer.T2 ? layer.T2 : interval * 2));
            timerAE?.Change(interval, Timeout.InfiniteTimeSpan);
            bytes = requestBytes;
        }
        if (bytes is not null)
        {
            Send(bytes);
        }
    }

    private void OnTimeout()
    {
        bool fire;
        lock (gate)
        {
            // Timer B fires only in Calling (§17.1.1.2); Timer F in Trying or Proceeding (§17.1.2.2).
            fire = IsInvite ? State == SipTransactionState.Calling : State is SipTransactionState.Trying or SipTransactionState.Proceeding;
        }
        if (fire)
        {
            Deliver(Synthetic(408, "Request Timeout"));
            Terminate();
        }
    }

    private SipResponse Synthetic(int code, string reason)
    {
        var r = SipMessageFactory.CreateResponse(Request, code, reason);
        return r;
    }

    private void Deliver(SipResponse r)
    {
        try
        {
            onResponse(this, r);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            layer.LogHandlerError(ex);
        }
    }

    public void OnResponse(SipResponse response)
    {
        var deliver = false;
        var terminate = false;
        byte[]? resendAck = null;
        lock (gate)
        {
            var code = response.StatusCode;
            switch (State)
            {
                case SipTransactionState.Calling:
                case SipTransactionState.Trying:
                case SipTransactionState.Proceeding:
                    deliver = true;
                    if (code < 200)
                    {
                        ReceivedProvisional = true;
                        if (IsInvite)
                        {
                            // §17.1.1.2: 1xx stops Timer A (and B only matters in Calling).
                            timerAE?.Dispose();
                            timerAE = null;
                        }
                        State = SipTransactionState.Proceeding;
                    }
                    else if (IsInvite && code < 300)
                    {
                        // RFC 6026 §8.4: 2xx moves to Accepted; Timer M lets retransmitted 2xx reach the TU.
                        StopTimers();
                        State = SipTransactionState.Accepted;
                        Finish(layer.T1 * 64);
                    }
                    else if (IsInvite)
                    {
                        // §17.1.1.2: 3xx–6xx: send ACK, move to Completed, Timer D (32 s unreliable, 0 reliable).
                        StopTimers();
                        State = SipTransactionState.Completed;
                        ackBytes = BuildAck(response).ToBytes();
                        resendAck = ackBytes;
                        terminate = !Finish(Reliable ? TimeSpan.Zero : TimeSpan.FromSeconds(32));
                    }
                    else
                    {
                        // §17.1.2.2: final response: Completed, Timer K (T4 unreliable, 0 reliable).
                        StopTimers();
                        State = SipTransactionState.Completed;
                        terminate = !Finish(Reliable ? TimeSpan.Zero : layer.T4);
                    }
                    break;
                case SipTransactionState.Accepted:
                    // RFC 6026: retransmitted 2xx go to the TU (which re-sends its ACK).
                    deliver = code is >= 200 and < 300;
                    break;
                case SipTransactionState.Completed:
                    // §17.1.1.2: retransmitted final response: send the ACK again, do not pass up.
                    resendAck = IsInvite && code >= 300 ? ackBytes : null;
                    break;
                case SipTransactionState.Confirmed:
                case SipTransactionState.Terminated:
                default:
                    break;
            }
        }
        if (resendAck is not null)
        {
            Send(resendAck);
        }
        if (deliver)
        {
            Deliver(response);
        }
        if (terminate)
        {
            Terminate();
        }
    }

    /// <summary>
    /// Final response: the request will not be sent again, so its bytes go; Timer D, K or M runs on the
    /// layer's shared expiry queue. False when the wait is zero (reliable transport): terminate now.
    /// </summary>
    private bool Finish(TimeSpan wait)
    {
        requestBytes = null;
        if (wait <= TimeSpan.Zero)
        {
            return false;
        }
        deadline = layer.ScheduleExpiry(this, wait);
        return true;
    }

    /// <summary>Timer D, K or M fired (<paramref name="queuedDeadline"/> is the deadline it was queued with).</summary>
    internal void Expire(long queuedDeadline)
    {
        lock (gate)
        {
            if (State == SipTransactionState.Terminated || queuedDeadline != deadline)
            {
                return;
            }
        }
        Terminate();
    }

    /// <summary>§17.1.1.3: ACK for a non-2xx final response, inside the transaction.</summary>
    private SipRequest BuildAck(SipResponse response)
    {
        var ack = new SipRequest { Method = "ACK", RequestUri = Request.RequestUri };
        var h = Request.Headers;
        for (var i = 0; i < h.Count; i++)
        {
            if (h.IdAt(i) is SipHeaderId.Via)
            {
                ack.Headers.Add("Via", Request.TopVia!.ToString());
                break;
            }
        }
        ack.Headers.Add("Max-Forwards", "70");
        ack.Headers.Add("From", Request.Headers.Get(SipHeaderId.From)!);
        ack.Headers.Add("To", response.Headers.Get(SipHeaderId.To) ?? Request.Headers.Get(SipHeaderId.To)!);
        ack.Headers.Add("Call-ID", Request.CallId);
        ack.Headers.Add("CSeq", new SipCSeq(Request.CSeq.Number, "ACK").ToString());
        for (var i = 0; i < h.Count; i++)
        {
            if (h.IdAt(i) == SipHeaderId.Route)
            {
                ack.Headers.Add("Route", h.ValueAt(i));
            }
        }
        return ack;
    }

    private void StopTimers()
    {
        timerAE?.Dispose();
        timerBF?.Dispose();
        timerAE = timerBF = null;
    }

    public void Terminate()
    {
        lock (gate)
        {
            State = SipTransactionState.Terminated;
            StopTimers();
            requestBytes = null;
        }
        layer.Remove(this);
    }
}
