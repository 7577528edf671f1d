using System.Text;
using ContactCenter.Sip.Message;
using ContactCenter.Sip.Sdp;
using ContactCenter.Sip.Transactions;

namespace ContactCenter.Sip.UserAgent;

/// <summary>Dialog states (RFC 3261 §12).</summary>
public enum SipDialogState
{
    /// <summary>Created by a provisional response with a tag.</summary>
    Early,
    /// <summary>Created or confirmed by a 2xx.</summary>
    Confirmed,
    /// <summary>Ended (BYE, failure, timeout).</summary>
    Terminated,
}

/// <summary>Why a dialog ended.</summary>
public enum SipDialogEndReason
{
    /// <summary>We sent BYE.</summary>
    LocalBye,
    /// <summary>The peer sent BYE.</summary>
    RemoteBye,
    /// <summary>Our 2xx was never acknowledged (§13.3.1.4); a BYE was sent.</summary>
    AckTimeout,
    /// <summary>The endpoint stopped.</summary>
    Shutdown,
    /// <summary>The connection the dialog ran over (a WebSocket, RFC 7118) closed: the peer is gone and no BYE can be sent.</summary>
    ConnectionClosed,
}

/// <summary>
/// A dialog (RFC 3261 §12): Call-ID, tags, route set, remote target, CSeq counters, and the SDP in force.
/// In-dialog requests go through <see cref="SendByeAsync"/>, <see cref="SendReInviteAsync"/> and
/// <see cref="SendRequestAsync"/>; incoming ones raise events.
/// </summary>
public sealed class SipDialog
{
    private readonly SipEndpoint endpoint;
    private readonly object gate = new();
    private readonly TaskCompletionSource confirmed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<SipDialogEndReason> ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private uint localCSeq;
    private uint? remoteCSeq;
    private bool reInviteInProgress;

    internal SipDialog(SipEndpoint endpoint, bool isCaller, string callId, SipNameAddress local, SipNameAddress remote,
        SipUri remoteTarget, IReadOnlyList<string> routeSet, uint localCSeq, uint? remoteCSeq, SipSource? flow)
    {
        this.endpoint = endpoint;
        IsCaller = isCaller;
        CallId = callId;
        LocalParty = local;
        RemoteParty = remote;
        RemoteTarget = remoteTarget;
        RouteSet = routeSet;
        this.localCSeq = localCSeq;
        this.remoteCSeq = remoteCSeq;
        Flow = flow;
    }

    /// <summary>True when we sent the INVITE that created the dialog.</summary>
    public bool IsCaller { get; }
    /// <summary>Call-ID.</summary>
    public string CallId { get; }
    /// <summary>Our From/To (with our tag).</summary>
    public SipNameAddress LocalParty { get; }
    /// <summary>The peer's From/To (with its tag).</summary>
    public SipNameAddress RemoteParty { get; internal set; }
    /// <summary>Our tag.</summary>
    public string LocalTag => LocalParty.Tag ?? "";
    /// <summary>The peer's tag.</summary>
    public string RemoteTag => RemoteParty.Tag ?? "";
    /// <summary>Where in-dialog requests are addressed (the peer's Contact).</summary>
    public SipUri RemoteTarget { get; internal set; }
    /// <summary>Route set (Record-Route values, in the order they are used).</summary>
    public IReadOnlyList<string> RouteSet { get; internal set; }
    /// <summary>State.</summary>
    public SipDialogState State { get; private set; } = SipDialogState.Early;
    /// <summary>The SDP we last sent.</summary>
    public SessionDescription? LocalSdp { get; internal set; }
    /// <summary>The SDP the peer last sent.</summary>
    public SessionDescription? RemoteSdp { get; internal set; }
    /// <summary>The transport flow the dialog was set up over.</summary>
    public SipSource? Flow { get; }
    /// <summary>Completes when the dialog is confirmed (UAS: when the ACK arrives).</summary>
    public Task Confirmed => confirmed.Task;
    /// <summary>Completes with the reason when the dialog ends.</summary>
    public Task<SipDialogEndReason> Ended => ended.Task;

    internal string Id => SipEndpoint.DialogId(CallId, LocalTag, RemoteTag);

    internal byte[]? LastAck { get; set; }

    /// <summary>Key of the 2xx this dialog's UAS core is retransmitting until the ACK (§13.3.1.4), if any.</summary>
    internal string? PendingAckKey { get; set; }

    internal SipDestination? LastAckDestination { get; set; }

    internal uint InviteCSeq { get; set; }

    /// <summary>
    /// Answers a re-INVITE or UPDATE offer (e.g. hold/resume). Return the answer, or null to refuse with 488.
    /// When not set, the stack answers with <see cref="SdpOfferAnswer.CreateAnswer"/> on the current local media.
    /// </summary>
    public Func<SipDialog, SessionDescription?, ValueTask<SessionDescription?>>? OfferHandler { get; set; }

    /// <summary>Raised for an INFO received in the dialog (already answered 200), e.g. DTMF relay.</summary>
    public event Action<SipDialog, SipRequest>? InfoReceived;

    /// <summary>Raised when the peer's SDP changes (re-INVITE, UPDATE).</summary>
    public event Action<SipDialog, SessionDescription>? RemoteSdpChanged;

    /// <summary>
    /// Handles a REFER received in the dialog (RFC 3515, blind transfer): answer it with
    /// <see cref="SipReferral.Accept"/> or <see cref="SipReferral.Reject"/> before the returned task completes
    /// (an unanswered REFER then gets 500). When not set, REFER is refused with 405.
    /// </summary>
    public Func<SipReferral, Task>? ReferHandler { get; set; }

    /// <summary>Raised for a NOTIFY received in the dialog (already answered 200), e.g. the progress of a REFER we sent.</summary>
    public event Action<SipDialog, SipRequest>? NotifyReceived;

    internal void Confirm()
    {
        lock (gate)
        {
            if (State == SipDialogState.Early)
            {
                State = SipDialogState.Confirmed;
            }
        }
        confirmed.TrySetResult();
    }

    internal bool End(SipDialogEndReason reason)
    {
        lock (gate)
        {
            if (State == SipDialogState.Terminated)
            {
                return false;
            }
            State = SipDialogState.Terminated;
        }
        endpoint.RemoveDialog(this);
        confirmed.TrySetCanceled();
        ended.TrySetResult(reason);
        return true;
    }

    /// <summary>§12.2.2: checks and records the remote CSeq; false means answer 500.</summary>
    internal bool AcceptRemoteCSeq(uint cseq, string method)
    {
        lock (gate)
        {
            if (method is "ACK" or "CANCEL")
            {
                return true;
            }
            if (remoteCSeq is { } r && cseq <= r)
            {
                return false;
            }
            remoteCSeq = cseq;
            return true;
        }
    }

    internal bool TryBeginReInvite()
    {
        lock (gate)
        {
            if (reInviteInProgress)
            {
                return false;
            }
            reInviteInProgress = true;
            return true;
        }
    }

    internal void EndReInvite()
    {
        lock (gate)
        {
            reInviteInProgress = false;
        }
    }

    internal void RaiseInfo(SipRequest request) => InfoReceived?.Invoke(this, request);

    internal void RaiseNotify(SipRequest request) => NotifyReceived?.Invoke(this, request);

    internal void SetRemoteSdp(SessionDescription sdp)
    {
        RemoteSdp = sdp;
        RemoteSdpChanged?.Invoke(this, sdp);
    }

    /// <summary>Builds an in-dialog request (§12.2.1.1) with the next CSeq.</summary>
    public SipRequest CreateRequest(string method)
    {
        uint cseq;
        lock (gate)
        {
            cseq = method == "ACK" ? InviteCSeq : ++localCSeq;
        }
        return CreateRequest(method, cseq);
    }

    internal SipRequest CreateRequest(string method, uint cseq)
    {
        var strict = RouteSet.Count > 0 && SipNameAddress.TryParse(RouteSet[0], out var first, out _) && !first.Uri.IsLooseRouter;
        var requestUri = strict && SipNameAddress.TryParse(RouteSet[0], out var f2, out _) ? f2.Uri.With(clearHeaders: true) : RemoteTarget.With(clearHeaders: true);
        var r = new SipRequest { Method = method, RequestUri = requestUri };
        r.Headers.Add("Max-Forwards", "70");
        r.Headers.Add("From", LocalParty.ToString());
        r.Headers.Add("To", RemoteParty.ToString());
        r.Headers.Add("Call-ID", CallId);
        r.Headers.Add("CSeq", new SipCSeq(cseq, method).ToString());
        for (var i = strict ? 1 : 0; i < RouteSet.Count; i++)
        {
            r.Headers.Add("Route", RouteSet[i]);
        }
        if (strict)
        {
            r.Headers.Add("Route", "<" + RemoteTarget + ">");
        }
        return r;
    }

    /// <summary>Ends the dialog with BYE; returns the final response (408 on timeout).</summary>
    public async Task<SipResponse> SendByeAsync(CancellationToken cancellationToken = default)
    {
        var bye = CreateRequest("BYE");
        End(SipDialogEndReason.LocalBye);
        return await endpoint.SendInDialogAsync(this, bye, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends a re-INVITE with a new offer (hold: direction sendonly; resume: sendrecv). 491 when one is in progress.</summary>
    public async Task<SipResponse> SendReInviteAsync(SessionDescription offer, CancellationToken cancellationToken = default)
    {
        if (!TryBeginReInvite())
        {
            throw new InvalidOperationException("a re-INVITE is already in progress in this dialog");
        }
        try
        {
            var invite = CreateRequest("INVITE");
            InviteCSeq = invite.CSeq.Number;
            invite.Headers.Add("Content-Type", "application/sdp");
            invite.Body = Encoding.UTF8.GetBytes(offer.ToString());
            var response = await endpoint.SendInDialogAsync(this, invite, cancellationToken).ConfigureAwait(false);
            if (response.IsSuccess)
            {
                LocalSdp = offer;
                if (response.Body.Length > 0 && SessionDescription.TryParse(response.BodyText, out var answer, out _))
                {
                    SetRemoteSdp(answer);
                }
            }
            return response;
        }
        finally
        {
            EndReInvite();
        }
    }

    /// <summary>Sends REFER (RFC 3515): asks the peer to call <paramref name="target"/> (blind transfer); returns the final response (202 when accepted).</summary>
    public Task<SipResponse> SendReferAsync(SipUri target, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        var r = CreateRequest("REFER");
        r.Headers.Add("Refer-To", "<" + target + ">");
        r.Headers.Add("Referred-By", "<" + LocalParty.Uri.With(clearHeaders: true) + ">");
        r.Headers.Add("Contact", Flow is null ? endpoint.ContactFor(SipProtocol.Udp) : endpoint.ContactFor(Flow));
        return endpoint.SendInDialogAsync(this, r, cancellationToken);
    }

    /// <summary>Sends INFO, OPTIONS, UPDATE or another in-dialog request; returns the final response.</summary>
    public Task<SipResponse> SendRequestAsync(string method, string? contentType = null, ReadOnlyMemory<byte> body = default, CancellationToken cancellationToken = default)
    {
        if (method is "INVITE" or "BYE" or "ACK" or "CANCEL")
        {
            throw new ArgumentException($"use the dedicated method for {method}", nameof(method));
        }
        var r = CreateRequest(method);
        if (contentType is not null)
        {
            r.Headers.Add("Content-Type", contentType);
        }
        r.Body = body;
        return endpoint.SendInDialogAsync(this, r, cancellationToken);
    }
}
