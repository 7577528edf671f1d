namespace ContactCenter.Sip.Transport;

/// <summary>
/// The receive thread's decision on a new INVITE before it is queued (ADR 0011): refuse it at once (503, no transaction)
/// when the queue is full, or when the oldest INVITE in it has already waited longer than
/// <see cref="SipEndpointOptions.MaxInviteQueueWait"/>. In FIFO order the new INVITE would wait at least that long behind
/// work already accepted; refusing it after the wait would cost the caller the wait (and, past 500 ms, a retransmission)
/// and the gateway the work. The oldest INVITE's wait is the queue's sojourn time: it needs no estimate of the service
/// rate and follows the real one, whatever slows the thread down.
/// </summary>
internal static class InviteQueuePolicy
{
    /// <summary>Why a new INVITE is refused on the receive thread, or <see cref="InviteRefusal.None"/>.</summary>
    public static InviteRefusal Decide(int queued, TimeSpan oldestWaited, int maxQueued, TimeSpan maxWait)
    {
        if (queued >= maxQueued)
        {
            return InviteRefusal.QueueFull;
        }

        return queued > 0 && maxWait > TimeSpan.Zero && oldestWaited > maxWait ? InviteRefusal.QueueWait : InviteRefusal.None;
    }
}

/// <summary>The receive thread's answer to a new INVITE (<see cref="InviteQueuePolicy"/>).</summary>
internal enum InviteRefusal
{
    /// <summary>Queued: handled after the kernel's backlog.</summary>
    None,
    /// <summary><see cref="SipEndpointOptions.MaxQueuedInvites"/> are waiting.</summary>
    QueueFull,
    /// <summary>The oldest queued INVITE waited longer than <see cref="SipEndpointOptions.MaxInviteQueueWait"/>.</summary>
    QueueWait,
}
