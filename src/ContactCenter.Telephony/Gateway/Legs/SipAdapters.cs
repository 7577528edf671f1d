using ContactCenter.Sip.Message;
using ContactCenter.Sip.Registrar;
using ContactCenter.Sip.Sdp;
using ContactCenter.Sip.UserAgent;

namespace ContactCenter.Telephony.Gateway.Legs;

/// <summary><see cref="ISipDialler"/> on the gateway's <see cref="SipEndpoint"/>.</summary>
internal sealed class SipEndpointDialler(SipEndpoint sip) : ISipDialler
{
    public string Host => sip.Host;

    public IReadOnlyList<RegistrarBinding> BindingsFor(string user) => sip.Registrar.GetBindingsForUser(user);

    public IDialledLeg Dial(SipCallOptions options, Action<SipResponse>? provisional = null) =>
        new DialledCall(sip.Call(options with { OnProvisional = provisional is null ? null : (_, response) => provisional(response) }));
}

/// <summary><see cref="IDialledLeg"/> on an <see cref="OutgoingCall"/>.</summary>
internal sealed class DialledCall : IDialledLeg
{
    private readonly OutgoingCall call;

    public DialledCall(OutgoingCall call)
    {
        this.call = call;
        Completion = CompleteAsync(call);
    }

    public Task<DialResult> Completion { get; }

    public void Cancel() => call.Cancel();

    private static async Task<DialResult> CompleteAsync(OutgoingCall call)
    {
        var result = await call.Completion.ConfigureAwait(false);
        return new DialResult(result.StatusCode, result.Response?.ReasonPhrase, result.Dialog is { } dialog ? new DialogLeg(dialog) : null);
    }
}

/// <summary><see cref="IDialogLeg"/> on a <see cref="SipDialog"/>: one per dialog, so sessions may compare them by reference.</summary>
internal sealed class DialogLeg : IDialogLeg
{
    private readonly SipDialog dialog;
    private Func<SessionDescription?, ValueTask<SessionDescription?>>? offerHandler;
    private Func<IReferral, Task>? referHandler;
    private Action<SipRequest>? infoHandler;

    public DialogLeg(SipDialog dialog) => this.dialog = dialog;

    public SipDialogState State => dialog.State;
    public SessionDescription? LocalSdp => dialog.LocalSdp;
    public SessionDescription? RemoteSdp => dialog.RemoteSdp;
    public Task<SipDialogEndReason> Ended => dialog.Ended;

    public Func<SessionDescription?, ValueTask<SessionDescription?>>? OfferHandler
    {
        get => offerHandler;
        set
        {
            offerHandler = value;
            dialog.OfferHandler = value is null ? null : (_, offer) => value(offer);
        }
    }

    public Func<IReferral, Task>? ReferHandler
    {
        get => referHandler;
        set
        {
            referHandler = value;
            dialog.ReferHandler = value is null ? null : referral => value(new Referral(referral, this));
        }
    }

    public Action<SipRequest>? InfoHandler
    {
        get => infoHandler;
        set
        {
            if (infoHandler is null && value is not null)
            {
                dialog.InfoReceived += OnInfo;
            }

            infoHandler = value;
        }
    }

    public Task<SipResponse> SendByeAsync(CancellationToken cancellationToken) => dialog.SendByeAsync(cancellationToken);

    public Task<SipResponse> SendReInviteAsync(SessionDescription offer, CancellationToken cancellationToken) => dialog.SendReInviteAsync(offer, cancellationToken);

    private void OnInfo(SipDialog _, SipRequest request) => infoHandler?.Invoke(request);
}

/// <summary><see cref="IReferral"/> on a <see cref="SipReferral"/>.</summary>
internal sealed class Referral(SipReferral referral, IDialogLeg dialog) : IReferral
{
    public IDialogLeg Dialog => dialog;
    public SipUri Target => referral.Target.Uri;
    public bool Accept() => referral.Accept();
    public bool Reject(int statusCode, string? reason = null) => referral.Reject(statusCode, reason);

    public Task<SipResponse> NotifyAsync(int statusCode, string? reason, bool final, CancellationToken cancellationToken) =>
        referral.NotifyAsync(statusCode, reason, final, cancellationToken);
}

/// <summary><see cref="IInboundCall"/> on an <see cref="IncomingCall"/>.</summary>
/// <summary>The caller's INVITE; its admission ticket (overload control) leaves set-up at the 200 OK or the refusal.</summary>
internal sealed class InboundCall(IncomingCall call, Admission.AdmissionTicket? ticket = null) : IInboundCall
{
    public string CallId => call.CallId;
    public SessionDescription? Offer => call.Offer;
    public string? OfferError => call.OfferError;

    public IDialogLeg? Accept(SessionDescription answer)
    {
        var dialog = call.Accept(answer);
        if (dialog is null)
        {
            ticket?.Ended();
            return null;
        }

        ticket?.Answered();
        return new DialogLeg(dialog);
    }

    public bool Reject(int statusCode, string? reason = null, IEnumerable<KeyValuePair<string, string>>? headers = null)
    {
        ticket?.Ended();
        return call.Reject(statusCode, reason, headers);
    }
}
