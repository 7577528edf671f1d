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
internal sealed class TransactionLayer
{
    private readonly ConcurrentDictionary<string, SipServerTransaction> servers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SipClientTransaction> clients = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> merge = new(StringComparer.Ordinal);
    private readonly SipTransport transport;
    private readonly SipEndpointOptions options;
    private readonly ILogger logger;
    private ITransactionUser? user;

    public TransactionLayer(SipTransport transport, SipEndpointOptions options, TimeProvider time, ILogger logger)
    {
        this.transport = transport;
        this.options = options;
        this.logger = logger;
        Time = time;
    }

    public TimeProvider Time { get; }

    public TimeSpan T1 => options.T1;

    public TimeSpan T2 => options.T2;

    public TimeSpan T4 => options.T4;

    public string UserAgent => options.UserAgent;

    public int ServerCount => servers.Count;

    public int ClientCount => clients.Count;

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
            existing.OnRetransmission(request);
            return;
        }
        if (request.Method == "ACK")
        {
            user?.OnAck(request);
            return;
        }
        var tx = new SipServerTransaction(this, key, request, source);
        if (!servers.TryAdd(key, tx))
        {
            if (servers.TryGetValue(key, out existing))
            {
                existing.OnRetransmission(request);
            }
            return;
        }
        // §8.2.2.2: a request without To tag whose From tag, Call-ID and CSeq match an ongoing transaction
        // that arrived by another path is a merged request: 482.
        if (request.To.Tag is null && request.From.Tag is { } fromTag)
        {
            var mk = string.Concat(request.CallId, "|", fromTag, "|", request.CSeq.ToString());
            tx.MergeKey = mk;
            var winner = merge.GetOrAdd(mk, key);
            if (winner != key)
            {
                tx.MergeKey = null;
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
        if (source.Protocol == SipProtocol.Tcp || options.ForceRport)
        {
            return new SipDestination(source.Protocol, source.RemoteEndPoint);
        }
        var via = request.TopVia;
        if (via is null)
        {
            return new SipDestination(source.Protocol, source.RemoteEndPoint);
        }
        if (via.HasRport)
        {
            return new SipDestination(source.Protocol, new IPEndPoint(source.RemoteEndPoint.Address, via.Rport ?? source.RemoteEndPoint.Port));
        }
        var addressText = via.Received ?? via.Host;
        if (addressText.StartsWith('['))
        {
            addressText = addressText[1..^1];
        }
        var address = IPAddress.TryParse(addressText, out var a) ? a : source.RemoteEndPoint.Address;
        return new SipDestination(source.Protocol, new IPEndPoint(address, via.Port ?? 5060));
    }

    public void SendResponseBytes(byte[] bytes, SipServerTransaction tx) =>
        Fire(bytes, tx.ResponseDestination ??= ResponseDestination(tx.Request, tx.Source), null);

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
            tx?.OnTransportError();
        }
    }

    /// <summary>Starts a client transaction for a request that already has its top Via (with branch).</summary>
    public SipClientTransaction StartClient(SipRequest request, SipDestination destination, Action<SipClientTransaction, SipResponse> onResponse)
    {
        var key = ClientKey(request.TopVia!.Branch, request.CSeq.Method);
        var tx = new SipClientTransaction(this, key, request, destination, onResponse);
        clients[key] = tx;
        tx.Start();
        return tx;
    }

    public SipServerTransaction? FindInviteFor(SipRequest cancel)
    {
        var via = cancel.TopVia!;
        var key = via.HasRfc3261Branch
            ? string.Concat(via.Branch, "|", via.Host, ":", (via.Port ?? 0).ToString(CultureInfo.InvariantCulture), "|INVITE")
            : string.Concat("2543|", cancel.CallId, "|", cancel.CSeq.Number.ToString(CultureInfo.InvariantCulture), "|", cancel.From.Tag, "|", via.ToString(), "|INVITE");
        return servers.TryGetValue(key, out var tx) ? tx : null;
    }

    public void Remove(SipServerTransaction tx)
    {
        servers.TryRemove(new KeyValuePair<string, SipServerTransaction>(tx.Key, tx));
        if (tx.MergeKey is { } mk)
        {
            merge.TryRemove(new KeyValuePair<string, string>(mk, tx.Key));
        }
    }

    public void Remove(SipClientTransaction tx) => clients.TryRemove(new KeyValuePair<string, SipClientTransaction>(tx.Key, tx));
}
