using System.Net;
using System.Net.WebSockets;
using ContactCenter.Sip.Message;
using ContactCenter.Sip.Registrar;
using ContactCenter.Sip.Sdp;
using ContactCenter.Sip.Transactions;
using ContactCenter.Sip.UserAgent;

namespace ContactCenter.Sip.Tests.Transport;

/// <summary>
/// SIP over WebSocket (RFC 7118) on a real loopback connection: framing (one SIP message per WebSocket message, text or
/// binary, fragmented or not), Via received/rport, answers down the same connection, malformed messages, the size cap,
/// the subprotocol, and contacts bound to the connection (a call to the AOR goes down it; closing it unregisters at once).
/// </summary>
public class WebSocketTransportTests
{
    private static string Register(string user, string branch, uint cseq = 1, string expires = "600", string callId = "ws-reg-1",
        string contact = "<sip:kz1m@df7jal23ls0d.invalid;transport=ws>;+sip.ice;reg-id=1;+sip.instance=\"<urn:uuid:0c1d0b9e-7c1f-4c44-9d83-4a3a7d1e1f10>\"") =>
        $"REGISTER sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/WS df7jal23ls0d.invalid;branch={branch};rport\r\nMax-Forwards: 69\r\n" +
        $"From: <sip:{user}@127.0.0.1>;tag=fr1\r\nTo: <sip:{user}@127.0.0.1>\r\nCall-ID: {callId}\r\nCSeq: {cseq} REGISTER\r\n" +
        $"Contact: {contact};expires={expires}\r\nExpires: {expires}\r\nAllow: INVITE,ACK,CANCEL,BYE,OPTIONS\r\nSupported: path,gruu,outbound\r\nContent-Length: 0\r\n\r\n";

    private static string Options(string branch) =>
        $"OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/WS df7jal23ls0d.invalid;branch={branch}\r\nMax-Forwards: 70\r\n" +
        $"From: <sip:probe@127.0.0.1>;tag=o{branch}\r\nTo: <sip:127.0.0.1>\r\nCall-ID: {branch}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";

    [Fact]
    public async Task A_register_is_answered_as_one_text_message_down_the_same_socket_with_received_and_rport()
    {
        await using var ep = TestSupport.StartEndpoint();
        await using var peer = await WebSocketPeer.ConnectAsync(ep);
        await peer.SendAsync(Register("alice", "z9hG4bKw1"));

        var (type, message, _) = await peer.ReceiveAsync();
        Assert.Equal(WebSocketMessageType.Text, type);
        var ok = Assert.IsType<SipResponse>(message);
        Assert.Equal(200, ok.StatusCode);
        Assert.Equal("WS", ok.TopVia!.Transport);
        Assert.Equal("127.0.0.1", ok.TopVia.Received);
        Assert.Equal(peer.Remote.Port, ok.TopVia.Rport);
        Assert.Contains(ok.Contacts, c => c.Uri.Host == "df7jal23ls0d.invalid");
        var binding = Assert.Single(ep.Registrar.GetBindingsForUser("alice"));
        Assert.Equal(SipProtocol.Ws, binding.Source!.Protocol);
        Assert.NotNull(binding.BoundTo);
        Assert.Equal(1, ep.WebSocketConnectionCount);
    }

    [Fact]
    public async Task A_message_in_several_frames_or_as_binary_is_one_sip_message()
    {
        await using var ep = TestSupport.StartEndpoint();
        await using var peer = await WebSocketPeer.ConnectAsync(ep);
        await peer.SendFragmentedAsync(Options("z9hG4bKfrag"), pieces: 5);
        Assert.Equal(200, Assert.IsType<SipResponse>(await peer.NextAsync()).StatusCode);
        await peer.SendAsync(Options("z9hG4bKbin"), WebSocketMessageType.Binary);
        var ok = Assert.IsType<SipResponse>(await peer.NextAsync());
        Assert.Equal(200, ok.StatusCode);
        Assert.Equal("z9hG4bKbin", ok.CallId);
    }

    [Fact]
    public async Task A_malformed_request_gets_400_and_the_connection_carries_on()
    {
        await using var ep = TestSupport.StartEndpoint();
        await using var peer = await WebSocketPeer.ConnectAsync(ep);
        await peer.SendAsync("OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/WS df7jal23ls0d.invalid;branch=z9hG4bKbad\r\nFrom: <sip:probe@127.0.0.1>;tag=1\r\n" +
                             "To: <sip:127.0.0.1>\r\nCall-ID: bad\r\nCSeq: one OPTIONS\r\nContent-Length: 0\r\n\r\n");
        var bad = Assert.IsType<SipResponse>(await peer.NextAsync());
        Assert.Equal(400, bad.StatusCode);
        await peer.SendAsync("\r\n\r\n");
        await peer.SendAsync("this is not SIP at all");
        await peer.SendAsync(Options("z9hG4bKafter"));
        var ok = Assert.IsType<SipResponse>(await peer.NextAsync());
        Assert.Equal(200, ok.StatusCode);
        Assert.Equal("z9hG4bKafter", ok.CallId);
        Assert.Equal(WebSocketState.Open, peer.Socket.State);
    }

    [Fact]
    public async Task A_message_over_the_size_limit_closes_the_connection_with_1009()
    {
        await using var ep = TestSupport.StartEndpoint(o => o.MaxMessageSize = 2048);
        await using var peer = await WebSocketPeer.ConnectAsync(ep);
        await peer.SendAsync(Options("z9hG4bKbig").Replace("Content-Length: 0\r\n", "X-Pad: " + new string('a', 3000) + "\r\nContent-Length: 0\r\n", StringComparison.Ordinal));
        var (type, _, _) = await peer.ReceiveAsync();
        Assert.Equal(WebSocketMessageType.Close, type);
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, peer.Socket.CloseStatus);
        await peer.Serving.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(0, ep.WebSocketConnectionCount);
    }

    [Fact]
    public async Task A_websocket_without_the_sip_subprotocol_is_closed()
    {
        await using var ep = TestSupport.StartEndpoint();
        await using var peer = await WebSocketPeer.ConnectAsync(ep, subProtocol: "chat");
        var (type, _, _) = await peer.ReceiveAsync();
        Assert.Equal(WebSocketMessageType.Close, type);
        Assert.Equal(WebSocketCloseStatus.ProtocolError, peer.Socket.CloseStatus);
    }

    [Fact]
    public async Task A_call_to_the_registered_aor_goes_down_the_socket_and_closing_it_unregisters_and_fails_the_call_at_once()
    {
        await using var ep = TestSupport.StartEndpoint();
        var ended = new TaskCompletionSource<(RegistrarBinding Binding, RegistrarBindingEndReason Reason)>(TaskCreationOptions.RunContinuationsAsynchronously);
        ep.Registrar.BindingEnded += (b, reason) => ended.TrySetResult((b, reason));
        var peer = await WebSocketPeer.ConnectAsync(ep);
        await peer.SendAsync(Register("alice", "z9hG4bKw2"));
        Assert.Equal(200, Assert.IsType<SipResponse>(await peer.NextAsync()).StatusCode);

        var binding = Assert.Single(ep.Registrar.GetBindingsForUser("alice"));
        var call = ep.Call(new SipCallOptions
        {
            Target = binding.Contact,
            Destination = new SipDestination(binding.Source!.Protocol, binding.Source.RemoteEndPoint),
            Offer = SdpOfferAnswer.CreateOffer(new IPEndPoint(IPAddress.Loopback, 20_000)),
        });
        var invite = Assert.IsType<SipRequest>(await peer.NextAsync());
        Assert.Equal("INVITE", invite.Method);
        Assert.Equal("sip:kz1m@df7jal23ls0d.invalid;transport=ws", invite.RequestUri.ToString());
        Assert.Equal("WS", invite.TopVia!.Transport);
        Assert.Equal($"127.0.0.1:{peer.Local.Port}", invite.TopVia.Host + ":" + invite.TopVia.Port);
        Assert.Equal($"sip:127.0.0.1:{peer.Local.Port};transport=ws", invite.Contacts[0].Uri.ToString());
        await peer.SendAsync($"SIP/2.0 180 Ringing\r\nVia: {invite.Headers.Get("Via")}\r\nFrom: {invite.Headers.Get("From")}\r\nTo: {invite.Headers.Get("To")};tag=b1\r\n" +
                             $"Call-ID: {invite.CallId}\r\nCSeq: {invite.Headers.Get("CSeq")}\r\nContact: <sip:kz1m@df7jal23ls0d.invalid;transport=ws>\r\nContent-Length: 0\r\n\r\n");
        await WaitForAsync(() => call.LastProvisional is not null);

        // The tab closes: no ring timeout, no 32 s Timer B.
        await peer.Socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "tab closed", CancellationToken.None);
        var (gone, reason) = await ended.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(RegistrarBindingEndReason.ConnectionClosed, reason);
        Assert.Equal("alice", gone.User);
        Assert.Empty(ep.Registrar.GetBindingsForUser("alice"));
        Assert.Equal(503, (await call.Completion.WaitAsync(TimeSpan.FromSeconds(5))).StatusCode);
        await peer.DisposeAsync();
        Assert.Equal(0, ep.WebSocketConnectionCount);
    }

    [Fact]
    public async Task A_dialog_over_the_socket_ends_when_it_closes()
    {
        await using var ep = TestSupport.StartEndpoint();
        var endedDialog = new TaskCompletionSource<SipDialogEndReason>(TaskCreationOptions.RunContinuationsAsynchronously);
        ep.DialogEnded += (_, reason) => endedDialog.TrySetResult(reason);
        ep.IncomingCallHandler = call =>
        {
            call.Accept(SdpOfferAnswer.CreateAnswer(call.Offer!, new IPEndPoint(IPAddress.Loopback, 20_002)).Answer!);
            return Task.CompletedTask;
        };
        await using var peer = await WebSocketPeer.ConnectAsync(ep, secure: true);
        var offer = SdpOfferAnswer.CreateOffer(new IPEndPoint(IPAddress.Loopback, 20_000)).ToString();
        await peer.SendAsync($"INVITE sip:1000@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKinv1\r\nMax-Forwards: 70\r\n" +
                             "From: <sip:+442079460018@127.0.0.1>;tag=web1\r\nTo: <sip:1000@127.0.0.1>\r\nCall-ID: web-call-1\r\nCSeq: 1 INVITE\r\n" +
                             $"Contact: <sip:x9@df7jal23ls0d.invalid;transport=ws>\r\nContent-Type: application/sdp\r\nContent-Length: {offer.Length}\r\n\r\n{offer}");
        var ok = Assert.IsType<SipResponse>(await peer.NextAsync());
        Assert.Equal(200, ok.StatusCode);
        Assert.Equal("WSS", ok.TopVia!.Transport);
        Assert.EndsWith(";transport=wss", ok.Contacts[0].Uri.ToString(), StringComparison.Ordinal);
        await peer.SendAsync($"ACK sip:127.0.0.1:{peer.Local.Port};transport=wss SIP/2.0\r\nVia: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKack1\r\nMax-Forwards: 70\r\n" +
                             $"From: <sip:+442079460018@127.0.0.1>;tag=web1\r\nTo: {ok.Headers.Get("To")}\r\nCall-ID: web-call-1\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n");
        await WaitForAsync(() => ep.FindDialog("web-call-1", ok.To.Tag!, "web1")?.State == SipDialogState.Confirmed);

        peer.Socket.Abort();
        Assert.Equal(SipDialogEndReason.ConnectionClosed, await endedDialog.Task.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(0, ep.DialogCount);
    }

    [Fact]
    public async Task A_connection_signed_in_by_the_host_registers_its_own_user_without_a_challenge()
    {
        await using var ep = TestSupport.StartEndpoint(credentials: new InMemoryCredentials(("alice", "s3cret"), ("bob", "pw")));
        await using var alice = await WebSocketPeer.ConnectAsync(ep, authenticatedUser: "alice");
        await alice.SendAsync(Register("alice", "z9hG4bKsi1"));
        Assert.Equal(200, Assert.IsType<SipResponse>(await alice.NextAsync()).StatusCode);
        await alice.SendAsync(Register("bob", "z9hG4bKsi2", callId: "ws-reg-bob"));
        Assert.Equal(403, Assert.IsType<SipResponse>(await alice.NextAsync()).StatusCode);

        await using var anonymous = await WebSocketPeer.ConnectAsync(ep);
        await anonymous.SendAsync(Register("alice", "z9hG4bKsi3", callId: "ws-reg-anon"));
        Assert.Equal(401, Assert.IsType<SipResponse>(await anonymous.NextAsync()).StatusCode);
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        while (!condition())
        {
            await Task.Delay(10, timeout.Token);
        }
    }
}
