using System.Diagnostics;
using System.Net;
using ContactCenter.Sip.Message;
using ContactCenter.Sip.Sdp;
using ContactCenter.Sip.UserAgent;

namespace ContactCenter.Sip.Tests.Transport;

/// <summary>
/// Overload at the UDP receive thread: new INVITEs wait behind everything else (ACK, BYE, CANCEL, in-dialog requests,
/// responses), a full queue answers 503 with Retry-After at once, and a source over its rate keeps its calls' in-dialog requests.
/// </summary>
public class InvitePriorityTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private static string Invite(int port, string id) =>
        $"INVITE sip:1000@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{id}\r\nMax-Forwards: 70\r\n" +
        $"From: <sip:flood@127.0.0.1>;tag=f{id}\r\nTo: <sip:1000@127.0.0.1>\r\nCall-ID: {id}\r\nCSeq: 1 INVITE\r\n" +
        $"Contact: <sip:flood@127.0.0.1:{port}>\r\nContent-Length: 0\r\n\r\n";

    /// <summary>Work an application does per new call (media, routing...): the receive thread is busy this long.</summary>
    private static void Busy(TimeSpan cost)
    {
        var started = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(started) < cost)
        {
            Thread.SpinWait(50);
        }
    }

    [Fact]
    public async Task An_admitted_calls_bye_is_answered_while_a_flood_of_new_invites_still_waits()
    {
        await using var caller = TestSupport.StartEndpoint();
        // The flood comes from one address: the per-source request limit (20/s by default) is not what this test is about.
        await using var uas = TestSupport.StartEndpoint(o =>
        {
            o.RateLimitPerSecond = 100_000;
            o.RateLimitBurst = 100_000;
            // Every flood INVITE is to be handled in turn here: no refusal for the queue's wait (EarlyRefusalTests has that).
            o.MaxInviteQueueWait = TimeSpan.Zero;
        });
        const int flood = 300;
        var handled = 0;
        uas.IncomingCallHandler = call =>
        {
            if (call.CallId.StartsWith("flood", StringComparison.Ordinal))
            {
                Busy(TimeSpan.FromMilliseconds(3));
                Interlocked.Increment(ref handled);
                call.Reject(486);
                return Task.CompletedTask;
            }

            call.Accept(SdpOfferAnswer.CreateAnswer(call.Offer!, new IPEndPoint(IPAddress.Loopback, 20002)).Answer!);
            return Task.CompletedTask;
        };
        var admitted = await caller.Call(new SipCallOptions
        {
            Target = SipUri.Parse($"sip:1000@127.0.0.1:{uas.Port}"),
            Offer = SdpOfferAnswer.CreateOffer(new IPEndPoint(IPAddress.Loopback, 20000)),
        }).Completion.WaitAsync(Wait);
        Assert.True(admitted.IsAnswered);

        using var flooder = new TestSupport.UdpPeer();
        for (var i = 0; i < flood; i++)
        {
            await flooder.SendAsync(Invite(flooder.LocalEndPoint.Port, $"flood{i}"), uas.UdpEndPoint!);
        }

        var bye = await admitted.Dialog!.SendByeAsync().WaitAsync(Wait);

        // Read after the 200: an upper bound of the flood INVITEs handled before the BYE. In arrival order the BYE would
        // have waited for all 300 (about a second of work); it waited for a few at most.
        var handledBeforeBye = Volatile.Read(ref handled);
        Assert.Equal(200, bye.StatusCode);
        Assert.True(handledBeforeBye < flood / 2, $"{handledBeforeBye} of {flood} new INVITEs were handled before the BYE");

        // Every queued INVITE is still handled, in turn.
        using var timeout = new CancellationTokenSource(Wait);
        while (Volatile.Read(ref handled) < flood)
        {
            await Task.Delay(20, timeout.Token);
        }

        Assert.Equal(0, uas.QueuedInvites);
        Assert.Equal(0, uas.InvitesShed);
    }

    [Fact]
    public async Task A_full_invite_queue_answers_503_with_retry_after_at_once()
    {
        await using var uas = TestSupport.StartEndpoint(o =>
        {
            o.MaxQueuedInvites = 2;
            o.OverloadRetryAfter = TimeSpan.FromSeconds(9);
        });
        uas.IncomingCallHandler = call =>
        {
            Busy(TimeSpan.FromMilliseconds(20));
            call.Reject(486);
            return Task.CompletedTask;
        };
        using var flooder = new TestSupport.UdpPeer();
        for (var i = 0; i < 40; i++)
        {
            await flooder.SendAsync(Invite(flooder.LocalEndPoint.Port, $"full{i}"), uas.UdpEndPoint!);
        }

        var busy = 0;
        var rejected = 0;
        while (busy + rejected < 40 && await flooder.ReceiveFinalAsync(Wait) is { } response)
        {
            if (response.StatusCode == 503)
            {
                busy++;
                Assert.Equal("9", response.Headers.Get("Retry-After"));
                Assert.NotNull(response.To.Tag);
            }
            else
            {
                Assert.Equal(486, response.StatusCode);
                rejected++;
            }
        }

        Assert.Equal(40, busy + rejected);
        Assert.True(busy > 0);
        Assert.Equal(busy, uas.InvitesShed);
    }

    [Fact]
    public async Task The_applications_gate_refuses_a_new_invite_with_503_before_any_transaction()
    {
        await using var uas = TestSupport.StartEndpoint(o => o.OverloadRetryAfter = TimeSpan.FromSeconds(3));
        var asked = new List<IPAddress>();
        var open = false;
        uas.NewCallGate = address =>
        {
            lock (asked)
            {
                asked.Add(address);
            }

            return Volatile.Read(ref open);
        };
        var handled = 0;
        uas.IncomingCallHandler = call =>
        {
            Interlocked.Increment(ref handled);
            call.Reject(486);
            return Task.CompletedTask;
        };
        using var peer = new TestSupport.UdpPeer();

        await peer.SendAsync(Invite(peer.LocalEndPoint.Port, "gate1"), uas.UdpEndPoint!);
        var refused = await peer.ReceiveFinalAsync(Wait);
        Assert.Equal(503, refused!.StatusCode);
        Assert.Equal("3", refused.Headers.Get("Retry-After"));
        Assert.Equal(0, uas.TransactionCount);
        Assert.Equal(0, Volatile.Read(ref handled));

        Volatile.Write(ref open, true);
        await peer.SendAsync(Invite(peer.LocalEndPoint.Port, "gate2"), uas.UdpEndPoint!);
        Assert.Equal(486, (await peer.ReceiveFinalAsync(Wait))!.StatusCode);
        Assert.Equal(1, Volatile.Read(ref handled));
        lock (asked)
        {
            Assert.Equal([IPAddress.Loopback, IPAddress.Loopback], asked);
        }

        Assert.Equal(0, uas.InvitesShed);
    }

    [Fact]
    public async Task A_source_over_its_rate_loses_its_new_requests_but_not_its_in_dialog_ones()
    {
        await using var uas = TestSupport.StartEndpoint(o =>
        {
            o.RateLimitPerSecond = 2;
            o.RateLimitBurst = 2;
            o.RateLimitCoolOff = TimeSpan.FromSeconds(30);
        });
        using var peer = new TestSupport.UdpPeer();
        var port = peer.LocalEndPoint.Port;
        string Options(string id) =>
            $"OPTIONS sip:svc@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{id}\r\nMax-Forwards: 70\r\n" +
            $"From: <sip:peer@127.0.0.1>;tag=f{id}\r\nTo: <sip:svc@127.0.0.1>\r\nCall-ID: {id}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
        for (var i = 0; i < 3; i++)
        {
            await peer.SendAsync(Options($"o{i}"), uas.UdpEndPoint!);
        }

        var codes = new List<int>();
        while (codes.Count < 3 && await peer.ReceiveFinalAsync(Wait) is { } r)
        {
            codes.Add(r.StatusCode);
        }

        Assert.Equal([200, 200, 503], codes);

        // In its cool-off: a new request is dropped, a request inside a dialog (To tag) is still served (481: no such dialog
        // here). Sent in that order, the first answer is the BYE's.
        await peer.SendAsync(Options("dropped"), uas.UdpEndPoint!);
        await peer.SendAsync(
            $"BYE sip:svc@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bKbye1\r\nMax-Forwards: 70\r\n" +
            $"From: <sip:peer@127.0.0.1>;tag=fb\r\nTo: <sip:svc@127.0.0.1>;tag=ours\r\nCall-ID: gone\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n",
            uas.UdpEndPoint!);

        var answer = await peer.ReceiveFinalAsync(Wait);
        Assert.Equal(481, answer!.StatusCode);
        Assert.Equal("BYE", answer.CSeq.Method);
    }
}
