using System.Collections.Concurrent;
using System.Globalization;
using ContactCenter.Sip.Message;
using ContactCenter.Sip.Sdp;
using ContactCenter.Sip.Transactions;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Sip.UserAgent;

/// <summary>
/// The UAS core's 2xx retransmission (RFC 3261 §13.3.1.4; RFC 6026 §7.1: the INVITE server transaction
/// does not send 2xx itself): a 2xx to an INVITE is sent again with back-off until the ACK arrives, and
/// the dialog is ended (with a BYE) when no ACK came within 64*T1.
/// </summary>
internal sealed class TwoHundredRetransmitter
{
    private readonly ConcurrentDictionary<string, PendingAck> pendingAcks = new(StringComparer.Ordinal);
    private readonly SipEndpointOptions options;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly TransactionLayer transactions;
    private readonly Func<SipDialog, SipRequest, Task<SipResponse>> sendInDialog;

    public TwoHundredRetransmitter(SipEndpointOptions options, TimeProvider time, ILogger logger, TransactionLayer transactions,
        Func<SipDialog, SipRequest, Task<SipResponse>> sendInDialog)
    {
        this.options = options;
        this.time = time;
        this.logger = logger;
        this.transactions = transactions;
        this.sendInDialog = sendInDialog;
    }

    private sealed class PendingAck
    {
        public required ITimer Timer { get; init; }
        public required byte[] Bytes { get; init; }
        public required SipDestination Destination { get; init; }
        public required SipDialog Dialog { get; init; }
        public required bool EndDialogOnTimeout { get; init; }
        public TimeSpan Interval;
        public TimeSpan Elapsed;
        public TimeSpan LastDue;
    }

    /// <summary>
    /// Sends a 2xx to an INVITE and retransmits it until the ACK (§13.3.1.4). The ACK may be read on a
    /// receive thread the moment the 2xx leaves, so its pending entry exists before the send. False when
    /// the transaction already had a final response.
    /// </summary>
    public bool SendTwoHundred(SipDialog dialog, SipResponse ok, SipServerTransaction tx, bool endDialogOnTimeout = true)
    {
        if (ok.Headers.Get(SipHeaderId.Server) is null)
        {
            ok.Headers.Add("Server", options.UserAgent);
        }
        var key = string.Concat(dialog.CallId, "|", tx.Request.CSeq.Number.ToString(CultureInfo.InvariantCulture));
        var dest = transactions.DestinationFor(tx);
        var reliable = tx.Source.Protocol.IsReliable();
        var timer = time.CreateTimer(_ => OnTwoHundredTimer(key), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        var p = new PendingAck
        {
            Timer = timer,
            Bytes = ok.ToBytes(),
            Destination = dest,
            Dialog = dialog,
            EndDialogOnTimeout = endDialogOnTimeout,
            Interval = options.T1,
            LastDue = reliable ? options.T1 * 64 : options.T1,
        };
        pendingAcks[key] = p;
        dialog.PendingAckKey = key;
        if (!tx.SendResponse(ok))
        {
            if (pendingAcks.TryRemove(new KeyValuePair<string, PendingAck>(key, p)))
            {
                timer.Dispose();
            }
            return false;
        }
        // Reliable transports: no retransmission, but the 64*T1 wait for the ACK still applies. A timer
        // disposed by an ACK that already arrived ignores this Change.
        try
        {
            timer.Change(p.LastDue, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
        }
        return true;
    }

    private void OnTwoHundredTimer(string key)
    {
        if (!pendingAcks.TryGetValue(key, out var p))
        {
            return;
        }
        lock (p)
        {
            var limit = options.T1 * 64;
            p.Elapsed += p.LastDue;
            if (p.Elapsed >= limit)
            {
                pendingAcks.TryRemove(key, out _);
                p.Timer.Dispose();
                logger.LogWarning("No ACK for the 2xx in dialog {CallId}; ending it", p.Dialog.CallId);
                if (p.EndDialogOnTimeout && p.Dialog.End(SipDialogEndReason.AckTimeout))
                {
                    var bye = p.Dialog.CreateRequest("BYE");
                    _ = sendInDialog(p.Dialog, bye);
                }
                return;
            }
            transactions.SendRaw(p.Bytes, p.Destination);
            p.Interval = p.Interval * 2 > options.T2 ? options.T2 : p.Interval * 2;
            p.LastDue = p.Interval < limit - p.Elapsed ? p.Interval : limit - p.Elapsed;
            p.Timer.Change(p.LastDue, Timeout.InfiniteTimeSpan);
        }
    }

    public void StopRetransmissions(SipDialog dialog)
    {
        // O(1): the dialog knows the key of its pending 2xx (a scan of every pending ACK per BYE was
        // quadratic under load).
        if (dialog.PendingAckKey is { } key && pendingAcks.TryRemove(key, out var p))
        {
            p.Timer.Dispose();
        }
    }

    /// <summary>An ACK for a 2xx (outside any transaction, or passed up by one in Accepted).</summary>
    public void OnAck(SipRequest ack)
    {
        var key = string.Concat(ack.CallId, "|", ack.CSeq.Number.ToString(CultureInfo.InvariantCulture));
        if (pendingAcks.TryRemove(key, out var p))
        {
            p.Timer.Dispose();
            if (ack.Body.Length > 0 && SessionDescription.TryParse(ack.BodyText, out var sdp, out _))
            {
                p.Dialog.SetRemoteSdp(sdp);
            }
            p.Dialog.Confirm();
        }
    }

    /// <summary>Stops every retransmission at once (endpoint disposal).</summary>
    public void Clear()
    {
        foreach (var p in pendingAcks.Values)
        {
            p.Timer.Dispose();
        }
        pendingAcks.Clear();
    }
}
