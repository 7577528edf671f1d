using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ContactCenter.Sip.Auth;
using ContactCenter.Sip.Message;
using ContactCenter.Sip.Sdp;
using ContactCenter.Sip.Transactions;
using ContactCenter.Sip.Transport;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Sip.UserAgent;

/// <summary>
/// The UAC side of an endpoint (sipgo's client): builds and resolves requests, sends out-of-dialog and
/// in-dialog requests through client transactions, places calls (INVITE, ACK for the 2xx, one digest
/// retry on 401/407, CANCEL) and creates the caller's dialog.
/// </summary>
internal sealed class SipClient
{
    private readonly SipEndpoint endpoint;
    private readonly SipEndpointOptions options;
    private readonly ILogger logger;
    private readonly SipTransportLayer transports;
    private readonly TransactionLayer transactions;
    private readonly DialogTable dialogs;
    private readonly ConcurrentDictionary<string, OutgoingCall> outgoing = new(StringComparer.Ordinal);

    public SipClient(SipEndpoint endpoint, SipEndpointOptions options, ILogger logger, SipTransportLayer transports, TransactionLayer transactions, DialogTable dialogs)
    {
        this.endpoint = endpoint;
        this.transports = transports;
        this.options = options;
        this.logger = logger;
        this.transactions = transactions;
        this.dialogs = dialogs;
    }

    private string Host => endpoint.Host;

    private int Port => endpoint.Port;

    private IPEndPoint? UdpEndPoint => endpoint.UdpEndPoint;

    private IPEndPoint? TcpEndPoint => endpoint.TcpEndPoint;

    /// <summary>A response that matched no client transaction.</summary>
    public void OnStrayResponse(SipResponse response)
    {
        // A 2xx retransmission after the INVITE client transaction ended: ACK it again (§13.2.2.4).
        if (response.IsSuccess && response.CSeq.Method == "INVITE")
        {
            var d = dialogs.Find(response.CallId, response.From.Tag ?? "", response.To.Tag ?? "");
            if (d?.LastAck is { } ack && d.LastAckDestination is { } dest && d.InviteCSeq == response.CSeq.Number)
            {
                transactions.SendRaw(ack, dest);
            }
        }
    }

    /// <summary>
    /// Resolves a SIP URI to a destination (IP literal or DNS A/AAAA; transport parameter honoured). A host in
    /// <c>.invalid</c> (RFC 7118 §5.2: a WebSocket client's Contact) never resolves: such a peer is reached only over
    /// the connection it registered from.
    /// </summary>
    public async Task<SipDestination> ResolveAsync(SipUri uri, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(uri);
        var maddr = uri.Parameters.Get("maddr");
        var host = maddr ?? uri.HostWithoutBrackets;
        var protocol = uri.Transport switch
        {
            "ws" => SipProtocol.Ws,
            "wss" => SipProtocol.Wss,
            "tcp" when !uri.Scheme.Equals("sips", StringComparison.OrdinalIgnoreCase) => SipProtocol.Tcp,
            // RFC 3261 §19.1.2, RFC 5630 §3.1.3: a sips: URI is reached over TLS only (transport=tcp with sips means TLS).
            _ when uri.Scheme.Equals("sips", StringComparison.OrdinalIgnoreCase) || uri.Transport == "tls" => SipProtocol.Tls,
            _ => UdpEndPoint is null ? SipProtocol.Tcp : SipProtocol.Udp,
        };
        if (host.EndsWith(".invalid", StringComparison.OrdinalIgnoreCase))
        {
            throw new SipTransportException($"host {host} is not resolvable (.invalid): reach it over its registered connection");
        }
        if (!IPAddress.TryParse(host, out var address))
        {
            var addresses = await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
            var family = (UdpEndPoint ?? TcpEndPoint)?.AddressFamily ?? AddressFamily.InterNetwork;
            address = Array.Find(addresses, a => a.AddressFamily == family) ?? addresses.FirstOrDefault()
                ?? throw new SipTransportException($"host {host} did not resolve");
        }
        if (address.AddressFamily == AddressFamily.InterNetwork && (UdpEndPoint ?? TcpEndPoint)?.AddressFamily == AddressFamily.InterNetworkV6)
        {
            address = address.MapToIPv6();
        }
        return new SipDestination(protocol, new IPEndPoint(address, uri.Port ?? (protocol == SipProtocol.Tls ? 5061 : 5060)));
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

    /// <summary>Our address on the flow to <paramref name="destination"/>: a WebSocket's is the web host's, known only from its connection.</summary>
    private IPEndPoint? LocalFor(SipDestination destination) =>
        destination.Protocol.IsWebSocket() ? transports.FlowTo(destination)?.LocalEndPoint : null;

    private void AddVia(SipRequest request, SipDestination destination)
    {
        var via = $"SIP/2.0/{destination.Protocol.ViaName()} {endpoint.SentBy(destination.Protocol, LocalFor(destination))};branch={SipIds.NewBranch()};rport";
        request.Headers.Insert(0, "Via", via);
    }

    private string ContactFor(SipDestination destination) => endpoint.ContactFor(destination.Protocol, LocalFor(destination));

    private Task<SipResponse> SendNonInviteAsync(SipRequest request, SipDestination destination, CancellationToken cancellationToken)
    {
        var tcs = new TaskCompletionSource<SipResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        destination = ChooseTransport(request, destination);
        if (request.TopVia is null)
        {
            AddVia(request, destination);
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

    public async Task<SipResponse> SendInDialogAsync(SipDialog dialog, SipRequest request, CancellationToken cancellationToken)
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
        request.Headers.Add("Contact", ContactFor(destination));
        AddVia(request, destination);
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
        if (dialog.Flow is { } flow && flow.Protocol.IsReliable())
        {
            // A connection (TCP, WebSocket) is used in both directions: in-dialog requests go back down it.
            return new SipDestination(flow.Protocol, flow.RemoteEndPoint);
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
        AddVia(ack, destination);
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
        invite.Headers.Add("Allow", SipEndpoint.AllowedMethods);
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
        invite.Headers.Add("Contact", ContactFor(destination));
        AddVia(invite, destination);
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
            var existing = dialogs.Find(r.CallId, r.From.Tag ?? "", r.To.Tag ?? "");
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
            var dialog = new SipDialog(endpoint, isCaller: true, invite.CallId, invite.From, r.To, target, routes, invite.CSeq.Number, null,
                transports.FlowTo(tx.Destination) ?? new SipSource(tx.Destination.Protocol, tx.Destination.EndPoint, (UdpEndPoint ?? TcpEndPoint)!))
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
            dialogs.Add(dialog);
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
