using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using ContactCenter.Sip.Message;
using ContactCenter.Sip.Transport;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Sip.Transactions;

/// <summary>What the transaction layer hands to the user-agent core (the TU).</summary>
internal interface ITransactionUser
{
    /// <summary>A new request (never an ACK) in a new server transaction.</summary>
    void OnRequest(SipServerTransaction transaction);

    /// <summary>An ACK that matched no server transaction (the ACK for a 2xx).</summary>
    void OnAck(SipRequest ack);

    /// <summary>A response that matched no client transaction (e.g. a late 2xx retransmission).</summary>
    void OnStrayResponse(SipResponse response);
}

/// <summary>
/// Matches messages to transactions (RFC 3261 §17.1.3, §17.2.3), owns the transaction tables and
/// sends responses by the Via rules of §18.2.2 (received/rport, RFC 3581).
/// </summary>
internal sealed class TransactionLayer : IDisposable
{
    private readonly ConcurrentDictionary<string, ServerTransactionEntry> servers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SipClientTransaction> clients = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> merge = new(StringComparer.Ordinal);
    private readonly SipTransportLayer transport;
    private readonly SipEndpointOptions options;
    private readonly ILogger logger;
    private readonly ExpiryQueue<ServerTransactionEntry> serverExpiries;
    private readonly ExpiryQueue<SipClientTransaction> clientExpiries;
    private ITransactionUser? user;
    private SipDestination? lastDestination;
    private long serversStarted;
    private long clientsStarted;

    public TransactionLayer(SipTransportLayer transport, SipEndpointOptions options, TimeProvider time, ILogger logger)
    {
        this.transport = transport;
        this.options = options;
        this.logger = logger;
        Time = time;
        serverExpiries = new ExpiryQueue<ServerTransactionEntry>(time, Expire, logger);
        clientExpiries = new ExpiryQueue<SipClientTransaction>(time, static (tx, deadline) => tx.Expire(deadline), logger);
    }

    public TimeProvider Time { get; }

    public TimeSpan T1 => options.T1;

    public TimeSpan T2 => options.T2;

    public TimeSpan T4 => options.T4;

    public string UserAgent => options.UserAgent;

    public int ServerCount => servers.Count;

    public int ClientCount => clients.Count;

    /// <summary>Server transactions created since start (retransmissions absorbed by an existing one are not counted).</summary>
    public long ServerTransactionsStarted => Interlocked.Read(ref serversStarted);

    /// <summary>Client transactions created since start.</summary>
    public long ClientTransactionsStarted => Interlocked.Read(ref clientsStarted);

    public void SetUser(ITransactionUser tu) => user = tu;

    public void LogHandlerError(Exception ex) => logger.LogWarning(ex, "Transaction user handler failed");

    private static string ServerKey(SipRequest r)
    {
        var via = r.TopVia!;
        var method = r.Method == "ACK" ? "INVITE" : r.Method;
        if (via.HasRfc3261Branch)
        {
            // §17.2.3: branch + sent-by + method (ACK matches the INVITE).
            return string.Concat(via.Branch, "|", via.Host, ":", (via.Port ?? 0).ToString(CultureInfo.InvariantCulture), "|", method);
        }
        // RFC 2543 matching (§17.2.3 last paragraph, simplified): Call-ID, CSeq number, From tag, top Via.
        return string.Concat("2543|", r.CallId, "|", r.CSeq.Number.ToString(CultureInfo.InvariantCulture), "|", r.From.Tag, "|", via.ToString(), "|", method);
    }

    /// <summary>True when a server transaction already exists for this request (a retransmission, or an ACK/CANCEL's INVITE).</summary>
    public bool HasServerTransaction(SipRequest request) => request.TopVia is not null && servers.ContainsKey(ServerKey(request));

    private static string ClientKey(string? branch, string method) => string.Concat(branch, "|", method);

    /// <summary>Entry point for every valid message from the transport.</summary>
    public void OnMessage(SipMessage message, SipSource source)
    {
        if (message is SipResponse response)
        {
            var via = response.TopVia;
            if (via is null)
            {
                return;
            }
            if (clients.TryGetValue(ClientKey(via.Branch, response.CSeq.Method), out var ct))
            {
                ct.OnResponse(response);
            }
            else
            {
                user?.OnStrayResponse(response);
            }
            return;
        }
        var request = (SipRequest)message;
        StampVia(request, source);
        var key = ServerKey(request);
        if (servers.TryGetValue(key, out var existing))
        {
            Dispatch(existing, request);
            return;
        }
        if (request.Method == "ACK")
        {
            user?.OnAck(request);
            return;
        }
        var entry = new ServerTransactionEntry(key, request.Method == "INVITE", source.Protocol.IsReliable());
        var tx = new SipServerTransaction(this, entry, request, source);
        entry.Live = tx;
        if (!servers.TryAdd(key, entry))
        {
            if (servers.TryGetValue(key, out existing))
            {
                Dispatch(existing, request);
            }
            return;
        }
        Interlocked.Increment(ref serversStarted);
        // §8.2.2.2: a request without To tag whose From tag, Call-ID and CSeq match an ongoing transaction
        // that arrived by another path is a merged request: 482.
        if (request.To.Tag is null && request.From.Tag is { } fromTag)
        {
            var mk = string.Concat(request.CallId, "|", fromTag, "|", request.CSeq.ToString());
            entry.MergeKey = mk;
            var winner = merge.GetOrAdd(mk, key);
            if (winner != key)
            {
                entry.MergeKey = null;
                tx.SendResponse(SipMessageFactory.CreateResponse(request, 482));
                return;
            }
        }
        if (tx.IsInvite)
        {
            // §17.2.1: 100 Trying unless the TU answers within 200 ms (most answers are faster: saves a send).
            tx.ScheduleTrying();
        }
        user?.OnRequest(tx);
    }

    /// <summary>§18.2.1: add received when the sent-by host differs from the source; fill in rport.</summary>
    private static void StampVia(SipRequest request, SipSource source)
    {
        var via = request.TopVia!;
        var srcAddr = source.RemoteEndPoint.Address;
        var srcText = srcAddr.IsIPv4MappedToIPv6 ? srcAddr.MapToIPv4().ToString() : srcAddr.ToString();
        var host = via.Host.StartsWith('[') ? via.Host[1..^1] : via.Host;
        var needReceived = !string.Equals(host, srcText, StringComparison.OrdinalIgnoreCase);
        var needRport = via.HasRport && via.Rport is null;
        if (!needReceived && !needRport)
        {
            return;
        }
        if (needReceived)
        {
            via.Parameters.Set("received", srcText);
        }
        if (needRport)
        {
            via.Parameters.Set("rport", source.RemoteEndPoint.Port.ToString(CultureInfo.InvariantCulture));
        }
        var h = request.Headers;
        for (var i = 0; i < h.Count; i++)
        {
            if (h.IdAt(i) != SipHeaderId.Via)
            {
                continue;
            }
            var v = h.ValueAt(i);
            var parts = SipSyntax.SplitCommas(v);
            var rest = parts.Count > 1 ? v[(parts[1].Start - 1)..] : "";
            h.ReplaceAt(i, via.ToString() + rest);
            break;
        }
    }

    /// <summary>Where a response to this request goes (§18.2.2, RFC 3581 §4).</summary>
    public SipDestination ResponseDestination(SipRequest request, SipSource source)
    {
        var remote = source.RemoteEndPoint;
        var via = request.TopVia;
        if (source.Protocol.IsReliable() || options.ForceRport || via is null)
        {
            return Destination(source.Protocol, remote.Address, remote.Port, remote);
        }
        if (via.HasRport)
        {
            return Destination(source.Protocol, remote.Address, via.Rport ?? remote.Port, remote);
        }
        var addressText = via.Received ?? via.Host;
        if (addressText.StartsWith('['))
        {
            addressText = addressText[1..^1];
        }
        var address = IPAddress.TryParse(addressText, out var a) ? a : remote.Address;
        return Destination(source.Protocol, address, via.Port ?? 5060, remote);
    }

    /// <summary>
    /// A destination, shared with the previous one when equal: finished transactions keep theirs for
    /// 32 s, and under load most of them answer the same peer.
    /// </summary>
    private SipDestination Destination(SipProtocol protocol, IPAddress address, int port, IPEndPoint remote)
    {
        var last = Volatile.Read(ref lastDestination);
        if (last is not null && last.Protocol == protocol && last.EndPoint.Port == port && last.EndPoint.Address.Equals(address))
        {
            return last;
        }
        var endPoint = remote.Port == port && remote.Address.Equals(address) ? remote : new IPEndPoint(address, port);
        var created = new SipDestination(protocol, endPoint);
        Volatile.Write(ref lastDestination, created);
        return created;
    }

    /// <summary>Where the responses of this transaction go (computed once).</summary>
    public SipDestination DestinationFor(SipServerTransaction tx) => tx.ResponseDestination ??= ResponseDestination(tx.Request, tx.Source);

    public void SendResponseBytes(byte[] bytes, SipServerTransaction tx) => Fire(bytes, DestinationFor(tx), null);

    /// <summary>Sends a response outside any transaction (stateless: parse errors, 2xx retransmissions).</summary>
    public void SendStateless(SipResponse response, SipRequest request, SipSource source)
    {
        if (response.Headers.Get(SipHeaderId.Server) is null)
        {
            response.Headers.Add("Server", options.UserAgent);
        }
        Fire(response.ToBytes(), ResponseDestination(request, source), null);
    }

    /// <summary>Sends raw bytes (ACK for 2xx, retransmitted 2xx).</summary>
    public void SendRaw(byte[] bytes, SipDestination destination) => Fire(bytes, destination, null);

    public void SendRequestBytes(byte[] bytes, SipClientTransaction tx) => Fire(bytes, tx.Destination, tx);

    private void Fire(byte[] bytes, SipDestination destination, SipClientTransaction? tx) => _ = SendAsync(bytes, destination, tx);

    private async Task SendAsync(byte[] bytes, SipDestination destination, SipClientTransaction? tx)
    {
        try
        {
            await transport.SendAsync(bytes, destination.Protocol, destination.EndPoint).ConfigureAwait(false);
        }
        catch (SipTransportException ex)
        {
            logger.LogDebug("{Message}", ex.Message);
            tx?.OnTransportError(ex.Detail);
        }
    }

    /// <summary>Starts a client transaction for a request that already has its top Via (with branch).</summary>
    public SipClientTransaction StartClient(SipRequest request, SipDestination destination, Action<SipClientTransaction, SipResponse> onResponse)
    {
        var key = ClientKey(request.TopVia!.Branch, request.CSeq.Method);
        var tx = new SipClientTransaction(this, key, request, destination, onResponse);
        clients[key] = tx;
        Interlocked.Increment(ref clientsStarted);
        tx.Start();
        return tx;
    }

    /// <summary>
    /// §9.2: the INVITE server transaction a CANCEL matches, or null. Its <see cref="ServerTransactionEntry.Live"/>
    /// is null when the INVITE already had its final response (the CANCEL then has no effect but a 200).
    /// </summary>
    public ServerTransactionEntry? FindInviteFor(SipRequest cancel)
    {
        var via = cancel.TopVia!;
        var key = via.HasRfc3261Branch
            ? string.Concat(via.Branch, "|", via.Host, ":", (via.Port ?? 0).ToString(CultureInfo.InvariantCulture), "|INVITE")
            : string.Concat("2543|", cancel.CallId, "|", cancel.CSeq.Number.ToString(CultureInfo.InvariantCulture), "|", cancel.From.Tag, "|", via.ToString(), "|INVITE");
        return servers.TryGetValue(key, out var entry) ? entry : null;
    }

    // ------------------------------------------------------------------ finished server transactions

    private void Dispatch(ServerTransactionEntry entry, SipRequest request)
    {
        if (entry.Live is { } live)
        {
            live.OnRetransmission(request);
        }
        else
        {
            OnFinishedMessage(entry, request);
        }
    }

    /// <summary>
    /// Called by a server transaction, under its lock, as it sends its final response: from now on the
    /// slim entry answers for it and the transaction object is dropped. True when the transaction ends at
    /// once (non-INVITE over TCP: Timer J is zero); the caller then calls <see cref="Terminate"/> after sending.
    /// </summary>
    internal bool Finish(ServerTransactionEntry entry, SipTransactionState state, byte[] response, SipDestination destination, Action? timedOut)
    {
        lock (entry)
        {
            entry.Live = null;
            entry.State = state;
            if (state == SipTransactionState.Accepted)
            {
                // RFC 6026 §7.1: Timer L. The TU (not the transaction) retransmits the 2xx; retransmitted
                // INVITEs are absorbed and ACKs passed up: no bytes to keep.
            }
            else if (!entry.IsInvite && entry.Reliable)
            {
                // §17.2.2: Timer J is zero over reliable transports.
                entry.State = SipTransactionState.Terminated;
                return true;
            }
            else
            {
                // §17.2.1 / §17.2.2: Completed; retransmitted requests get the same final response until Timer H / J.
                entry.Response = response;
                entry.Destination = destination;
                if (entry.IsInvite)
                {
                    // After 3xx–6xx: Timer G retransmits (unreliable), Timer H waits for the ACK.
                    var rejected = new ServerTransactionEntry.RejectedInvite { Interval = T1, TimedOut = timedOut };
                    entry.Rejected = rejected;
                    if (!entry.Reliable)
                    {
                        rejected.TimerG = Time.CreateTimer(s => OnTimerG((ServerTransactionEntry)s!), entry, T1, Timeout.InfiniteTimeSpan);
                    }
                }
            }
            // Timers L, H and J are all 64*T1.
            entry.Deadline = serverExpiries.DeadlineAfter(T1 * 64);
            serverExpiries.Schedule(entry, entry.Deadline);
        }
        return false;
    }

    /// <summary>A retransmitted request or an ACK for a transaction that has sent its final response.</summary>
    internal void OnFinishedMessage(ServerTransactionEntry entry, SipRequest request)
    {
        byte[]? resend = null;
        SipDestination? destination = null;
        var passAck = false;
        var terminate = false;
        lock (entry)
        {
            if (request.Method == "ACK")
            {
                switch (entry.State)
                {
                    case SipTransactionState.Accepted:
                        // RFC 6026 §7.1: an ACK matching the transaction in Accepted goes to the TU.
                        passAck = true;
                        break;
                    case SipTransactionState.Completed when entry.IsInvite:
                        // §17.2.1: ACK moves Completed to Confirmed; Timer I (T4 unreliable, 0 reliable).
                        entry.State = SipTransactionState.Confirmed;
                        DropExchange(entry);
                        if (entry.Reliable)
                        {
                            entry.State = SipTransactionState.Terminated;
                            terminate = true;
                        }
                        else
                        {
                            entry.Deadline = serverExpiries.DeadlineAfter(T4);
                            serverExpiries.Schedule(entry, entry.Deadline);
                        }
                        break;
                    default:
                        // Confirmed: absorbed.
                        break;
                }
            }
            else if (entry.State == SipTransactionState.Completed)
            {
                // §17.2.1 / §17.2.2: a retransmitted request gets the final response again. In Accepted
                // (RFC 6026) and Confirmed it is absorbed.
                resend = entry.Response;
                destination = entry.Destination;
            }
        }
        if (terminate)
        {
            Terminate(entry);
        }
        if (resend is not null && destination is not null)
        {
            Fire(resend, destination, null);
        }
        if (passAck)
        {
            user?.OnAck(request);
        }
    }

    private void OnTimerG(ServerTransactionEntry entry)
    {
        byte[]? resend;
        SipDestination? destination;
        lock (entry)
        {
            if (entry.State != SipTransactionState.Completed || entry.Rejected is not { TimerG: { } timer } rejected)
            {
                return;
            }
            resend = entry.Response;
            destination = entry.Destination;
            rejected.Interval = rejected.Interval * 2 > T2 ? T2 : rejected.Interval * 2;
            timer.Change(rejected.Interval, Timeout.InfiniteTimeSpan);
        }
        if (resend is not null && destination is not null)
        {
            Fire(resend, destination, null);
        }
    }

    private static void StopTimerG(ServerTransactionEntry entry)
    {
        if (entry.Rejected is { TimerG: { } timer } rejected)
        {
            timer.Dispose();
            rejected.TimerG = null;
        }
    }

    /// <summary>Timer H, I, J or L: the entry's deadline passed (unless it moved since it was queued).</summary>
    private void Expire(ServerTransactionEntry entry, long deadline)
    {
        Action? timedOut = null;
        lock (entry)
        {
            if (entry.State == SipTransactionState.Terminated || entry.Deadline != deadline)
            {
                return;
            }
            if (entry.State == SipTransactionState.Completed && entry.IsInvite)
            {
                // §17.2.1: Timer H fired without ACK: the transaction fails.
                timedOut = entry.Rejected?.TimedOut;
            }
            Clear(entry);
        }
        Remove(entry);
        timedOut?.Invoke();
    }

    /// <summary>Ends a finished transaction at once.</summary>
    internal void Terminate(ServerTransactionEntry entry)
    {
        lock (entry)
        {
            Clear(entry);
        }
        Remove(entry);
    }

    /// <summary>Terminated: no timer, and nothing of the exchange kept (called under the entry's lock).</summary>
    private static void Clear(ServerTransactionEntry entry)
    {
        entry.State = SipTransactionState.Terminated;
        DropExchange(entry);
    }

    /// <summary>Stops Timer G and forgets the response and where it went (called under the entry's lock).</summary>
    private static void DropExchange(ServerTransactionEntry entry)
    {
        StopTimerG(entry);
        entry.Rejected = null;
        entry.Response = null;
        entry.Destination = null;
    }

    private void Remove(ServerTransactionEntry entry)
    {
        servers.TryRemove(new KeyValuePair<string, ServerTransactionEntry>(entry.Key, entry));
        if (entry.MergeKey is { } mk)
        {
            merge.TryRemove(new KeyValuePair<string, string>(mk, entry.Key));
        }
    }

    /// <summary>
    /// A connection closed: client transactions whose requests went down it fail now (§8.1.3.1: a transport error is a
    /// 503) instead of waiting for Timer B or F, and INVITEs that came up it and are still unanswered are cancelled (the
    /// caller is gone). Linear in the live transactions; connections close far less often than messages arrive.
    /// </summary>
    public void OnConnectionClosed(SipConnection connection)
    {
        foreach (var tx in clients.Values)
        {
            if (tx.Destination.Protocol == connection.Protocol && tx.Destination.EndPoint.Equals(connection.RemoteEndPoint))
            {
                tx.OnTransportError();
            }
        }
        foreach (var entry in servers.Values)
        {
            if (entry.Live is { IsInvite: true, HasFinalResponse: false } live && live.Source.Connection == connection)
            {
                live.TimedOut?.Invoke();
            }
        }
    }

    /// <summary>Stops the expiry timer (endpoint disposal).</summary>
    public void Dispose()
    {
        serverExpiries.Dispose();
        clientExpiries.Dispose();
    }

    /// <summary>Timers D, K and M of client transactions: returns the deadline queued.</summary>
    public long ScheduleExpiry(SipClientTransaction tx, TimeSpan wait)
    {
        var deadline = clientExpiries.DeadlineAfter(wait);
        clientExpiries.Schedule(tx, deadline);
        return deadline;
    }

    public void Remove(SipClientTransaction tx) => clients.TryRemove(new KeyValuePair<string, SipClientTransaction>(tx.Key, tx));
}
