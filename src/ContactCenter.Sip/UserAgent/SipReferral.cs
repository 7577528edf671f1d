using System.Globalization;
using System.Text;
using ContactCenter.Sip.Message;
using ContactCenter.Sip.Transactions;

namespace ContactCenter.Sip.UserAgent;

/// <summary>
/// A REFER received in a dialog (RFC 3515): the peer asks us to send its call elsewhere (blind
/// transfer). Answer it with <see cref="Accept"/> (202) or <see cref="Reject"/>; after accepting,
/// report progress with <see cref="NotifyAsync"/> (message/sipfrag), the last one with <c>final: true</c>,
/// which terminates the implicit subscription.
/// </summary>
public sealed class SipReferral
{
    private readonly SipEndpoint endpoint;
    private readonly SipServerTransaction transaction;

    internal SipReferral(SipEndpoint endpoint, SipDialog dialog, SipServerTransaction transaction, SipNameAddress target)
    {
        this.endpoint = endpoint;
        this.transaction = transaction;
        Dialog = dialog;
        Target = target;
    }

    /// <summary>The dialog the REFER arrived in.</summary>
    public SipDialog Dialog { get; }

    /// <summary>The REFER.</summary>
    public SipRequest Request => transaction.Request;

    /// <summary>Where to send the call (Refer-To).</summary>
    public SipNameAddress Target { get; }

    /// <summary>True once a final response was sent to the REFER.</summary>
    public bool IsAnswered => transaction.HasFinalResponse;

    /// <summary>True when <see cref="Accept"/> sent 202.</summary>
    public bool IsAccepted { get; private set; }

    /// <summary>True once the final NOTIFY went out (the subscription is terminated).</summary>
    public bool IsTerminated { get; private set; }

    /// <summary>Answers 202 Accepted. False when already answered.</summary>
    public bool Accept()
    {
        var r = SipMessageFactory.CreateResponse(Request, 202);
        r.Headers.Add("Contact", endpoint.ContactFor(transaction.Source));
        IsAccepted = transaction.SendResponse(r);
        return IsAccepted;
    }

    /// <summary>Refuses the REFER with a final status (4xx–6xx). False when already answered.</summary>
    public bool Reject(int statusCode, string? reason = null)
    {
        if (statusCode < 300)
        {
            throw new ArgumentOutOfRangeException(nameof(statusCode), "rejections are 300-699");
        }

        return transaction.SendResponse(SipMessageFactory.CreateResponse(Request, statusCode, reason));
    }

    /// <summary>
    /// Sends NOTIFY (Event: refer) with a message/sipfrag body <c>SIP/2.0 {status} {reason}</c>; with
    /// <paramref name="final"/> the subscription ends (<c>Subscription-State: terminated;reason=noresource</c>).
    /// Returns the peer's final response (408 on timeout). Only after <see cref="Accept"/>.
    /// </summary>
    public Task<SipResponse> NotifyAsync(int statusCode, string? reason = null, bool final = false, CancellationToken cancellationToken = default)
    {
        if (!IsAccepted)
        {
            throw new InvalidOperationException("NOTIFY belongs to an accepted REFER");
        }

        if (IsTerminated)
        {
            throw new InvalidOperationException("the refer subscription is already terminated");
        }

        IsTerminated = final;
        var notify = Dialog.CreateRequest("NOTIFY");
        var id = Request.CSeq.Number.ToString(CultureInfo.InvariantCulture);
        notify.Headers.Add("Event", "refer;id=" + id);
        notify.Headers.Add("Subscription-State", final ? "terminated;reason=noresource" : "active;expires=60");
        notify.Headers.Add("Contact", endpoint.ContactFor(Dialog.Flow ?? transaction.Source));
        notify.Headers.Add("Content-Type", "message/sipfrag;version=2.0");
        notify.Body = Encoding.UTF8.GetBytes($"SIP/2.0 {statusCode.ToString(CultureInfo.InvariantCulture)} {reason ?? SipResponse.DefaultReason(statusCode)}\r\n");
        return endpoint.SendInDialogAsync(Dialog, notify, cancellationToken);
    }
}
