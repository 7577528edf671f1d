using System.Net;
using System.Net.Sockets;
using System.Text;
using ContactCenter.Sip.Message;
using ContactCenter.Sip.Transport;
using Microsoft.Extensions.Time.Testing;

namespace ContactCenter.Sip.Tests.Transport;

/// <summary>
/// A refused new INVITE gets its 503 where it is first read, never after waiting behind work already accepted (ADR 0011):
/// the UDP receive thread refuses when its queue's oldest INVITE waited longer than Sip:MaxInviteQueueWait (and absorbs a
/// retransmission of an INVITE still queued), TCP (and
/// WebSocket) connections ask the application's gate before any transaction, and every such 503's latency is reported.
/// </summary>
public class EarlyRefusalTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private static string Invite(string transport, int port, string id) =>
        $"INVITE sip:1000@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/{transport} 127.0.0.1:{port};branch=z9hG4bK{id}\r\nMax-Forwards: 70\r\n" +
        $"From: <sip:caller@127.0.0.1>;tag=f{id}\r\nTo: <sip:1000@127.0.0.1>\r\nCall-ID: {id}\r\nCSeq: 1 INVITE\r\n" +
        $"Contact: <sip:caller@127.0.0.1:{port}>\r\nContent-Length: 0\r\n\r\n";

    [Theory]
    [InlineData(0, 0, "None")]        // empty queue: queued, whatever the setting
    [InlineData(5, 59, "None")]       // the oldest waited less than the limit
    [InlineData(5, 60, "None")]       // ... exactly the limit
    [InlineData(5, 61, "QueueWait")]  // ... longer: refused now
    [InlineData(2048, 0, "QueueFull")]
    [InlineData(2047, 0, "None")]
    public void The_receive_thread_refuses_a_new_invite_when_the_queue_is_full_or_its_oldest_waited_too_long(int queued, int oldestMs, string expected)
    {
        var decision = InviteQueuePolicy.Decide(queued, TimeSpan.FromMilliseconds(oldestMs), 2048, TimeSpan.FromMilliseconds(60));
        Assert.Equal(Enum.Parse<InviteRefusal>(expected), decision);
    }

    [Fact]
    public void A_zero_wait_limit_turns_the_wait_rule_off()
    {
        Assert.Equal(InviteRefusal.None, InviteQueuePolicy.Decide(100, TimeSpan.FromMinutes(1), 2048, TimeSpan.Zero));
        Assert.Equal(InviteRefusal.QueueFull, InviteQueuePolicy.Decide(2048, TimeSpan.Zero, 2048, TimeSpan.Zero));
    }

    [Fact]
    public void A_negative_or_huge_wait_limit_is_refused_at_start_by_name()
    {
        Assert.Contains("Sip:MaxInviteQueueWait", new SipEndpointOptions { MaxInviteQueueWait = TimeSpan.FromMilliseconds(-1) }.Validate());
        Assert.Contains("Sip:MaxInviteQueueWait", new SipEndpointOptions { MaxInviteQueueWait = TimeSpan.FromMinutes(1) }.Validate());
        Assert.Null(new SipEndpointOptions { MaxInviteQueueWait = TimeSpan.Zero }.Validate());
    }

    [Fact]
    public async Task A_new_invite_behind_one_that_waited_too_long_gets_503_at_once_before_the_queued_one_is_served()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 8, 1, 0, 0, TimeSpan.Zero));
        await using var uas = TestSupport.StartEndpoint(o =>
        {
            o.RateLimitPerSecond = 100_000;
            o.RateLimitBurst = 100_000;
            o.MaxInviteQueueWait = TimeSpan.FromMilliseconds(60);
            o.OverloadRetryAfter = TimeSpan.FromSeconds(7);
        }, time);
        var latencies = new List<TimeSpan>();
        uas.RefusalSent = latency =>
        {
            lock (latencies)
            {
                latencies.Add(latency);
            }
        };

        // "a" and "b" hold the receive thread (the application's work on a call) until the test lets them go.
        var entered = new Dictionary<string, TaskCompletionSource>
        {
            ["qa"] = new(TaskCreationOptions.RunContinuationsAsynchronously),
            ["qb"] = new(TaskCreationOptions.RunContinuationsAsynchronously),
        };
        var release = new Dictionary<string, ManualResetEventSlim> { ["qa"] = new(), ["qb"] = new() };
        var queueDelays = new Dictionary<string, TimeSpan>();
        uas.IncomingCallHandler = call =>
        {
            lock (queueDelays)
            {
                queueDelays[call.CallId] = call.QueueDelay;
            }

            if (entered.TryGetValue(call.CallId, out var started))
            {
                started.TrySetResult();
                release[call.CallId].Wait(Wait);
            }

            call.Reject(486);
            return Task.CompletedTask;
        };
        using var peer = new TestSupport.UdpPeer();
        var port = peer.LocalEndPoint.Port;

        await peer.SendAsync(Invite("UDP", port, "qa"), uas.UdpEndPoint!);
        await entered["qa"].Task.WaitAsync(Wait);
        // Read together after "a": "b" is handled (and holds the thread), "c" waits in the queue from now on.
        await peer.SendAsync(Invite("UDP", port, "qb"), uas.UdpEndPoint!);
        await peer.SendAsync(Invite("UDP", port, "qc"), uas.UdpEndPoint!);
        release["qa"].Set();
        await entered["qb"].Task.WaitAsync(Wait);

        // "c" has now waited a second: "d" and "e" would wait at least that long behind it, so they are refused as read.
        // The caller's retransmission of "c" (its timer ran out) is absorbed: "c" is answered once, by the application.
        time.Advance(TimeSpan.FromSeconds(1));
        await peer.SendAsync(Invite("UDP", port, "qc"), uas.UdpEndPoint!);
        await peer.SendAsync(Invite("UDP", port, "qd"), uas.UdpEndPoint!);
        await peer.SendAsync(Invite("UDP", port, "qe"), uas.UdpEndPoint!);
        release["qb"].Set();

        var order = new List<(string CallId, int Status, string? RetryAfter)>();
        while (order.Count < 5 && await peer.ReceiveFinalAsync(Wait) is { } response)
        {
            if (order.All(o => o.CallId != response.CallId))
            {
                order.Add((response.CallId, response.StatusCode, response.Headers.Get("Retry-After")));
            }
        }

        Assert.Equal([("qa", 486, null), ("qb", 486, null), ("qd", 503, "7"), ("qe", 503, "7"), ("qc", 486, null)], order);
        Assert.Equal(2, uas.InvitesShed);
        Assert.Equal(0, uas.QueuedInvites);
        lock (queueDelays)
        {
            Assert.Equal(["qa", "qb", "qc"], queueDelays.Keys.Order());
            Assert.Equal(TimeSpan.FromSeconds(1), queueDelays["qc"]);
        }

        lock (latencies)
        {
            // Sent as read: no time passed between reading "d" or "e" and their 503.
            Assert.Equal([TimeSpan.Zero, TimeSpan.Zero], latencies);
        }

        release["qa"].Dispose();
        release["qb"].Dispose();
    }

    [Fact]
    public async Task A_new_invite_over_tcp_meets_the_applications_gate_before_any_transaction()
    {
        await using var uas = TestSupport.StartEndpoint(o => o.OverloadRetryAfter = TimeSpan.FromSeconds(4));
        var open = false;
        var asked = 0;
        uas.NewCallGate = _ =>
        {
            Interlocked.Increment(ref asked);
            return Volatile.Read(ref open);
        };
        var handled = 0;
        uas.IncomingCallHandler = call =>
        {
            Interlocked.Increment(ref handled);
            call.Reject(486);
            return Task.CompletedTask;
        };
        var reported = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        uas.RefusalSent = latency => reported.TrySetResult(latency);

        using var client = new TcpClient();
        await client.ConnectAsync(uas.TcpEndPoint!);
        var stream = client.GetStream();
        var port = ((IPEndPoint)client.Client.LocalEndPoint!).Port;

        await stream.WriteAsync(Encoding.UTF8.GetBytes(Invite("TCP", port, "tcp1")));
        var refused = await ReadResponseAsync(stream);
        Assert.Equal(503, refused.StatusCode);
        Assert.Equal("4", refused.Headers.Get("Retry-After"));
        Assert.NotNull(refused.To.Tag);
        Assert.True(await reported.Task.WaitAsync(Wait) >= TimeSpan.Zero);
        Assert.Equal(0, uas.TransactionCount);
        Assert.Equal(0, Volatile.Read(ref handled));

        Volatile.Write(ref open, true);
        await stream.WriteAsync(Encoding.UTF8.GetBytes(Invite("TCP", port, "tcp2")));
        Assert.Equal(486, (await ReadResponseAsync(stream)).StatusCode);
        Assert.Equal(1, Volatile.Read(ref handled));
        Assert.Equal(2, Volatile.Read(ref asked));
    }

    [Fact]
    public async Task The_applications_own_503_reports_its_latency_too()
    {
        await using var uas = TestSupport.StartEndpoint();
        var reported = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        uas.RefusalSent = latency => reported.TrySetResult(latency);
        uas.IncomingCallHandler = call =>
        {
            call.Reject(503, "Service Unavailable", [new("Retry-After", "5")]);
            return Task.CompletedTask;
        };
        using var peer = new TestSupport.UdpPeer();
        await peer.SendAsync(Invite("UDP", peer.LocalEndPoint.Port, "app503"), uas.UdpEndPoint!);
        Assert.Equal(503, (await peer.ReceiveFinalAsync(Wait))!.StatusCode);
        var latency = await reported.Task.WaitAsync(Wait);
        Assert.InRange(latency, TimeSpan.Zero, Wait);
    }

    /// <summary>Reads one SIP response (no body) from a TCP stream.</summary>
    private static async Task<SipResponse> ReadResponseAsync(NetworkStream stream)
    {
        using var cts = new CancellationTokenSource(Wait);
        var buffer = new byte[8192];
        var length = 0;
        while (true)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(length), cts.Token);
            Assert.True(read > 0, "connection closed before a response");
            length += read;
            var text = Encoding.UTF8.GetString(buffer, 0, length);
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end >= 0)
            {
                var message = SipParser.ParseDatagram(buffer.AsSpan(0, end + 4)).Message;
                return Assert.IsType<SipResponse>(message);
            }
        }
    }
}
