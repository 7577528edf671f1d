using System.Net;
using System.Runtime.CompilerServices;
using ContactCenter.Sip.Message;
using ContactCenter.Sip.Sdp;
using ContactCenter.Sip.Transactions;
using ContactCenter.Sip.UserAgent;
using Microsoft.Extensions.Time.Testing;

namespace ContactCenter.Sip.Tests.Transactions;

/// <summary>
/// Finished server transactions (final response sent) are kept as slim records until Timers J/L/H/I:
/// they answer retransmissions exactly as the full transaction did, and hold no parsed messages.
/// </summary>
public class FinishedTransactionTests
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(3);
    private readonly FakeTimeProvider time = new();

    private static string Ack(IPEndPoint peer, SipResponse ok, string branch) => TransactionTimerTests.AckFor(peer, ok, branch);

    private static async Task<byte[]?> ReceiveRawAsync(TestSupport.UdpPeer peer, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            return (await peer.Client.ReceiveAsync(cts.Token)).Buffer;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    private static void AcceptAll(SipEndpoint ep, TaskCompletionSource<SipDialog> accepted) =>
        ep.IncomingCallHandler = c =>
        {
            accepted.TrySetResult(c.Accept(SdpOfferAnswer.CreateOffer(new IPEndPoint(IPAddress.Loopback, 4000)))!);
            return Task.CompletedTask;
        };

    /// <summary>INVITE, 200, ACK: returns the 200.</summary>
    private static async Task<SipResponse> EstablishAsync(SipEndpoint ep, TestSupport.UdpPeer peer, TaskCompletionSource<SipDialog> accepted)
    {
        await peer.SendAsync(TransactionTimerTests.Invite(peer.LocalEndPoint), ep.UdpEndPoint!);
        var ok = await peer.ReceiveFinalAsync(Wait);
        Assert.Equal(200, ok!.StatusCode);
        await peer.SendAsync(Ack(peer.LocalEndPoint, ok, "z9hG4bKack1"), ep.UdpEndPoint!);
        await (await accepted.Task.WaitAsync(Wait)).Confirmed.WaitAsync(Wait);
        return ok;
    }

    [Fact]
    public async Task Bye_retransmitted_20_s_after_its_200_gets_the_same_bytes_and_the_entry_ends_with_timer_J()
    {
        await using var ep = TestSupport.StartEndpoint(time: time);
        var accepted = new TaskCompletionSource<SipDialog>(TaskCreationOptions.RunContinuationsAsynchronously);
        AcceptAll(ep, accepted);
        using var peer = new TestSupport.UdpPeer();
        var ok = await EstablishAsync(ep, peer, accepted);
        var bye = TransactionTimerTests.Invite(peer.LocalEndPoint, branch: "z9hG4bKbye1", cseq: 2, method: "BYE", toTag: ok.To.Tag);
        await peer.SendAsync(bye, ep.UdpEndPoint!);
        var first = await ReceiveRawAsync(peer, Wait);
        Assert.NotNull(first);
        Assert.Equal(200, ((SipResponse)SipParser.ParseDatagram(first).Message!).StatusCode);
        Assert.Equal(SipDialogEndReason.RemoteBye, await (await accepted.Task).Ended.WaitAsync(Wait));
        Assert.Equal(2, ep.TransactionCount); // INVITE (Accepted, Timer L) and BYE (Completed, Timer J)

        time.Advance(TimeSpan.FromSeconds(20));
        await peer.SendAsync(bye, ep.UdpEndPoint!);
        var again = await ReceiveRawAsync(peer, Wait);
        Assert.Equal(first, again);
        // The metrics' counters: two server transactions (INVITE, BYE), the retransmission absorbed, the ACK for the 2xx
        // none; nothing sent as a client.
        Assert.Equal(2, ep.ServerTransactionsStarted);
        Assert.Equal(0, ep.ClientTransactionsStarted);

        time.Advance(TimeSpan.FromSeconds(12) - TimeSpan.FromMilliseconds(1));
        Assert.Equal(2, ep.TransactionCount);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, ep.TransactionCount);
        // A BYE after Timer J is a new transaction in no dialog: 481.
        await peer.SendAsync(bye, ep.UdpEndPoint!);
        Assert.Equal(481, (await peer.ReceiveFinalAsync(Wait))!.StatusCode);
        Assert.Equal(3, ep.ServerTransactionsStarted);
    }

    [Fact]
    public async Task Invite_retransmitted_in_accepted_is_absorbed_and_does_not_reach_the_application()
    {
        await using var ep = TestSupport.StartEndpoint(time: time);
        var calls = 0;
        var accepted = new TaskCompletionSource<SipDialog>(TaskCreationOptions.RunContinuationsAsynchronously);
        ep.IncomingCallHandler = c =>
        {
            Interlocked.Increment(ref calls);
            accepted.TrySetResult(c.Accept(SdpOfferAnswer.CreateOffer(new IPEndPoint(IPAddress.Loopback, 4000)))!);
            return Task.CompletedTask;
        };
        using var peer = new TestSupport.UdpPeer();
        await EstablishAsync(ep, peer, accepted);
        time.Advance(TimeSpan.FromSeconds(5));
        await peer.SendAsync(TransactionTimerTests.Invite(peer.LocalEndPoint), ep.UdpEndPoint!);
        Assert.Null(await peer.ReceiveAsync(Quiet));
        Assert.Equal(1, calls);
        Assert.Equal(1, ep.TransactionCount);
        time.Advance(TimeSpan.FromSeconds(27));
        Assert.Equal(0, ep.TransactionCount);
    }

    [Fact]
    public async Task Ack_for_the_2xx_matching_the_accepted_invite_transaction_is_passed_to_the_dialog()
    {
        // RFC 6026 §7.1: an ACK that matches the INVITE server transaction in Accepted (same branch, as
        // some RFC 2543-era clients send it) goes to the TU.
        await using var ep = TestSupport.StartEndpoint(time: time);
        var accepted = new TaskCompletionSource<SipDialog>(TaskCreationOptions.RunContinuationsAsynchronously);
        AcceptAll(ep, accepted);
        using var peer = new TestSupport.UdpPeer();
        await peer.SendAsync(TransactionTimerTests.Invite(peer.LocalEndPoint), ep.UdpEndPoint!);
        var ok = await peer.ReceiveFinalAsync(Wait);
        await peer.SendAsync(Ack(peer.LocalEndPoint, ok!, "z9hG4bKinv1"), ep.UdpEndPoint!);
        var dialog = await accepted.Task.WaitAsync(Wait);
        await dialog.Confirmed.WaitAsync(Wait);
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.Null(await peer.ReceiveFinalAsync(Quiet)); // no more 2xx retransmissions
    }

    [Fact]
    public async Task Cancel_after_the_200_is_answered_200_and_does_not_cancel_the_call()
    {
        await using var ep = TestSupport.StartEndpoint(time: time);
        var cancelled = false;
        var accepted = new TaskCompletionSource<SipDialog>(TaskCreationOptions.RunContinuationsAsynchronously);
        ep.IncomingCallHandler = c =>
        {
            c.Cancelled.Register(() => cancelled = true);
            accepted.TrySetResult(c.Accept(SdpOfferAnswer.CreateOffer(new IPEndPoint(IPAddress.Loopback, 4000)))!);
            return Task.CompletedTask;
        };
        using var peer = new TestSupport.UdpPeer();
        var ok = await EstablishAsync(ep, peer, accepted);
        await peer.SendAsync(TransactionTimerTests.Invite(peer.LocalEndPoint, method: "CANCEL"), ep.UdpEndPoint!);
        var r = await peer.ReceiveFinalAsync(Wait);
        Assert.Equal((200, "CANCEL"), (r!.StatusCode, r.CSeq.Method));
        Assert.Null(await peer.ReceiveFinalAsync(Quiet));
        Assert.False(cancelled);
        Assert.Equal(SipDialogState.Confirmed, (await accepted.Task).State);
        Assert.Equal(ok.CallId, (await accepted.Task).CallId);
    }

    [Fact]
    public async Task Timer_H_still_signals_the_call_when_the_ack_of_a_rejection_never_comes()
    {
        await using var ep = TestSupport.StartEndpoint(time: time);
        var cancelled = new TaskCompletionSource();
        ep.IncomingCallHandler = c =>
        {
            c.Reject(486);
            c.Cancelled.Register(() => cancelled.TrySetResult());
            return Task.CompletedTask;
        };
        using var peer = new TestSupport.UdpPeer();
        await peer.SendAsync(TransactionTimerTests.Invite(peer.LocalEndPoint), ep.UdpEndPoint!);
        Assert.Equal(486, (await peer.ReceiveFinalAsync(Wait))!.StatusCode);
        time.Advance(TimeSpan.FromSeconds(31));
        Assert.False(cancelled.Task.IsCompleted);
        Assert.Equal(1, ep.TransactionCount);
        time.Advance(TimeSpan.FromSeconds(1));
        await cancelled.Task.WaitAsync(Wait);
        Assert.Equal(0, ep.TransactionCount);
    }

    [Fact]
    public async Task Finished_transactions_keep_no_reference_to_the_request_or_the_call()
    {
        await using var ep = TestSupport.StartEndpoint(time: time);
        var accepted = new TaskCompletionSource<SipDialog>(TaskCreationOptions.RunContinuationsAsynchronously);
        var refs = new List<WeakReference>();
        ep.IncomingCallHandler = c =>
        {
            Track(refs, c);
            accepted.TrySetResult(c.Accept(SdpOfferAnswer.CreateOffer(new IPEndPoint(IPAddress.Loopback, 4000)))!);
            return Task.CompletedTask;
        };
        using var peer = new TestSupport.UdpPeer();
        var ok = await EstablishAsync(ep, peer, accepted);
        await peer.SendAsync(TransactionTimerTests.Invite(peer.LocalEndPoint, branch: "z9hG4bKbye1", cseq: 2, method: "BYE", toTag: ok.To.Tag), ep.UdpEndPoint!);
        Assert.Equal(200, (await peer.ReceiveFinalAsync(Wait))!.StatusCode);
        await (await accepted.Task).Ended.WaitAsync(Wait);
        Assert.Equal(2, ep.TransactionCount);
        for (var i = 0; i < 3; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        Assert.Equal(2, ep.TransactionCount);
        Assert.All(refs, r => Assert.False(r.IsAlive));
    }

    [Fact]
    public async Task Non_invite_client_transaction_ends_with_timer_K_after_T4()
    {
        await using var ep = TestSupport.StartEndpoint(time: time);
        using var far = new TestSupport.UdpPeer();
        var options = ep.CreateRequest("OPTIONS", SipUri.Parse($"sip:x@127.0.0.1:{far.LocalEndPoint.Port}"),
            SipNameAddress.Parse("<sip:cc@127.0.0.1>"), SipNameAddress.Parse("<sip:x@127.0.0.1>"));
        var pending = ep.SendRequestAsync(options, new SipDestination(SipProtocol.Udp, far.LocalEndPoint));
        var request = (SipRequest)(await far.ReceiveAsync(Wait))!;
        var ok = SipMessageFactory.CreateResponse(request, 200);
        await far.SendAsync(ok.ToBytes(), ep.UdpEndPoint!);
        Assert.Equal(200, (await pending.WaitAsync(Wait)).StatusCode);
        Assert.Equal(1, ep.TransactionCount);
        // A retransmitted 200 is absorbed in Completed.
        await far.SendAsync(ok.ToBytes(), ep.UdpEndPoint!);
        time.Advance(TimeSpan.FromSeconds(5) - TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, ep.TransactionCount);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, ep.TransactionCount);
        Assert.Null(await far.ReceiveAsync(Quiet));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Track(List<WeakReference> refs, IncomingCall call)
    {
        refs.Add(new WeakReference(call));
        refs.Add(new WeakReference(call.Request));
    }
}
