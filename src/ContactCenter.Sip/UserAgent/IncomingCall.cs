using System.Text;
using ContactCenter.Sip.Message;
using ContactCenter.Sip.Sdp;
using ContactCenter.Sip.Transactions;

namespace ContactCenter.Sip.UserAgent;

/// <summary>
/// An INVITE received outside a dialog (UAS side). Answer it with <see cref="SendProvisional"/>,
/// then <see cref="Accept"/> or <see cref="Reject"/>. <see cref="Cancelled"/> fires on CANCEL.
/// </summary>
public sealed class IncomingCall
{
    private readonly SipEndpoint endpoint;
    private readonly SipServerTransaction transaction;
    private readonly CancellationTokenSource cancelled = new();
    private readonly object gate = new();
    private SipDialog? dialog;

    private bool offerRead;
    private SessionDescription? offer;
    private string? offerError;

    internal IncomingCall(SipEndpoint endpoint, SipServerTransaction transaction, long receivedTimestamp, TimeSpan queueDelay)
    {
        this.endpoint = endpoint;
        this.transaction = transaction;
        ReceivedTimestamp = receivedTimestamp;
        QueueDelay = queueDelay;
        LocalTag = SipIds.NewTag();
    }

    /// <summary>
    /// When the transport received the INVITE: a timestamp of the endpoint's <see cref="TimeProvider"/>
    /// (<see cref="TimeProvider.GetTimestamp"/>), or 0 when the transport did not stamp it. For measuring set-up time.
    /// </summary>
    public long ReceivedTimestamp { get; }

    /// <summary>
    /// How long the INVITE waited in the UDP receive thread behind other traffic before it was handled (zero over TCP and
    /// WebSocket): the stack's queueing delay, which an application's admission control reads.
    /// </summary>
    public TimeSpan QueueDelay { get; }

    private void ReadOffer()
    {
        lock (gate)
        {
            if (offerRead)
            {
                return;
            }
            var request = transaction.Request;
            if (request.Body.Length > 0 && !SessionDescription.TryParse(request.BodyText, out offer, out offerError))
            {
                offer = null;
            }
            offerRead = true;
        }
    }

    /// <summary>The INVITE.</summary>
    public SipRequest Request => transaction.Request;
    /// <summary>Call-ID.</summary>
    public string CallId => Request.CallId;
    /// <summary>Caller (From).</summary>
    public SipNameAddress From => Request.From;
    /// <summary>Called party (To); the DID is To.Uri.User or the Request-URI user.</summary>
    public SipNameAddress To => Request.To;
    /// <summary>Request-URI.</summary>
    public SipUri RequestUri => Request.RequestUri;
    /// <summary>Transport and address the INVITE came from.</summary>
    public SipSource Source => transaction.Source;
    /// <summary>The SDP offer, or null when the INVITE has none (or it did not parse: see <see cref="OfferError"/>).</summary>
    public SessionDescription? Offer
    {
        get
        {
            ReadOffer();
            return offer;
        }
    }
    /// <summary>Why the body could not be read as SDP, or null.</summary>
    public string? OfferError
    {
        get
        {
            ReadOffer();
            return offerError;
        }
    }
    /// <summary>Our To tag for every response.</summary>
    public string LocalTag { get; }
    /// <summary>Signalled when the caller cancels (the stack has already answered 487) or the transaction dies.</summary>
    public CancellationToken Cancelled => cancelled.Token;
    /// <summary>True once a final response was sent.</summary>
    public bool IsAnswered => transaction.HasFinalResponse;
    /// <summary>The dialog, once a 1xx with tag or the 200 was sent.</summary>
    public SipDialog? Dialog => dialog;

    internal void Cancel()
    {
        try
        {
            cancelled.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
        catch (AggregateException)
        {
        }
        dialog?.End(SipDialogEndReason.RemoteBye);
    }

    /// <summary>Sends 180 Ringing, 183 Session Progress (with early media SDP) or another 1xx. False when too late.</summary>
    public bool SendProvisional(int statusCode = 180, SessionDescription? earlyMedia = null)
    {
        if (statusCode is <= 100 or >= 200)
        {
            throw new ArgumentOutOfRangeException(nameof(statusCode), "provisional responses are 101-199");
        }
        var r = Build(statusCode, null, earlyMedia);
        EnsureDialog(earlyMedia);
        return transaction.SendResponse(r);
    }

    /// <summary>
    /// Answers 200 OK with the SDP answer. The stack retransmits the 200 until the ACK arrives
    /// (§13.3.1.4); <see cref="SipDialog.Confirmed"/> completes then. Null when already answered or cancelled.
    /// </summary>
    public SipDialog? Accept(SessionDescription answer)
    {
        lock (gate)
        {
            if (transaction.HasFinalResponse || cancelled.IsCancellationRequested)
            {
                return null;
            }
            var r = Build(200, null, answer);
            var d = EnsureDialog(answer);
            d.LocalSdp = answer;
            return endpoint.SendTwoHundred(d, r, transaction) ? d : null;
        }
    }

    /// <summary>Rejects with a final status (3xx–6xx), optional reason and extra headers. False when too late.</summary>
    public bool Reject(int statusCode, string? reason = null, IEnumerable<KeyValuePair<string, string>>? headers = null)
    {
        if (statusCode < 300)
        {
            throw new ArgumentOutOfRangeException(nameof(statusCode), "rejections are 300-699");
        }
        var r = Build(statusCode, reason, null);
        if (headers is not null)
        {
            foreach (var h in headers)
            {
                r.Headers.Add(h.Key, h.Value);
            }
        }
        var sent = transaction.SendResponse(r);
        if (sent)
        {
            dialog?.End(SipDialogEndReason.LocalBye);
            if (statusCode == 503)
            {
                endpoint.OnRefusalSent(ReceivedTimestamp);
            }
        }
        return sent;
    }

    private SipResponse Build(int code, string? reason, SessionDescription? sdp)
    {
        var r = SipMessageFactory.CreateResponse(Request, code, reason, LocalTag);
        if (code < 300)
        {
            r.Headers.Add("Contact", endpoint.ContactFor(Source));
            r.Headers.Add("Allow", SipEndpoint.AllowedMethods);
        }
        if (sdp is not null)
        {
            r.Headers.Add("Content-Type", "application/sdp");
            r.Body = Encoding.UTF8.GetBytes(sdp.ToString());
        }
        return r;
    }

    private SipDialog EnsureDialog(SessionDescription? local)
    {
        lock (gate)
        {
            if (dialog is not null)
            {
                return dialog;
            }
            var remoteTarget = Request.Contacts.Count > 0 ? Request.Contacts[0].Uri : Request.From.Uri;
            var routes = new List<string>();
            for (var i = 0; i < Request.Headers.Count; i++)
            {
                if (Request.Headers.IdAt(i) == SipHeaderId.RecordRoute)
                {
                    var v = Request.Headers.ValueAt(i);
                    foreach (var (s, l) in SipSyntax.SplitCommas(v))
                    {
                        routes.Add(v.Substring(s, l).Trim());
                    }
                }
            }
            var localParty = Request.To.WithTag(LocalTag);
            dialog = new SipDialog(endpoint, isCaller: false, CallId, localParty, Request.From, remoteTarget, routes,
                localCSeq: (uint)Random.Shared.Next(1, 10_000), remoteCSeq: Request.CSeq.Number, Source)
            {
                RemoteSdp = Offer,
                LocalSdp = local,
                InviteCSeq = Request.CSeq.Number,
            };
            endpoint.AddDialog(dialog);
            return dialog;
        }
    }
}
