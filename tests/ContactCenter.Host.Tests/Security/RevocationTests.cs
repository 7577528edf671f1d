using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.SignalR.Client;
using Xunit.Abstractions;

namespace ContactCenter.Host.Tests.Security;

/// <summary>
/// Issue 17: deactivating a person, demoting a supervisor or giving a new password takes effect within seconds everywhere
/// (ADR 0015: the security stamp, checked on each request and hub call, cached for at most 2 s; open hub connections swept
/// once a second). The tests wait for the refusal (polling), and measure how long it took.
/// </summary>
public sealed class RevocationTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task A_deactivated_agents_api_calls_and_hub_connection_fail_within_5_seconds()
    {
        await using var host = HostProcess.Start();
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(45));
        using var sam = await SecurityClient.SignedInAsync(host.BaseAddress, "sam");
        var token = await SecurityClient.TokenAsync(host.BaseAddress, "bob");
        using var bob = SecurityClient.From(IPAddress.Loopback, host.BaseAddress, token);
        Assert.Equal(HttpStatusCode.OK, (await bob.GetAsync(new Uri("/api/customers?q=Ada", UriKind.Relative))).StatusCode);

        var closed = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(host.BaseAddress, "/hubs/agent"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .Build();
        hub.Closed += error =>
        {
            closed.TrySetResult(error);
            return Task.CompletedTask;
        };
        await hub.StartAsync();
        await hub.InvokeAsync("SetState", "NotReady", "training");

        var started = TimeProvider.System.GetTimestamp();
        using (var put = await sam.PutAsJsonAsync(new Uri("/api/agents/bob", UriKind.Relative), new { active = false }))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        await SecurityClient.WaitUntilAsync(
            async () => (await bob.GetAsync(new Uri("/api/customers?q=Ada", UriKind.Relative))).StatusCode == HttpStatusCode.Unauthorized,
            Limit, "bob's API call being refused");
        var apiRefused = TimeProvider.System.GetElapsedTime(started);
        await closed.Task.WaitAsync(Limit - apiRefused);
        var took = TimeProvider.System.GetElapsedTime(started);
        output.WriteLine($"deactivation: bob's API call refused {apiRefused.TotalSeconds:0.00} s and his hub connection closed {took.TotalSeconds:0.00} s after sam's PUT was sent");
        Assert.True(took < Limit, $"took {took.TotalSeconds:0.00} s");
        Assert.Contains("Closing hub connection", host.StandardOutput, StringComparison.Ordinal);

        // The old token opens nothing any more: no new hub connection, no sign-in for the inactive login.
        await using var again = new HubConnectionBuilder()
            .WithUrl(new Uri(host.BaseAddress, "/hubs/agent"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .Build();
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => again.StartAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        using var anonymous = SecurityClient.From(IPAddress.Loopback, host.BaseAddress);
        using var signIn = await anonymous.PostAsJsonAsync(new Uri("/api/auth/token", UriKind.Relative), new { login = "bob", password = "demo" });
        Assert.Equal(HttpStatusCode.Unauthorized, signIn.StatusCode);
    }

    [Fact]
    public async Task A_demoted_supervisor_loses_the_supervisor_endpoints_and_the_board_within_5_seconds()
    {
        await using var host = HostProcess.Start();
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(45));
        using var sam = await SecurityClient.SignedInAsync(host.BaseAddress, "sam");
        using (var created = await sam.PutAsJsonAsync(new Uri("/api/agents/sue", UriKind.Relative),
                   new { displayName = "Sue Supervisor", role = "supervisor", password = "sue-password-1", sipPassword = "sue-sip-secret" }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        var token = await SecurityClient.TokenAsync(host.BaseAddress, "sue", "sue-password-1");
        using var sue = SecurityClient.From(IPAddress.Loopback, host.BaseAddress, token);
        Assert.Equal(HttpStatusCode.OK, (await sue.GetAsync(new Uri("/api/agents", UriKind.Relative))).StatusCode);
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var board = new HubConnectionBuilder()
            .WithUrl(new Uri(host.BaseAddress, "/hubs/board"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .Build();
        board.Closed += _ =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };
        await board.StartAsync();

        var started = TimeProvider.System.GetTimestamp();
        using (var demote = await sam.PutAsJsonAsync(new Uri("/api/agents/sue", UriKind.Relative), new { role = "agent" }))
        {
            Assert.Equal(HttpStatusCode.OK, demote.StatusCode);
        }

        await SecurityClient.WaitUntilAsync(
            async () => (await sue.GetAsync(new Uri("/api/agents", UriKind.Relative))).StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden,
            Limit, "sue's supervisor call being refused");
        await closed.Task.WaitAsync(Limit - TimeProvider.System.GetElapsedTime(started));
        Assert.True(TimeProvider.System.GetElapsedTime(started) < Limit);

        // Signed in again she is an agent: the agent API opens, the supervisor API and the board do not.
        using var agentSue = await SecurityClient.SignedInAsync(host.BaseAddress, "sue", "sue-password-1");
        Assert.Equal(HttpStatusCode.OK, (await agentSue.GetAsync(new Uri("/api/customers?q=Ada", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await agentSue.GetAsync(new Uri("/api/agents", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await agentSue.GetAsync(new Uri("/api/reports/settings", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task A_new_password_ends_the_old_sessions_and_a_token_without_a_stamp_is_refused()
    {
        await using var host = HostProcess.Start();
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(45));
        using var sam = await SecurityClient.SignedInAsync(host.BaseAddress, "sam");
        using var carol = await SecurityClient.SignedInAsync(host.BaseAddress, "carol");
        Assert.Equal(HttpStatusCode.OK, (await carol.GetAsync(new Uri("/api/routing/queues", UriKind.Relative))).StatusCode);
        using (var put = await sam.PutAsJsonAsync(new Uri("/api/agents/carol", UriKind.Relative), new { password = "carol-new-password" }))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        await SecurityClient.WaitUntilAsync(
            async () => (await carol.GetAsync(new Uri("/api/routing/queues", UriKind.Relative))).StatusCode == HttpStatusCode.Unauthorized,
            Limit, "carol's old token being refused");
        using var fresh = await SecurityClient.SignedInAsync(host.BaseAddress, "carol", "carol-new-password");
        Assert.Equal(HttpStatusCode.OK, (await fresh.GetAsync(new Uri("/api/routing/queues", UriKind.Relative))).StatusCode);

        // A validly signed token that carries no stamp (as tokens before ADR 0015 did) opens nothing.
        var signingKey = (await File.ReadAllTextAsync(Path.Combine(host.DataFolder, "signing.key"))).Trim();
        using var stampless = SecurityClient.From(IPAddress.Loopback, host.BaseAddress, AuthorizationMatrixTests.Token(signingKey, "alice", "agent", stamp: null));
        Assert.Equal(HttpStatusCode.Unauthorized, (await stampless.GetAsync(new Uri("/api/routing/queues", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task A_browser_phones_sip_websocket_signed_in_by_the_cookie_is_closed_and_unregistered_within_5_seconds_of_deactivation()
    {
        await using var host = HostProcess.Start();
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(45));
        using var sam = await SecurityClient.SignedInAsync(host.BaseAddress, "sam");
        var token = await SecurityClient.TokenAsync(host.BaseAddress, "bob");

        // Bob's browser phone: /sip with the desktop's sign-in cookie, registering with no password (the cookie signs it in).
        using var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("sip");
        socket.Options.SetRequestHeader("Cookie", "cc_token=" + token);
        var sipUri = new UriBuilder(host.BaseAddress) { Scheme = "ws", Path = "/sip" }.Uri;
        using (var connect = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            await socket.ConnectAsync(sipUri, connect.Token);
        }

        var contact = $"sip:{Guid.NewGuid().ToString("N")[..8]}@{Guid.NewGuid().ToString("N")[..12]}.invalid;transport=ws";
        var register =
            $"REGISTER sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/WS df7jal23ls0d.invalid;branch=z9hG4bK{Guid.NewGuid():N};rport\r\nMax-Forwards: 69\r\n" +
            "To: <sip:bob@127.0.0.1>\r\nFrom: <sip:bob@127.0.0.1>;tag=regbob\r\nCall-ID: reg-bob-revocation\r\nCSeq: 1 REGISTER\r\n" +
            $"Contact: <{contact}>;+sip.ice;reg-id=1;+sip.instance=\"<urn:uuid:5b1c4d2e-0f6a-4c3b-9e7d-1a2b3c4d5e70>\";expires=600\r\nExpires: 600\r\n" +
            "Supported: path,gruu,outbound\r\nContent-Length: 0\r\n\r\n";
        await socket.SendAsync(Encoding.UTF8.GetBytes(register), WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[65_536];
        string answer;
        do
        {
            using var read = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var r = await socket.ReceiveAsync(buffer, read.Token);
            Assert.Equal(WebSocketMessageType.Text, r.MessageType);
            answer = Encoding.UTF8.GetString(buffer, 0, r.Count);
        }
        while (answer.StartsWith("SIP/2.0 100", StringComparison.Ordinal));
        Assert.StartsWith("SIP/2.0 200", answer, StringComparison.Ordinal);

        var started = TimeProvider.System.GetTimestamp();
        using (var put = await sam.PutAsJsonAsync(new Uri("/api/agents/bob", UriKind.Relative), new { active = false }))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        // The server closes the socket: the next read sees its close (or the connection end), never a timeout.
        using (var wait = new CancellationTokenSource(Limit))
        {
            try
            {
                while (true)
                {
                    var r = await socket.ReceiveAsync(buffer, wait.Token);
                    if (r.MessageType == WebSocketMessageType.Close)
                    {
                        break;
                    }
                }
            }
            catch (WebSocketException)
            {
                // The server ended the connection without a close frame: closed all the same.
            }
        }

        var took = TimeProvider.System.GetElapsedTime(started);
        output.WriteLine($"deactivation: bob's SIP WebSocket closed {took.TotalSeconds:0.00} s after sam's PUT was sent");
        Assert.True(took < Limit, $"took {took.TotalSeconds:0.00} s");
        Assert.Contains("Closing the SIP WebSocket of bob: its token was revoked", host.StandardOutput, StringComparison.Ordinal);
        // Its registration ended with it: the gateway sees bob's phone gone (routing's offers are placed against the registrar).
        await SecurityClient.WaitUntilAsync(
            () => Task.FromResult(host.StandardOutput.Contains("bob's phone is gone", StringComparison.Ordinal)), Limit, "bob's phone being gone");

        // The old cookie signs nothing in any more: a new socket is anonymous, and bob's REGISTER is challenged for a password.
        using var again = new ClientWebSocket();
        again.Options.AddSubProtocol("sip");
        again.Options.SetRequestHeader("Cookie", "cc_token=" + token);
        using (var connect = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            await again.ConnectAsync(sipUri, connect.Token);
        }

        await again.SendAsync(Encoding.UTF8.GetBytes(register.Replace("CSeq: 1 ", "CSeq: 2 ", StringComparison.Ordinal)), WebSocketMessageType.Text, true, CancellationToken.None);
        do
        {
            using var read = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var r = await again.ReceiveAsync(buffer, read.Token);
            answer = Encoding.UTF8.GetString(buffer, 0, r.Count);
        }
        while (answer.StartsWith("SIP/2.0 100", StringComparison.Ordinal));
        Assert.StartsWith("SIP/2.0 401", answer, StringComparison.Ordinal);
    }
}
