using ContactCenter.Sip.Message;
using ContactCenter.Sip.Registrar;
using ContactCenter.Sip.Sdp;
using ContactCenter.Sip.UserAgent;

namespace ContactCenter.Telephony.Gateway.Legs;

// What the call sessions use of the SIP stack, as small interfaces: the stack's types are sealed, and the sessions'
// races (a ring timeout against an answer, a BYE against a 200, a 491 on a re-INVITE) are tested with fakes of these.
// The adapters over ContactCenter.Sip (SipAdapters.cs) only forward; they add no behaviour.

/// <summary>What a session needs of the SIP endpoint: its host name, the agents' registrations, and placing a call.</summary>
internal interface ISipDialler
{
    /// <summary>Our host, for the From of the calls we place.</summary>
    string Host { get; }

    /// <summary>The live registrations of a user (an agent's phone), best first.</summary>
    IReadOnlyList<RegistrarBinding> BindingsFor(string user);

    /// <summary>
    /// Sends an INVITE. <paramref name="provisional"/> is called (on the stack's thread) for each 1xx; the
    /// <see cref="SipCallOptions.OnProvisional"/> of <paramref name="options"/> is not used.
    /// </summary>
    IDialledLeg Dial(SipCallOptions options, Action<SipResponse>? provisional = null);
}

/// <summary>An INVITE we sent (<see cref="OutgoingCall"/>).</summary>
internal interface IDialledLeg
{
    /// <summary>
    /// Completes with the final outcome, never faults. After <see cref="Cancel"/>, a 2xx that still arrives is
    /// acknowledged and hung up by the stack (RFC 3261 §9.1) and the outcome is 487 without a dialog.
    /// </summary>
    Task<DialResult> Completion { get; }

    /// <summary>Gives the attempt up (CANCEL once a provisional response came); does nothing once it completed.</summary>
    void Cancel();
}

/// <summary>The final response to an INVITE we sent: the dialog when it was answered.</summary>
internal sealed record DialResult(int StatusCode, string? ReasonPhrase, IDialogLeg? Dialog)
{
    public bool IsAnswered => Dialog is not null;

    /// <summary>The far end's SDP answer.</summary>
    public SessionDescription? Answer => Dialog?.RemoteSdp;

    /// <summary>"486 Busy Here": the status and its phrase (the standard one when the response had none).</summary>
    public string StatusText => $"{StatusCode} {ReasonPhrase ?? SipResponse.DefaultReason(StatusCode)}";
}

/// <summary>An established dialog of a leg (<see cref="SipDialog"/>).</summary>
internal interface IDialogLeg
{
    SipDialogState State { get; }

    /// <summary>The SDP we last sent.</summary>
    SessionDescription? LocalSdp { get; }

    /// <summary>The SDP the peer last sent.</summary>
    SessionDescription? RemoteSdp { get; }

    /// <summary>Completes with the reason when the dialog ends (a BYE either way, no ACK for our 2xx).</summary>
    Task<SipDialogEndReason> Ended { get; }

    /// <summary>Answers the peer's re-INVITE or UPDATE offers (null refuses with 488).</summary>
    Func<SessionDescription?, ValueTask<SessionDescription?>>? OfferHandler { get; set; }

    /// <summary>Handles a REFER in the dialog (answer it before the task completes); none: 405.</summary>
    Func<IReferral, Task>? ReferHandler { get; set; }

    /// <summary>Called for an INFO in the dialog (already answered 200), e.g. DTMF relay.</summary>
    Action<SipRequest>? InfoHandler { get; set; }

    /// <summary>Ends the dialog with BYE; the final response (408 on timeout).</summary>
    Task<SipResponse> SendByeAsync(CancellationToken cancellationToken);

    /// <summary>Sends a re-INVITE with a new offer; throws <see cref="InvalidOperationException"/> while one of ours is pending.</summary>
    Task<SipResponse> SendReInviteAsync(SessionDescription offer, CancellationToken cancellationToken);
}

/// <summary>A REFER received in a dialog (<see cref="SipReferral"/>).</summary>
internal interface IReferral
{
    /// <summary>The dialog it came in.</summary>
    IDialogLeg Dialog { get; }

    /// <summary>The Refer-To URI.</summary>
    SipUri Target { get; }

    /// <summary>202 Accepted; false when it was already answered.</summary>
    bool Accept();

    /// <summary>A final refusal; false when it was already answered.</summary>
    bool Reject(int statusCode, string? reason = null);

    /// <summary>A NOTIFY of the transfer's progress (RFC 3515 §2.4.5); <paramref name="final"/> ends the subscription.</summary>
    Task<SipResponse> NotifyAsync(int statusCode, string? reason, bool final, CancellationToken cancellationToken);
}

/// <summary>An INVITE from the trunk, not answered yet (<see cref="IncomingCall"/>).</summary>
internal interface IInboundCall
{
    /// <summary>The SIP Call-ID (for the logs).</summary>
    string CallId { get; }

    /// <summary>The caller's SDP offer, or null (see <see cref="OfferError"/>).</summary>
    SessionDescription? Offer { get; }

    /// <summary>Why the offer could not be read, when there was a body.</summary>
    string? OfferError { get; }

    /// <summary>200 with our answer; null when the INVITE was cancelled first.</summary>
    IDialogLeg? Accept(SessionDescription answer);

    /// <summary>A final refusal.</summary>
    bool Reject(int statusCode, string? reason = null, IEnumerable<KeyValuePair<string, string>>? headers = null);
}
