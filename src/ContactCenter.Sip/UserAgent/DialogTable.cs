using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Sip.UserAgent;

/// <summary>
/// The live dialogs of an endpoint (RFC 3261 §12), keyed by Call-ID and both tags, shared by the UAS side
/// (<see cref="SipServer"/>, <see cref="IncomingCall"/>) and the UAC side (<see cref="SipClient"/>).
/// </summary>
internal sealed class DialogTable
{
    private readonly ConcurrentDictionary<string, SipDialog> dialogs = new(StringComparer.Ordinal);
    private readonly ILogger logger;

    public DialogTable(ILogger logger) => this.logger = logger;

    /// <summary>Raised when a dialog ends (after BYE in either direction or ACK timeout).</summary>
    public event Action<SipDialog, SipDialogEndReason>? DialogEnded;

    public int Count => dialogs.Count;

    public ICollection<SipDialog> All => dialogs.Values;

    public static string DialogId(string callId, string localTag, string remoteTag) => string.Concat(callId, "|", localTag, "|", remoteTag);

    public void Add(SipDialog d) => dialogs[d.Id] = d;

    public void Remove(SipDialog d)
    {
        if (dialogs.TryRemove(new KeyValuePair<string, SipDialog>(d.Id, d)))
        {
            if (DialogEnded is null)
            {
                return;
            }
            _ = Task.Run(async () =>
            {
                try
                {
                    var reason = await d.Ended.ConfigureAwait(false);
                    DialogEnded?.Invoke(d, reason);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    logger.LogWarning(ex, "DialogEnded handler failed");
                }
            });
        }
    }

    /// <summary>Finds a live dialog by Call-ID and tags.</summary>
    public SipDialog? Find(string callId, string localTag, string remoteTag) =>
        dialogs.TryGetValue(DialogId(callId, localTag, remoteTag), out var d) ? d : null;
}
