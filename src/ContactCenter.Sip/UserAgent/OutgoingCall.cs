using ContactCenter.Sip.Message;
using ContactCenter.Sip.Sdp;
using ContactCenter.Sip.Transactions;

namespace ContactCenter.Sip.UserAgent;

/// <summary>What to call and how (UAC).</summary>
public sealed record SipCallOptions
{
    /// <summary>Request-URI: e.g. the agent's registered Contact.</summary>
    public required SipUri Target { get; init; }
    /// <summary>From (a tag is added). Defaults to sip:gateway@our host.</summary>
    public SipNameAddress? From { get; init; }
    /// <summary>To. Defaults to the target.</summary>
    public SipNameAddress? To { get; init; }
    /// <summary>SDP offer sent in the INVITE.</summary>
    public SessionDescription? Offer { get; init; }
    /// <summary>Where to send, overriding resolution of <see cref="Target"/> (e.g. a registrar binding's Source for NAT).</summary>
    public SipDestination? Destination { get; init; }
    /// <summary>Extra headers (e.g. P-Asserted-Identity, X-Call-Id).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];
    /// <summary>Credentials for a 401/407 challenge (user, password), or null.</summary>
    public (string User, string Password)? Credentials { get; init; }
    /// <summary>Call-ID to use (default: new).</summary>
    public string? CallId { get; init; }
    /// <summary>
    /// Called for each 180/183 (as <see cref="OutgoingCall.Provisional"/>), attached before the INVITE
    /// leaves: a peer that rings at once cannot beat the subscription.
    /// </summary>
    public Action<OutgoingCall, SipResponse>? OnProvisional { get; init; }
}

/// <summary>How an outgoing call attempt ended: answered with a dialog, or failed with a status.</summary>
public sealed record SipCallResult(int StatusCode, SipResponse? Response, SipDialog? Dialog)
{
    /// <summary>True when answered (2xx) and a confirmed dialog exists.</summary>
    public bool IsAnswered => Dialog is not null;
    /// <summary>The peer's SDP answer, when answered.</summary>
    public SessionDescription? Answer => Dialog?.RemoteSdp;
}

/// <summary>
/// An INVITE we sent (UAC). Watch <see cref="Provisional"/> for 180/183; await <see cref="Completion"/>;
/// <see cref="Cancel"/> before the answer sends CANCEL (the result is then 487).
/// </summary>
public sealed class OutgoingCall
{
    private readonly TaskCompletionSource<SipCallResult> completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly object gate = new();

    internal OutgoingCall(SipRequest invite) => Invite = invite;

    /// <summary>The INVITE (the latest, after an authentication retry).</summary>
    public SipRequest Invite { get; internal set; }
    /// <summary>Call-ID.</summary>
    public string CallId => Invite.CallId;
    /// <summary>Completes with the outcome (never faults).</summary>
    public Task<SipCallResult> Completion => completion.Task;
    /// <summary>Raised for each provisional response (180 Ringing, 183 with early media...).</summary>
    public event Action<OutgoingCall, SipResponse>? Provisional;

    internal SipClientTransaction? Transaction { get; set; }
    internal SipDestination? Destination { get; set; }
    internal bool CancelRequested { get; private set; }
    internal bool CancelSent { get; set; }
    internal Action<OutgoingCall>? SendCancel { get; set; }
    internal bool AuthRetried { get; set; }

    /// <summary>The latest provisional response received, or null.</summary>
    public SipResponse? LastProvisional { get; private set; }

    internal void RaiseProvisional(SipResponse r)
    {
        LastProvisional = r;
        Provisional?.Invoke(this, r);
        bool send;
        lock (gate)
        {
            send = CancelRequested && !CancelSent;
            CancelSent |= send;
        }
        if (send)
        {
            SendCancel?.Invoke(this);
        }
    }

    internal bool Complete(SipCallResult result) => completion.TrySetResult(result);

    /// <summary>
    /// Cancels the attempt (§9.1). The CANCEL goes out once a provisional response has arrived; if the
    /// call is answered anyway, the stack ACKs and hangs up with BYE.
    /// </summary>
    public void Cancel()
    {
        bool send;
        lock (gate)
        {
            if (CancelRequested || completion.Task.IsCompleted)
            {
                return;
            }
            CancelRequested = true;
            send = Transaction?.ReceivedProvisional == true && !CancelSent;
            CancelSent |= send;
        }
        if (send)
        {
            SendCancel?.Invoke(this);
        }
    }
}
