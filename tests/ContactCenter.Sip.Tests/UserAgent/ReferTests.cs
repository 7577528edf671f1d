using System.Collections.Concurrent;
using System.Net;
using ContactCenter.Sip.Message;
using ContactCenter.Sip.Sdp;
using ContactCenter.Sip.UserAgent;

namespace ContactCenter.Sip.Tests.UserAgent;

/// <summary>REFER in a dialog (RFC 3515): 202 and NOTIFY message/sipfrag progress, refusals, and REFER outside a dialog.</summary>
public class ReferTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    /// <summary>The gateway (<paramref name="gateway"/>, UAC) calls a phone (<paramref name="phone"/>, UAS).</summary>
    private static async Task<(SipDialog Gateway, SipDialog Phone)> ConnectAsync(SipEndpoint gateway, SipEndpoint phone)
    {
        var answered = new TaskCompletionSource<SipDialog>(TaskCreationOptions.RunContinuationsAsynchronously);
        phone.IncomingCallHandler = call =>
        {
            var answer = SdpOfferAnswer.CreateAnswer(call.Offer!, new IPEndPoint(IPAddress.Loopback, 20002));
            answered.SetResult(call.Accept(answer.Answer!)!);
            return Task.CompletedTask;
        };
        var outgoing = gateway.Call(new SipCallOptions
        {
            Target = SipUri.Parse($"sip:alice@127.0.0.1:{phone.Port}"),
            Offer = SdpOfferAnswer.CreateOffer(new IPEndPoint(IPAddress.Loopback, 20000)),
        });
        var result = await outgoing.Completion.WaitAsync(Wait);
        Assert.True(result.IsAnswered, $"status {result.StatusCode}");
        var callee = await answered.Task.WaitAsync(Wait);
        await callee.Confirmed.WaitAsync(Wait);
        return (result.Dialog!, callee);
    }

    [Fact]
    public async Task Accepted_refer_gets_202_then_sipfrag_notifies_ending_the_subscription()
    {
        await using var gatewayEndpoint = TestSupport.StartEndpoint();
        await using var phoneEndpoint = TestSupport.StartEndpoint();
        var (gateway, phone) = await ConnectAsync(gatewayEndpoint, phoneEndpoint);
        var target = new TaskCompletionSource<SipNameAddress>(TaskCreationOptions.RunContinuationsAsynchronously);
        var notifyResponses = new ConcurrentQueue<int>();
        var afterFinal = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        gateway.ReferHandler = referral =>
        {
            target.SetResult(referral.Target);
            Assert.True(referral.Accept());
            _ = Task.Run(async () =>
            {
                notifyResponses.Enqueue((await referral.NotifyAsync(100, "Trying")).StatusCode);
                notifyResponses.Enqueue((await referral.NotifyAsync(200, "OK", final: true)).StatusCode);
                try
                {
                    _ = referral.NotifyAsync(200);
                    afterFinal.SetResult(false);
                }
                catch (InvalidOperationException)
                {
                    afterFinal.SetResult(true); // nothing after the subscription is terminated
                }
            });
            return Task.CompletedTask;
        };
        var notifies = new BlockingCollection<SipRequest>();
        phone.NotifyReceived += (_, request) => notifies.Add(request);

        var response = await phone.SendReferAsync(SipUri.Parse("sip:billing@127.0.0.1")).WaitAsync(Wait);

        Assert.Equal(202, response.StatusCode);
        Assert.Equal("billing", (await target.Task.WaitAsync(Wait)).Uri.User);
        Assert.True(notifies.TryTake(out var trying, Wait));
        Assert.True(notifies.TryTake(out var done, Wait));
        Assert.StartsWith("refer", trying.Headers.Get("Event"), StringComparison.Ordinal);
        Assert.StartsWith("message/sipfrag", trying.ContentType, StringComparison.Ordinal);
        Assert.Equal("SIP/2.0 100 Trying\r\n", trying.BodyText);
        Assert.StartsWith("active", trying.Headers.Get("Subscription-State"), StringComparison.Ordinal);
        Assert.Equal("SIP/2.0 200 OK\r\n", done.BodyText);
        Assert.StartsWith("terminated", done.Headers.Get("Subscription-State"), StringComparison.Ordinal);
        Assert.True(done.CSeq.Number > trying.CSeq.Number);
        for (var i = 0; i < 50 && notifyResponses.Count < 2; i++)
        {
            await Task.Delay(20);
        }

        Assert.Equal([200, 200], notifyResponses.ToArray());
        Assert.True(await afterFinal.Task.WaitAsync(Wait));
        Assert.Equal(SipDialogState.Confirmed, gateway.State); // the referrer hangs up when it wants to
    }

    [Fact]
    public async Task Refused_refer_gets_the_handlers_status_and_the_dialog_stays_up()
    {
        await using var gatewayEndpoint = TestSupport.StartEndpoint();
        await using var phoneEndpoint = TestSupport.StartEndpoint();
        var (gateway, phone) = await ConnectAsync(gatewayEndpoint, phoneEndpoint);
        gateway.ReferHandler = referral =>
        {
            referral.Reject(404, "No Such Queue Or Agent");
            return Task.CompletedTask;
        };

        var response = await phone.SendReferAsync(SipUri.Parse("sip:nobody@127.0.0.1")).WaitAsync(Wait);

        Assert.Equal(404, response.StatusCode);
        Assert.Equal(SipDialogState.Confirmed, gateway.State);
        Assert.Equal(200, (await phone.SendByeAsync().WaitAsync(Wait)).StatusCode);
    }

    [Fact]
    public async Task Refer_without_a_handler_is_405_and_an_unanswered_one_is_500()
    {
        await using var gatewayEndpoint = TestSupport.StartEndpoint();
        await using var phoneEndpoint = TestSupport.StartEndpoint();
        var (gateway, phone) = await ConnectAsync(gatewayEndpoint, phoneEndpoint);

        Assert.Equal(405, (await phone.SendReferAsync(SipUri.Parse("sip:billing@127.0.0.1")).WaitAsync(Wait)).StatusCode);

        gateway.ReferHandler = _ => Task.CompletedTask;
        Assert.Equal(500, (await phone.SendReferAsync(SipUri.Parse("sip:billing@127.0.0.1")).WaitAsync(Wait)).StatusCode);
    }

    [Fact]
    public async Task Refer_outside_a_dialog_is_still_405()
    {
        await using var a = TestSupport.StartEndpoint();
        await using var b = TestSupport.StartEndpoint();
        var refer = a.CreateRequest("REFER", SipUri.Parse($"sip:alice@127.0.0.1:{b.Port}"), SipNameAddress.Parse("<sip:gw@127.0.0.1>"), SipNameAddress.Parse($"<sip:alice@127.0.0.1:{b.Port}>"));
        refer.Headers.Add("Refer-To", "<sip:billing@127.0.0.1>");

        var response = await a.SendRequestAsync(refer).WaitAsync(Wait);

        Assert.Equal(405, response.StatusCode);
    }
}
