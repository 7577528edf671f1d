using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using ContactCenter.Contracts;
using ContactCenter.Sip.Message;
using ContactCenter.Sip.Registrar;
using ContactCenter.Sip.Sdp;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.Options;

namespace ContactCenter.Telephony.Tests.Web;

/// <summary>
/// <c>/sip</c> on a real Kestrel web port, spoken to by <see cref="ClientWebSocket"/> as a browser phone would: REGISTER
/// (digest, or signed in with the desktop's bearer token), the gateway's INVITE to that agent down the same socket, a
/// closed socket unregistering at once, origins, the subprotocol, malformed messages, and browsers calling DIDs.
/// </summary>
public sealed class SipWebSocketTests : IAsyncLifetime
{
    private const string OtherSite = "https://desk.example.com";
    private SipWebSocketHost host = null!;

    public async Task InitializeAsync() =>
        host = await SipWebSocketHost.StartAsync(new Dictionary<string, string?> { ["Telephony:WebSocket:AllowedOrigins:0"] = OtherSite });

    public async Task DisposeAsync() => await host.DisposeAsync();

    private string SipHost => host.Gateway.Sip!.Host;

    private static ConnectOutboundCall Dial(string agent, TimeSpan ringTimeout) => new()
    {
        CallId = NewId.NextGuid(),
        AgentId = agent,
        Number = "+442079460018",
        RingTimeout = ringTimeout,
        OccurredAt = TimeProvider.System.GetUtcNow(),
    };

    private async Task<CallEnded> EndOf(Guid callId)
    {
        Assert.True(await host.Harness.Published.Any<CallEnded>(m => m.Context.Message.CallId == callId), $"no CallEnded for {callId}");
        return host.Harness.Published.Select<CallEnded>(m => m.Context.Message.CallId == callId).First().Context.Message;
    }

    [Fact]
    public async Task An_agent_registers_over_the_websocket_with_digest_and_the_gateways_call_to_her_arrives_down_the_same_socket()
    {
        await using var alice = await SipWebSocketClient.ConnectAsync(host.SipUri);
        var ok = await alice.RegisterAsync("alice", SipHost, SipWebSocketHost.Password);
        Assert.Equal(200, ok.StatusCode);
        var binding = Assert.Single(host.Gateway.Sip!.Registrar.GetBindingsForUser("alice"));
        Assert.Equal(SipProtocol.Ws, binding.Source!.Protocol);
        Assert.NotNull(binding.BoundTo);

        var dial = Dial("alice", TimeSpan.FromSeconds(30));
        await host.Harness.Bus.Publish(dial);

        var invite = Assert.IsType<SipRequest>(await alice.NextAsync());
        Assert.Equal("INVITE", invite.Method);
        Assert.Equal(alice.Contact, invite.RequestUri.ToString());
        Assert.Equal("WS", invite.TopVia!.Transport);
        Assert.EndsWith(";transport=ws", invite.Contacts[0].Uri.ToString(), StringComparison.Ordinal);
        Assert.Equal("+442079460018", invite.From.Uri.User);

        await alice.SendAsync(SipWebSocketClient.Respond(invite, 180, "b1"));
        await alice.SendAsync(SipWebSocketClient.Respond(invite, 486, "b1"));
        // The INVITE transaction's ACK for the 486 comes down the same socket (RFC 3261 §17.1.1.3).
        var ack = Assert.IsType<SipRequest>(await alice.NextAsync());
        Assert.Equal("ACK", ack.Method);
        Assert.Equal(invite.CallId, ack.CallId);

        var ended = await EndOf(dial.CallId);
        Assert.Equal("alice", ended.AgentId);
        Assert.Equal(CallParty.Agent, ended.EndedBy);
    }

    [Fact]
    public async Task A_browser_signed_in_with_the_desktops_token_registers_without_a_password_and_closing_it_unregisters_at_once()
    {
        var gone = new TaskCompletionSource<(RegistrarBinding Binding, RegistrarBindingEndReason Reason)>(TaskCreationOptions.RunContinuationsAsynchronously);
        host.Gateway.Sip!.Registrar.BindingEnded += (b, reason) => gone.TrySetResult((b, reason));
        var alice = await SipWebSocketClient.ConnectAsync(host.SipUri, bearer: SipWebSocketHost.Token("alice"));
        await alice.SendAsync(alice.Register("alice", SipHost));
        Assert.Equal(200, Assert.IsType<SipResponse>(await alice.NextAsync()).StatusCode);
        await alice.SendAsync(alice.Register("bob", SipHost));
        Assert.Equal(403, Assert.IsType<SipResponse>(await alice.NextAsync()).StatusCode);
        Assert.Single(host.Gateway.Sip.Registrar.GetBindingsForUser("alice"));
        Assert.Equal(1, host.Gateway.Sip.WebSocketConnectionCount);

        await alice.Socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "tab closed", CancellationToken.None);
        var (binding, reason) = await gone.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(RegistrarBindingEndReason.ConnectionClosed, reason);
        Assert.Equal("alice", binding.User);
        Assert.Empty(host.Gateway.Sip.Registrar.GetBindingsForUser("alice"));
        Assert.Equal(0, host.Gateway.Sip.Registrar.LiveBindingCount);
        await alice.DisposeAsync();

        // The gateway sees her phone gone: a call for her is not placed.
        var dial = Dial("alice", TimeSpan.FromSeconds(30));
        await host.Harness.Bus.Publish(dial);
        Assert.Equal("agent's phone not reached (agent phone not registered); +442079460018 was not dialled", (await EndOf(dial.CallId)).Reason);
    }

    [Fact]
    public async Task A_call_ringing_at_a_browser_fails_at_once_when_its_tab_closes()
    {
        var alice = await SipWebSocketClient.ConnectAsync(host.SipUri, bearer: SipWebSocketHost.Token("alice"));
        await alice.SendAsync(alice.Register("alice", SipHost));
        Assert.Equal(200, Assert.IsType<SipResponse>(await alice.NextAsync()).StatusCode);
        // A ring timeout far beyond the test's wait: the end can only come from the closed socket.
        var dial = Dial("alice", TimeSpan.FromMinutes(10));
        await host.Harness.Bus.Publish(dial);
        var invite = Assert.IsType<SipRequest>(await alice.NextAsync());
        await alice.SendAsync(SipWebSocketClient.Respond(invite, 180, "b2"));

        alice.Socket.Abort();
        await alice.DisposeAsync();

        var ended = await EndOf(dial.CallId);
        Assert.Equal("alice", ended.AgentId);
        Assert.Equal(CallOutcome.NoAnswer, ended.Outcome);
        Assert.Equal("agent's phone not reached (503 Service Unavailable (transport error)); +442079460018 was not dialled", ended.Reason);
    }

    [Fact]
    public async Task Pages_of_this_site_and_configured_origins_may_connect_and_others_are_refused()
    {
        using var refused = new ClientWebSocket();
        refused.Options.AddSubProtocol("sip");
        refused.Options.SetRequestHeader("Origin", "http://evil.example");
        refused.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => refused.ConnectAsync(host.SipUri, CancellationToken.None));
        Assert.Equal(HttpStatusCode.Forbidden, refused.HttpStatusCode);

        foreach (var origin in new[] { $"http://{host.Address.Authority}", OtherSite })
        {
            await using var page = await SipWebSocketClient.ConnectAsync(host.SipUri, origin: origin);
            Assert.Equal("sip", page.Socket.SubProtocol);
            await page.SendAsync(Options("z9hG4bKorigin" + origin.Length));
            Assert.Equal(200, Assert.IsType<SipResponse>(await page.NextAsync()).StatusCode);
        }
    }

    [Fact]
    public async Task Without_the_sip_subprotocol_or_an_upgrade_the_request_is_refused()
    {
        using var chat = new ClientWebSocket();
        chat.Options.AddSubProtocol("chat");
        chat.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => chat.ConnectAsync(host.SipUri, CancellationToken.None));
        Assert.Equal(HttpStatusCode.BadRequest, chat.HttpStatusCode);

        using var http = new HttpClient();
        var plain = await http.GetAsync(new Uri(host.Address, "/sip"));
        Assert.Equal(HttpStatusCode.UpgradeRequired, plain.StatusCode);
    }

    [Fact]
    public async Task A_malformed_message_gets_400_and_the_connection_survives()
    {
        await using var client = await SipWebSocketClient.ConnectAsync(host.SipUri);
        await client.SendAsync("REGISTER sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/WS df7jal23ls0d.invalid;branch=z9hG4bKmal\r\nFrom: <sip:alice@127.0.0.1>;tag=1\r\n" +
                               "To: <sip:alice@127.0.0.1>\r\nCall-ID: mal\r\nCSeq: twelve REGISTER\r\nContent-Length: 0\r\n\r\n");
        var bad = Assert.IsType<SipResponse>(await client.NextAsync());
        Assert.Equal(400, bad.StatusCode);
        Assert.Equal("mal", bad.CallId);

        await client.SendAsync(Options("z9hG4bKstill"));
        Assert.Equal(200, Assert.IsType<SipResponse>(await client.NextAsync()).StatusCode);
        Assert.Equal(WebSocketState.Open, client.Socket.State);
    }

    [Fact]
    public async Task A_browser_calling_a_demo_did_is_admitted_by_the_web_trunk_and_another_number_is_not()
    {
        await using var caller = await SipWebSocketClient.ConnectAsync(host.SipUri, origin: $"http://{host.Address.Authority}");
        await caller.SendAsync(Invite("1000", "web-1000"));
        var answer = Assert.IsType<SipResponse>(await Final(caller));
        Assert.Equal(200, answer.StatusCode);
        Assert.Equal("WS", answer.TopVia!.Transport);
        Assert.NotNull(SessionDescription.TryParse(answer.BodyText, out var sdp, out _) ? sdp : null);
        Assert.True(await host.Harness.Published.Any<CallReceived>(m => m.Context.Message.Did == "1000"));
        await caller.SendAsync(InDialog("ACK", answer, 1));
        await caller.SendAsync(InDialog("BYE", answer, 2));
        var bye = Assert.IsType<SipResponse>(await caller.NextAsync());
        Assert.Equal((200, "BYE"), (bye.StatusCode, bye.CSeq.Method));

        await caller.SendAsync(Invite("5555", "web-5555"));
        Assert.Equal(404, Assert.IsType<SipResponse>(await Final(caller)).StatusCode);
    }

    [Fact]
    public async Task A_bad_allowed_origin_stops_the_start_with_the_key()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => SipWebSocketHost.StartAsync(
            new Dictionary<string, string?> { ["Telephony:WebSocket:AllowedOrigins:0"] = "desk.example.com/phone" }));
        Assert.Contains("Telephony:WebSocket:AllowedOrigins:0 'desk.example.com/phone' is not an origin", error.Message, StringComparison.Ordinal);
    }

    private static async Task<SipMessage> Final(SipWebSocketClient client)
    {
        while (true)
        {
            var m = await client.NextAsync();
            if (m is SipResponse { StatusCode: < 200 })
            {
                continue;
            }

            return m;
        }
    }

    private static string Options(string branch) =>
        $"OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/WS df7jal23ls0d.invalid;branch={branch}\r\nMax-Forwards: 70\r\n" +
        $"From: <sip:probe@127.0.0.1>;tag=o1\r\nTo: <sip:127.0.0.1>\r\nCall-ID: {branch}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";

    private string Invite(string did, string callId)
    {
        var offer = SdpOfferAnswer.CreateOffer(new IPEndPoint(IPAddress.Loopback, FreeUdpPort())).ToString();
        return $"INVITE sip:{did}@{SipHost} SIP/2.0\r\nVia: SIP/2.0/WS df7jal23ls0d.invalid;branch=z9hG4bK{callId};rport\r\nMax-Forwards: 70\r\n" +
               $"From: <sip:+442079460018@{SipHost}>;tag=web\r\nTo: <sip:{did}@{SipHost}>\r\nCall-ID: {callId}\r\nCSeq: 1 INVITE\r\n" +
               $"Contact: <sip:caller@web1.invalid;transport=ws>\r\nContent-Type: application/sdp\r\nContent-Length: {offer.Length}\r\n\r\n{offer}";
    }

    private static string InDialog(string method, SipResponse answer, uint cseq) =>
        $"{method} {answer.Contacts[0].Uri} SIP/2.0\r\nVia: SIP/2.0/WS df7jal23ls0d.invalid;branch=z9hG4bK{method}{answer.CallId}\r\nMax-Forwards: 70\r\n" +
        $"From: {answer.Headers.Get("From")}\r\nTo: {answer.Headers.Get("To")}\r\nCall-ID: {answer.CallId}\r\nCSeq: {cseq} {method}\r\nContent-Length: 0\r\n\r\n";

    /// <summary>A UDP port nobody listens on (the media the gateway sends the test caller goes nowhere).</summary>
    private static int FreeUdpPort()
    {
        using var s = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.Client.LocalEndPoint!).Port;
    }
}
