namespace ContactCenter.Sip.Transactions;

/// <summary>
/// The transaction layer's record of one server transaction. Until the final response it points at
/// the full <see cref="SipServerTransaction"/> (<see cref="Live"/>), which handles everything. From the
/// final response on, the transaction only absorbs retransmissions for up to 64*T1 (Timers H, J, L;
/// RFC 3261 §17.2, RFC 6026), and this slim record is all that is kept for it: no parsed request,
/// no response object, no headers, no callbacks, no dialog — only the key, the last response's bytes
/// (where the state re-sends them), where to send them, the state and the deadline. Its fields after
/// the final response are guarded by <c>lock (this)</c>.
/// </summary>
internal sealed class ServerTransactionEntry
{
    private SipServerTransaction? live;

    public ServerTransactionEntry(string key, bool isInvite, bool reliable)
    {
        Key = key;
        IsInvite = isInvite;
        Reliable = reliable;
    }

    /// <summary>§17.2.3 matching key.</summary>
    public string Key { get; }

    /// <summary>§8.2.2.2 merged-request key, released with the entry.</summary>
    public string? MergeKey { get; set; }

    public bool IsInvite { get; }

    /// <summary>True over TCP (no retransmissions: Timers G, I, J are zero or unused).</summary>
    public bool Reliable { get; }

    /// <summary>The full transaction until its final response; null afterwards.</summary>
    public SipServerTransaction? Live
    {
        get => Volatile.Read(ref live);
        set => Volatile.Write(ref live, value);
    }

    /// <summary>Accepted, Completed, Confirmed or Terminated once <see cref="Live"/> is null.</summary>
    public SipTransactionState State { get; set; }

    /// <summary>The final response's bytes, while the state answers retransmissions with them (Completed).</summary>
    public byte[]? Response { get; set; }

    /// <summary>Where <see cref="Response"/> goes.</summary>
    public SipDestination? Destination { get; set; }

    /// <summary>When the entry ends (<see cref="ExpiryQueue{T}"/> timestamp); older queued deadlines are stale.</summary>
    public long Deadline { get; set; }

    /// <summary>INVITE Completed after a 3xx–6xx only: Timer G and what Timer H signals.</summary>
    public RejectedInvite? Rejected { get; set; }

    /// <summary>State of an INVITE server transaction waiting for the ACK of its 3xx–6xx (§17.2.1).</summary>
    internal sealed class RejectedInvite
    {
        public ITimer? TimerG { get; set; }

        public TimeSpan Interval { get; set; }

        /// <summary>Run when Timer H fires without an ACK.</summary>
        public Action? TimedOut { get; set; }
    }
}
