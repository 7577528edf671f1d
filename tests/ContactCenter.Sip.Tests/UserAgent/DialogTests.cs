using System.Net;
using System.Text;
using ContactCenter.Sip.Message;
using ContactCenter.Sip.Sdp;
using ContactCenter.Sip.Transactions;
using ContactCenter.Sip.UserAgent;

namespace ContactCenter.Sip.Tests.UserAgent;

/// <summary>Our UAC against our UAS over loopback: dialogs, re-INVITE hold, INFO, BYE, CSeq and tags.</summary>
public class DialogTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    private static async Task<(SipDialog Caller, SipDialog Callee, IncomingCall Incoming)> ConnectAsync(SipEndpoint a, SipEndpoint b, SipProtocol protocol = SipProtocol.Udp, IReadOnlyList<KeyValuePair<string, string>>? headers = null)
    {
        var incoming = new TaskCompletionSource<(IncomingCall, SipDialog)>();
        b.IncomingCallHandler = call =>
        {
            call.SendProvisional(180);
            var answer = SdpOfferAnswer.CreateAnswer(call.Offer!, new IPEndPoint(IPAddress.Loopback, 20002));
            var d = call.Accept(answer.Answer!)!;
            incoming.SetResult((call, d));
            return Task.CompletedTask;
        };
        var ringing = 0;
        var outgoing = a.Call(new SipCallOptions
        {
            Target = SipUri.Parse($"sip:agent@127.0.0.1:{b.Port}" + (protocol == SipProtocol.Tcp ? ";transport=tcp" : "")),
            From = SipNameAddress.Parse("\"Caller\" <sip:+15551234@127.0.0.1>"),
            Offer = SdpOfferAnswer.CreateOffer(new IPEndPoint(IPAddress.Loopback, 20000)),
            Headers = headers ?? [],
            OnProvisional = (_, _) => Interlocked.Increment(ref ringing),
        });
        var result = await outgoing.Completion.WaitAsync(Wait);
        Assert.True(result.IsAnswered, $"status {result.StatusCode}");
        Assert.Equal(1, ringing);
        var (call, callee) = await incoming.Task.WaitAsync(Wait);
        await callee.Confirmed.WaitAsync(Wait);
        return (result.Dialog!, callee, call);
    }

    [Theory]
    [InlineData(SipProtocol.Udp)]
    [InlineData(SipProtocol.Tcp)]
    public async Task Call_is_answered_and_both_sides_agree_on_dialog_identifiers(SipProtocol protocol)
    {
        await using var a = TestSupport.StartEndpoint();
        await using var b = TestSupport.StartEndpoint();
        var (caller, callee, incoming) = await ConnectAsync(a, b, protocol);
        Assert.Equal(protocol, incoming.Source.Protocol);
        Assert.Equal(caller.CallId, callee.CallId);
        Assert.Equal(caller.LocalTag, callee.RemoteTag);
        Assert.Equal(caller.RemoteTag, callee.LocalTag);
        Assert.True(caller.IsCaller);
        Assert.False(callee.IsCaller);
        Assert.Equal("+15551234", incoming.From.Uri.User);
        Assert.Equal("Caller", incoming.From.DisplayName);
        Assert.Equal(AudioCodec.Pcmu, SdpOfferAnswer.ReadAnswer(caller.RemoteSdp!)!.Codec);
        Assert.Equal(SipDialogState.Confirmed, caller.State);
        Assert.Equal(SipDialogState.Confirmed, callee.State);
    }

    [Fact]
    public async Task Callee_bye_ends_both_dialogs()
    {
        await using var a = TestSupport.StartEndpoint();
        await using var b = TestSupport.StartEndpoint();
        var (caller, callee, _) = await ConnectAsync(a, b);
        var bye = await callee.SendByeAsync().WaitAsync(Wait);
        Assert.Equal(200, bye.StatusCode);
        Assert.Equal(SipDialogEndReason.RemoteBye, await caller.Ended.WaitAsync(Wait));
        Assert.Equal(SipDialogEndReason.LocalBye, await callee.Ended.WaitAsync(Wait));
        Assert.Equal(0, a.DialogCount);
        Assert.Equal(0, b.DialogCount);
    }

    [Fact]
    public async Task Graceful_stop_hangs_up_live_calls_with_bye()
    {
        var a = TestSupport.StartEndpoint();
        await using var b = TestSupport.StartEndpoint();
        var (_, callee, _) = await ConnectAsync(a, b);
        await a.StopAsync(TimeSpan.FromSeconds(3));
        Assert.Equal(SipDialogEndReason.RemoteBye, await callee.Ended.WaitAsync(Wait));
    }

    [Fact]
    public async Task Reinvite_puts_the_call_on_hold_and_resumes_it()
    {
        await using var a = TestSupport.StartEndpoint();
        await using var b = TestSupport.StartEndpoint();
        var (caller, callee, _) = await ConnectAsync(a, b);
        var changes = new List<MediaDirection>();
        callee.RemoteSdpChanged += (d, sdp) => changes.Add(sdp.DirectionFor(sdp.Media[0]));
        var hold = SdpOfferAnswer.CreateOffer(new IPEndPoint(IPAddress.Loopback, 20000), new AudioMediaOptions { Direction = MediaDirection.SendOnly });
        var r = await caller.SendReInviteAsync(hold).WaitAsync(Wait);
        Assert.Equal(200, r.StatusCode);
        var answer = SessionDescription.Parse(r.BodyText);
        Assert.Equal(MediaDirection.RecvOnly, answer.DirectionFor(answer.Media[0]));
        var resume = SdpOfferAnswer.CreateOffer(new IPEndPoint(IPAddress.Loopback, 20000));
        r = await caller.SendReInviteAsync(resume).WaitAsync(Wait);
        Assert.Equal(200, r.StatusCode);
        answer = SessionDescription.Parse(r.BodyText);
        Assert.Equal(MediaDirection.SendRecv, answer.DirectionFor(answer.Media[0]));
        Assert.Equal([MediaDirection.SendOnly, MediaDirection.SendRecv], changes);
        Assert.Equal(SipDialogState.Confirmed, caller.State);
    }

    [Fact]
    public async Task Info_in_dialog_reaches_the_handler_and_gets_200()
    {
        await using var a = TestSupport.StartEndpoint();
        await using var b = TestSupport.StartEndpoint();
        var (caller, callee, _) = await ConnectAsync(a, b);
        var got = new TaskCompletionSource<string>();
        callee.InfoReceived += (_, req) => got.TrySetResult(req.BodyText);
        var r = await caller.SendRequestAsync("INFO", "application/dtmf-relay", Encoding.ASCII.GetBytes("Signal=5\r\nDuration=160\r\n")).WaitAsync(Wait);
        Assert.Equal(200, r.StatusCode);
        Assert.StartsWith("Signal=5", await got.Task.WaitAsync(Wait), StringComparison.Ordinal);
        var options = await caller.SendRequestAsync("OPTIONS").WaitAsync(Wait);
        Assert.Equal(200, options.StatusCode);
    }

    [Fact]
    public async Task Request_with_a_stale_cseq_in_a_dialog_gets_500()
    {
        await using var a = TestSupport.StartEndpoint();
        await using var b = TestSupport.StartEndpoint();
        var (caller, _, _) = await ConnectAsync(a, b);
        var first = caller.CreateRequest("INFO");
        var stale = caller.CreateRequest("INFO");
        stale.Headers.Set("CSeq", new SipCSeq(first.CSeq.Number - 1, "INFO").ToString());
        var dest = new SipDestination(SipProtocol.Udp, b.UdpEndPoint!);
        Assert.Equal(200, (await a.SendRequestAsync(first, dest).WaitAsync(Wait)).StatusCode);
        Assert.Equal(500, (await a.SendRequestAsync(stale, dest).WaitAsync(Wait)).StatusCode);
    }

    [Fact]
    public async Task Caller_cancel_before_answer_ends_with_487()
    {
        await using var a = TestSupport.StartEndpoint();
        await using var b = TestSupport.StartEndpoint();
        var cancelled = new TaskCompletionSource();
        b.IncomingCallHandler = call =>
        {
            call.SendProvisional(180);
            call.Cancelled.Register(() => cancelled.TrySetResult());
            return Task.CompletedTask;
        };
        var outgoing = a.Call(new SipCallOptions
        {
            Target = SipUri.Parse($"sip:agent@127.0.0.1:{b.Port}"),
            Offer = SdpOfferAnswer.CreateOffer(new IPEndPoint(IPAddress.Loopback, 20000)),
            OnProvisional = (c, _) => c.Cancel(),
        });
        var result = await outgoing.Completion.WaitAsync(Wait);
        Assert.Equal(487, result.StatusCode);
        Assert.False(result.IsAnswered);
        await cancelled.Task.WaitAsync(Wait);
    }

    [Fact]
    public async Task Request_too_large_for_udp_goes_over_tcp()
    {
        await using var a = TestSupport.StartEndpoint();
        await using var b = TestSupport.StartEndpoint();
        var (_, _, incoming) = await ConnectAsync(a, b, headers: [new("X-Big", new string('x', 1500))]);
        Assert.Equal(SipProtocol.Tcp, incoming.Source.Protocol);
    }

    [Fact]
    public async Task Call_to_a_registered_contact_uses_the_binding()
    {
        await using var registrar = TestSupport.StartEndpoint();
        await using var phone = TestSupport.StartEndpoint();
        var register = phone.CreateRequest("REGISTER", SipUri.Parse($"sip:127.0.0.1:{registrar.Port}"),
            SipNameAddress.Parse("<sip:agent7@cc.example>"), SipNameAddress.Parse("<sip:agent7@cc.example>"));
        register.Headers.Add("Contact", $"<sip:agent7@127.0.0.1:{phone.Port}>");
        register.Headers.Add("Expires", "600");
        Assert.Equal(200, (await phone.SendRequestAsync(register).WaitAsync(Wait)).StatusCode);
        var binding = Assert.Single(registrar.Registrar.GetBindingsForUser("agent7"));
        phone.IncomingCallHandler = call =>
        {
            call.Accept(SdpOfferAnswer.CreateAnswer(call.Offer!, new IPEndPoint(IPAddress.Loopback, 20004)).Answer!);
            return Task.CompletedTask;
        };
        var result = await registrar.Call(new SipCallOptions
        {
            Target = binding.Contact,
            Offer = SdpOfferAnswer.CreateOffer(new IPEndPoint(IPAddress.Loopback, 20006)),
            Destination = new SipDestination(binding.Source!.Protocol, binding.Source.RemoteEndPoint),
        }).Completion.WaitAsync(Wait);
        Assert.True(result.IsAnswered, result.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(200, (await result.Dialog!.SendByeAsync().WaitAsync(Wait)).StatusCode);
    }
}
