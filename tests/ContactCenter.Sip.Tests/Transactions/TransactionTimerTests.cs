using System.Net;
using ContactCenter.Sip.Message;
using ContactCenter.Sip.Sdp;
using ContactCenter.Sip.Transactions;
using ContactCenter.Sip.UserAgent;
using Microsoft.Extensions.Time.Testing;

namespace ContactCenter.Sip.Tests.Transactions;

/// <summary>RFC 3261 §17 timers driven by FakeTimeProvider, over real loopback UDP sockets.</summary>
public class TransactionTimerTests
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(3);
    private readonly FakeTimeProvider time = new();

    internal static string Invite(IPEndPoint peer, string branch = "z9hG4bKinv1", string callId = "call-1", string fromTag = "ft1", uint cseq = 1, string method = "INVITE", string? toTag = null) =>
        $"{method} sip:svc@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{peer.Port};branch={branch}\r\nMax-Forwards: 70\r\n" +
        $"From: <sip:caller@127.0.0.1>;tag={fromTag}\r\nTo: <sip:svc@127.0.0.1>{(toTag is null ? "" : ";tag=" + toTag)}\r\nCall-ID: {callId}\r\nCSeq: {cseq} {method}\r\n" +
        $"Contact: <sip:caller@127.0.0.1:{peer.Port}>\r\nContent-Length: 0\r\n\r\n";

    internal static string AckFor(IPEndPoint peer, SipResponse r, string branch) =>
        $"ACK sip:svc@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{peer.Port};branch={branch}\r\nMax-Forwards: 70\r\n" +
        $"From: <sip:caller@127.0.0.1>;tag=ft1\r\nTo: {r.Headers.Get("To")}\r\nCall-ID: {r.CallId}\r\nCSeq: {r.CSeq.Number} ACK\r\nContent-Length: 0\r\n\r\n";

    [Fact]
    public async Task Invite_retransmitted_before_answer_gets_the_same_100_and_reaches_the_application_once()
    {
        await using var ep = TestSupport.StartEndpoint(time: time);
        var calls = 0;
        ep.IncomingCallHandler = _ =>
        {
            Interlocked.Increment(ref calls);
            return Task.CompletedTask;
        };
        using var peer = new TestSupport.UdpPeer();
        await peer.SendAsync(Invite(peer.LocalEndPoint), ep.UdpEndPoint!);
        Assert.Null(await peer.ReceiveAsync(Quiet));
        time.Advance(TimeSpan.FromMilliseconds(200));
        Assert.Equal(100, ((SipResponse)(await peer.ReceiveAsync(Wait))!).StatusCode);
        await peer.SendAsync(Invite(peer.LocalEndPoint), ep.UdpEndPoint!);
        Assert.Equal(100, ((SipResponse)(await peer.ReceiveAsync(Wait))!).StatusCode);
        await Task.Delay(100);
        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task Error_response_is_retransmitted_by_timer_G_until_ACK_then_timer_I_ends_the_transaction()
    {
        await using var ep = TestSupport.StartEndpoint(time: time);
        ep.IncomingCallHandler = c =>
        {
            c.Reject(486);
            return Task.CompletedTask;
        };
        using var peer = new TestSupport.UdpPeer();
        await peer.SendAsync(Invite(peer.LocalEndPoint), ep.UdpEndPoint!);
        var busy = await peer.ReceiveFinalAsync(Wait);
        Assert.Equal(486, busy!.StatusCode);
        time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(486, (await peer.ReceiveFinalAsync(Wait))!.StatusCode);
        time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Null(await peer.ReceiveFinalAsync(Quiet));
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(486, (await peer.ReceiveFinalAsync(Wait))!.StatusCode);
        await peer.SendAsync(AckFor(peer.LocalEndPoint, busy, "z9hG4bKinv1"), ep.UdpEndPoint!);
        await Task.Delay(100);
        time.Advance(TimeSpan.FromSeconds(4));
        Assert.Null(await peer.ReceiveFinalAsync(Quiet));
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(0, ep.TransactionCount);
    }

    [Fact]
    public async Task Timer_H_gives_up_on_a_missing_ACK_and_G_caps_at_T2()
    {
        await using var ep = TestSupport.StartEndpoint(time: time);
        ep.IncomingCallHandler = c =>
        {
            c.Reject(603);
            return Task.CompletedTask;
        };
        using var peer = new TestSupport.UdpPeer();
        await peer.SendAsync(Invite(peer.LocalEndPoint), ep.UdpEndPoint!);
        Assert.Equal(603, (await peer.ReceiveFinalAsync(Wait))!.StatusCode);
        var retransmissions = 0;
        for (var elapsed = 0; elapsed < 32_000; elapsed += 500)
        {
            time.Advance(TimeSpan.FromMilliseconds(500));
            while (await peer.ReceiveFinalAsync(TimeSpan.FromMilliseconds(30)) is not null)
            {
                retransmissions++;
            }
        }
        // G: 0.5, 1, 2, 4, then every 4 s (T2) until H at 32 s: 0.5+1+2+4 = 7.5, then 11.5 ... 31.5 → 10 sends.
        Assert.InRange(retransmissions, 9, 11);
        Assert.Equal(0, ep.TransactionCount);
    }

    [Fact]
    public async Task Two_hundred_is_retransmitted_until_the_ACK_arrives()
    {
        await using var ep = TestSupport.StartEndpoint(time: time);
        // The 200 can reach the peer before Accept returns: the handler hands the dialog over through a task.
        var accepted = new TaskCompletionSource<SipDialog>(TaskCreationOptions.RunContinuationsAsynchronously);
        ep.IncomingCallHandler = c =>
        {
            accepted.SetResult(c.Accept(SdpOfferAnswer.CreateOffer(new IPEndPoint(IPAddress.Loopback, 4000)))!);
            return Task.CompletedTask;
        };
        using var peer = new TestSupport.UdpPeer();
        await peer.SendAsync(Invite(peer.LocalEndPoint), ep.UdpEndPoint!);
        var ok = await peer.ReceiveFinalAsync(Wait);
        Assert.Equal(200, ok!.StatusCode);
        Assert.Equal("application/sdp", ok.ContentType);
        time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(200, (await peer.ReceiveFinalAsync(Wait))!.StatusCode);
        time.Advance(TimeSpan.FromMilliseconds(1000));
        Assert.Equal(200, (await peer.ReceiveFinalAsync(Wait))!.StatusCode);
        await peer.SendAsync(AckFor(peer.LocalEndPoint, ok, "z9hG4bKack1"), ep.UdpEndPoint!);
        var dialog = await accepted.Task.WaitAsync(Wait);
        await dialog.Confirmed.WaitAsync(Wait);
        Assert.Equal(SipDialogState.Confirmed, dialog.State);
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.Null(await peer.ReceiveFinalAsync(Quiet));
    }

    [Fact]
    public async Task Unacknowledged_200_ends_the_dialog_with_BYE_after_64_T1()
    {
        await using var ep = TestSupport.StartEndpoint(time: time);
        // The 200 can reach the peer before Accept returns: the handler hands the dialog over through a task.
        var accepted = new TaskCompletionSource<SipDialog>(TaskCreationOptions.RunContinuationsAsynchronously);
        ep.IncomingCallHandler = c =>
        {
            accepted.SetResult(c.Accept(SdpOfferAnswer.CreateOffer(new IPEndPoint(IPAddress.Loopback, 4000)))!);
            return Task.CompletedTask;
        };
        using var peer = new TestSupport.UdpPeer();
        await peer.SendAsync(Invite(peer.LocalEndPoint), ep.UdpEndPoint!);
        Assert.Equal(200, (await peer.ReceiveFinalAsync(Wait))!.StatusCode);
        for (var i = 0; i < 70; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(500));
        }
        SipRequest? bye = null;
        for (var i = 0; i < 20 && bye is null; i++)
        {
            bye = await peer.ReceiveAsync(Wait) as SipRequest;
        }
        Assert.Equal("BYE", bye!.Method);
        Assert.Equal(SipDialogEndReason.AckTimeout, await (await accepted.Task.WaitAsync(Wait)).Ended.WaitAsync(Wait));
    }

    [Fact]
    public async Task Cancel_is_answered_200_and_the_invite_487()
    {
        await using var ep = TestSupport.StartEndpoint(time: time);
        var cancelled = new TaskCompletionSource();
        ep.IncomingCallHandler = c =>
        {
            c.SendProvisional(180);
            c.Cancelled.Register(() => cancelled.TrySetResult());
            return Task.CompletedTask;
        };
        using var peer = new TestSupport.UdpPeer();
        await peer.SendAsync(Invite(peer.LocalEndPoint), ep.UdpEndPoint!);
        Assert.Equal(180, ((SipResponse)(await peer.ReceiveAsync(Wait))!).StatusCode);
        await peer.SendAsync(Invite(peer.LocalEndPoint, method: "CANCEL"), ep.UdpEndPoint!);
        var codes = new List<(int, string)>();
        for (var i = 0; i < 2; i++)
        {
            var r = (SipResponse)(await peer.ReceiveAsync(Wait))!;
            codes.Add((r.StatusCode, r.CSeq.Method));
        }
        Assert.Contains((200, "CANCEL"), codes);
        Assert.Contains((487, "INVITE"), codes);
        await cancelled.Task.WaitAsync(Wait);
    }

    [Fact]
    public async Task Invite_left_unanswered_by_the_application_gets_480_after_the_ring_limit()
    {
        await using var ep = TestSupport.StartEndpoint(o => o.MaxRingTime = TimeSpan.FromSeconds(60), time);
        var cancelled = new TaskCompletionSource();
        ep.IncomingCallHandler = c =>
        {
            c.Cancelled.Register(() => cancelled.TrySetResult());
            return Task.CompletedTask;
        };
        using var peer = new TestSupport.UdpPeer();
        await peer.SendAsync(Invite(peer.LocalEndPoint), ep.UdpEndPoint!);
        await Task.Delay(100);
        time.Advance(TimeSpan.FromSeconds(59));
        Assert.Null(await peer.ReceiveFinalAsync(Quiet));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(480, (await peer.ReceiveFinalAsync(Wait))!.StatusCode);
        await cancelled.Task.WaitAsync(Wait);
    }

    [Fact]
    public async Task Cancel_for_an_unknown_transaction_gets_481()
    {
        await using var ep = TestSupport.StartEndpoint(time: time);
        using var peer = new TestSupport.UdpPeer();
        await peer.SendAsync(Invite(peer.LocalEndPoint, branch: "z9hG4bKnothere", method: "CANCEL"), ep.UdpEndPoint!);
        Assert.Equal(481, (await peer.ReceiveFinalAsync(Wait))!.StatusCode);
    }

    [Fact]
    public async Task Merged_request_by_another_path_is_answered_482()
    {
        await using var ep = TestSupport.StartEndpoint(time: time);
        ep.IncomingCallHandler = _ => Task.CompletedTask;
        using var peer = new TestSupport.UdpPeer();
        await peer.SendAsync(Invite(peer.LocalEndPoint, branch: "z9hG4bKpath1"), ep.UdpEndPoint!);
        await Task.Delay(100);
        time.Advance(TimeSpan.FromMilliseconds(200));
        Assert.Equal(100, ((SipResponse)(await peer.ReceiveAsync(Wait))!).StatusCode);
        await peer.SendAsync(Invite(peer.LocalEndPoint, branch: "z9hG4bKpath2"), ep.UdpEndPoint!);
        Assert.Equal(482, (await peer.ReceiveFinalAsync(Wait))!.StatusCode);
    }

    [Fact]
    public async Task Non_invite_client_retransmits_on_timer_E_capped_at_T2_and_times_out_on_F()
    {
        await using var ep = TestSupport.StartEndpoint(time: time);
        using var silent = new TestSupport.UdpPeer();
        var options = ep.CreateRequest("OPTIONS", SipUri.Parse($"sip:x@127.0.0.1:{silent.LocalEndPoint.Port}"),
            SipNameAddress.Parse("<sip:cc@127.0.0.1>"), SipNameAddress.Parse("<sip:x@127.0.0.1>"));
        var pending = ep.SendRequestAsync(options, new SipDestination(SipProtocol.Udp, silent.LocalEndPoint));
        Assert.IsType<SipRequest>(await silent.ReceiveAsync(Wait));
        var sends = 1;
        for (var ms = 0; ms < 32_000; ms += 250)
        {
            time.Advance(TimeSpan.FromMilliseconds(250));
            while (await silent.ReceiveAsync(TimeSpan.FromMilliseconds(20)) is not null)
            {
                sends++;
            }
        }
        // E: 0.5, 1.5, 3.5, 7.5, then every 4 s up to F at 32 s → 1 + 4 + 6 = 11.
        Assert.InRange(sends, 10, 12);
        var r = await pending.WaitAsync(Wait);
        Assert.Equal(408, r.StatusCode);
    }

    [Fact]
    public async Task Invite_client_retransmits_on_timer_A_and_times_out_on_B()
    {
        await using var ep = TestSupport.StartEndpoint(time: time);
        using var silent = new TestSupport.UdpPeer();
        var call = ep.Call(new SipCallOptions
        {
            Target = SipUri.Parse($"sip:x@127.0.0.1:{silent.LocalEndPoint.Port}"),
            Offer = SdpOfferAnswer.CreateOffer(new IPEndPoint(IPAddress.Loopback, 4002)),
        });
        Assert.IsType<SipRequest>(await silent.ReceiveAsync(Wait));
        var sends = 1;
        for (var ms = 0; ms < 32_000; ms += 250)
        {
            time.Advance(TimeSpan.FromMilliseconds(250));
            while (await silent.ReceiveAsync(TimeSpan.FromMilliseconds(20)) is not null)
            {
                sends++;
            }
        }
        // A doubles without cap: 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 → 7 sends before B at 32 s.
        Assert.Equal(7, sends);
        Assert.Equal(408, (await call.Completion.WaitAsync(Wait)).StatusCode);
    }

    [Fact]
    public async Task Error_final_to_our_invite_is_acked_inside_the_transaction_also_when_retransmitted()
    {
        await using var ep = TestSupport.StartEndpoint(time: time);
        using var far = new TestSupport.UdpPeer();
        var call = ep.Call(new SipCallOptions { Target = SipUri.Parse($"sip:x@127.0.0.1:{far.LocalEndPoint.Port}") });
        var invite = (SipRequest)(await far.ReceiveAsync(Wait))!;
        var busy = SipMessageFactory.CreateResponse(invite, 486);
        await far.SendAsync(busy.ToBytes(), ep.UdpEndPoint!);
        var ack = (SipRequest)(await far.ReceiveAsync(Wait))!;
        Assert.Equal("ACK", ack.Method);
        Assert.Equal(invite.TopVia!.Branch, ack.TopVia!.Branch);
        Assert.Equal(busy.To.Tag, ack.To.Tag);
        Assert.Equal(486, (await call.Completion.WaitAsync(Wait)).StatusCode);
        await far.SendAsync(busy.ToBytes(), ep.UdpEndPoint!);
        Assert.Equal("ACK", ((SipRequest)(await far.ReceiveAsync(Wait))!).Method);
    }
}
