using System.Net;
using ContactCenter.Sip.Message;
using ContactCenter.Sip.Registrar;
using ContactCenter.Sip.Sdp;
using ContactCenter.Sip.UserAgent;
using ContactCenter.Telephony.Gateway.Legs;

namespace ContactCenter.Telephony.Tests.Gateway.Session;

/// <summary>The SIP endpoint as the sessions see it: registered phones, and every INVITE they send, kept for the test to answer.</summary>
internal sealed class FakeDialler : ISipDialler
{
    private readonly Dictionary<string, List<RegistrarBinding>> bindings = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<FakeDialledCall> calls = [];

    public string Host => "gw.test";

    public IReadOnlyList<FakeDialledCall> Calls
    {
        get
        {
            lock (calls)
            {
                return [.. calls];
            }
        }
    }

    /// <summary>A phone registered for <paramref name="user"/>.</summary>
    public void Register(string user) => bindings[user] = [Binding(user, 5062)];

    /// <summary>Another phone of <paramref name="user"/> (a second desk phone) at <paramref name="port"/>: both ring.</summary>
    public RegistrarBinding AddPhone(string user, int port)
    {
        var binding = Binding(user, port);
        if (!bindings.TryGetValue(user, out var list))
        {
            bindings[user] = list = [];
        }

        list.Add(binding);
        return binding;
    }

    public IReadOnlyList<RegistrarBinding> BindingsFor(string user) => bindings.TryGetValue(user, out var list) ? [.. list] : [];

    private static RegistrarBinding Binding(string user, int port) => new()
    {
        AddressOfRecord = $"sip:{user}@gw.test",
        User = user,
        Contact = SipUri.Create(user, "127.0.0.1", port),
        ExpiresAt = DateTimeOffset.MaxValue,
        CallId = $"reg-{user}-{port}",
        CSeq = 1,
    };

    public IDialledLeg Dial(SipCallOptions options, Action<SipResponse>? provisional = null)
    {
        var call = new FakeDialledCall(options, provisional);
        lock (calls)
        {
            calls.Add(call);
        }

        return call;
    }

    /// <summary>The <paramref name="number"/>th INVITE sent (1 = the first), once it is sent.</summary>
    public async Task<FakeDialledCall> InviteAsync(int number)
    {
        await Wait.UntilAsync(() => Calls.Count >= number, $"INVITE #{number} was not sent");
        return Calls[number - 1];
    }
}

/// <summary>
/// An INVITE a session sent, answered by the test. It keeps the stack's contract (<see cref="IDialledLeg"/>): once
/// cancelled, a 2xx is acknowledged and hung up by "the stack" and the session sees 487; once the 2xx reached the stack,
/// a CANCEL does nothing.
/// </summary>
internal sealed class FakeDialledCall(SipCallOptions options, Action<SipResponse>? provisional) : IDialledLeg
{
    private readonly TaskCompletionSource<DialResult> completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly object gate = new();
    private DialResult? atStack;
    private int cancels;

    public SipCallOptions Options { get; } = options;
    public Task<DialResult> Completion => completion.Task;

    /// <summary>The session asked to give the attempt up while it could still be given up.</summary>
    public bool Cancelled => Volatile.Read(ref cancels) > 0;

    public void Cancel()
    {
        lock (gate)
        {
            if (atStack is not null || completion.Task.IsCompleted)
            {
                return;
            }

            cancels++;
        }
    }

    /// <summary>180 Ringing from the far end.</summary>
    public void Ring() => provisional?.Invoke(new SipResponse { StatusCode = 180, ReasonPhrase = "Ringing" });

    /// <summary>
    /// The far end answers. When the session cancelled first, the stack ACKs and BYEs this late 2xx (RFC 3261 §9.1) and the
    /// session sees 487 without a dialog; the returned dialog then shows that BYE.
    /// </summary>
    public FakeDialog Answer(IPEndPoint? rtp = null)
    {
        var dialog = NewDialog(rtp);
        lock (gate)
        {
            if (Cancelled)
            {
                dialog.SendByeAsync(CancellationToken.None);
                completion.TrySetResult(new DialResult(487, "Request Terminated", null));
                return dialog;
            }
        }

        completion.TrySetResult(new DialResult(200, "OK", dialog));
        return dialog;
    }

    /// <summary>The 2xx reached the stack (ACKed, the dialog is up; a CANCEL now does nothing) but the session has not heard of it yet.</summary>
    public FakeDialog AnswerAtStack()
    {
        var dialog = NewDialog();
        lock (gate)
        {
            Assert.False(Cancelled, "already cancelled: a 2xx now would be hung up by the stack");
            atStack = new DialResult(200, "OK", dialog);
        }

        return dialog;
    }

    /// <summary>The session hears of the answer <see cref="AnswerAtStack"/> gave.</summary>
    public void Deliver() => completion.TrySetResult(atStack ?? throw new InvalidOperationException("not answered"));

    /// <summary>A final refusal (486, 487 after a CANCEL, 503...).</summary>
    public void Fail(int status) => completion.TrySetResult(new DialResult(status, SipResponse.DefaultReason(status), null));

    private FakeDialog NewDialog(IPEndPoint? rtp = null)
    {
        var answer = SdpOfferAnswer.CreateAnswer(Options.Offer!, rtp ?? new IPEndPoint(IPAddress.Parse("127.0.0.2"), 40_000)).Answer;
        return new FakeDialog("answered " + Options.Target) { LocalSdp = Options.Offer, RemoteSdp = answer };
    }
}

/// <summary>A re-INVITE a session sent, waiting for the test's response.</summary>
internal sealed class SentReInvite(SessionDescription offer)
{
    private readonly TaskCompletionSource<SipResponse> response = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public SessionDescription Offer { get; } = offer;
    public MediaDirection Direction => Offer.DirectionFor(Offer.Media[0]);
    public Task<SipResponse> Response => response.Task;
    public bool Answered => response.Task.IsCompleted;

    public void Respond(SipResponse r) => response.TrySetResult(r);
}

/// <summary>An established dialog: records the session's BYEs and re-INVITEs; the test plays the peer (BYE, re-INVITE, REFER).</summary>
internal sealed class FakeDialog(string name) : IDialogLeg
{
    private readonly TaskCompletionSource<SipDialogEndReason> ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<SentReInvite> reInvites = [];
    private int byes;

    public string Name { get; } = name;
    public SipDialogState State => ended.Task.IsCompleted ? SipDialogState.Terminated : SipDialogState.Confirmed;
    public SessionDescription? LocalSdp { get; set; }
    public SessionDescription? RemoteSdp { get; set; }
    public Task<SipDialogEndReason> Ended => ended.Task;
    public Func<SessionDescription?, ValueTask<SessionDescription?>>? OfferHandler { get; set; }
    public Func<IReferral, Task>? ReferHandler { get; set; }
    public Action<SipRequest>? InfoHandler { get; set; }

    /// <summary>BYEs sent on this dialog (by the session, or by the stack for a 2xx that came after a CANCEL).</summary>
    public int ByesSent => Volatile.Read(ref byes);

    public IReadOnlyList<SentReInvite> ReInvites
    {
        get
        {
            lock (reInvites)
            {
                return [.. reInvites];
            }
        }
    }

    public Task<SipResponse> SendByeAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref byes);
        ended.TrySetResult(SipDialogEndReason.LocalBye);
        return Task.FromResult(new SipResponse { StatusCode = 200, ReasonPhrase = "OK" });
    }

    public Task<SipResponse> SendReInviteAsync(SessionDescription offer, CancellationToken cancellationToken)
    {
        lock (reInvites)
        {
            if (reInvites.Count > 0 && !reInvites[^1].Answered)
            {
                throw new InvalidOperationException("a re-INVITE is already in progress in this dialog");
            }

            var sent = new SentReInvite(offer);
            reInvites.Add(sent);
            return sent.Response;
        }
    }

    /// <summary>The <paramref name="number"/>th re-INVITE the session sent (1 = the first), once it is sent.</summary>
    public async Task<SentReInvite> ReInviteAsync(int number)
    {
        await Wait.UntilAsync(() => ReInvites.Count >= number, $"re-INVITE #{number} on {Name} was not sent");
        return ReInvites[number - 1];
    }

    /// <summary>The peer answers our re-INVITE 200 with its SDP answer (as the stack does, the dialog's SDP is updated first).</summary>
    public void Accept(SentReInvite reInvite)
    {
        LocalSdp = reInvite.Offer;
        RemoteSdp = SdpOfferAnswer.CreateAnswer(reInvite.Offer, new IPEndPoint(IPAddress.Parse("127.0.0.3"), 30_000)).Answer;
        reInvite.Respond(new SipResponse { StatusCode = 200, ReasonPhrase = "OK" });
    }

    /// <summary>The peer refuses our re-INVITE (491 Request Pending on glare...).</summary>
    public static void Refuse(SentReInvite reInvite, int status) =>
        reInvite.Respond(new SipResponse { StatusCode = status, ReasonPhrase = SipResponse.DefaultReason(status) });

    /// <summary>The peer hangs up (its BYE).</summary>
    public void HangUp() => ended.TrySetResult(SipDialogEndReason.RemoteBye);

    /// <summary>The connection the dialog ran over closed (a browser tab closed its WebSocket): no BYE, the peer is just gone.</summary>
    public void Drop() => ended.TrySetResult(SipDialogEndReason.ConnectionClosed);

    /// <summary>The peer's re-INVITE with an offer in <paramref name="direction"/> (sendonly: hold; sendrecv: resume); returns our answer.</summary>
    public async Task<SessionDescription?> OfferAsync(MediaDirection direction)
    {
        var offer = SdpOfferAnswer.CreateOffer(new IPEndPoint(IPAddress.Parse("127.0.0.2"), 40_000), new AudioMediaOptions { Direction = direction });
        return await (OfferHandler ?? throw new InvalidOperationException("no offer handler")).Invoke(offer);
    }

    /// <summary>The peer's REFER; completes when the session has answered it.</summary>
    public async Task<FakeReferral> ReferAsync(string target)
    {
        var referral = new FakeReferral(this, SipUri.Create(target, "gw.test"));
        await (ReferHandler ?? throw new InvalidOperationException("no REFER handler")).Invoke(referral);
        return referral;
    }
}

/// <summary>A REFER from the peer: records the session's answer and NOTIFYs.</summary>
internal sealed class FakeReferral(IDialogLeg dialog, SipUri target) : IReferral
{
    private readonly List<(int Status, bool Final)> notifies = [];

    public IDialogLeg Dialog => dialog;
    public SipUri Target => target;
    /// <summary>202, or the refusal's status; 0 while unanswered.</summary>
    public int Answer { get; private set; }

    public IReadOnlyList<(int Status, bool Final)> Notifies
    {
        get
        {
            lock (notifies)
            {
                return [.. notifies];
            }
        }
    }

    public bool Accept() => Answer == 0 && (Answer = 202) == 202;

    public bool Reject(int statusCode, string? reason = null) => Answer == 0 && (Answer = statusCode) == statusCode;

    public Task<SipResponse> NotifyAsync(int statusCode, string? reason, bool final, CancellationToken cancellationToken)
    {
        lock (notifies)
        {
            notifies.Add((statusCode, final));
        }

        return Task.FromResult(new SipResponse { StatusCode = 200, ReasonPhrase = "OK" });
    }
}

/// <summary>An INVITE from the trunk with an SDP offer (PCMU, telephone-event).</summary>
internal sealed class FakeInboundCall(IPEndPoint? rtp = null) : IInboundCall
{
    public string CallId => "inbound-1@trunk.test";
    public SessionDescription? Offer { get; } = SdpOfferAnswer.CreateOffer(rtp ?? new IPEndPoint(IPAddress.Parse("127.0.0.3"), 30_000));
    public string? OfferError => null;

    /// <summary>The caller's dialog once we answered.</summary>
    public FakeDialog? Dialog { get; private set; }

    public int? RejectedWith { get; private set; }

    public IDialogLeg? Accept(SessionDescription answer)
    {
        Dialog = new FakeDialog("caller") { LocalSdp = answer, RemoteSdp = Offer };
        return Dialog;
    }

    public bool Reject(int statusCode, string? reason = null, IEnumerable<KeyValuePair<string, string>>? headers = null)
    {
        RejectedWith = statusCode;
        return true;
    }
}
