namespace ContactCenter.Telephony.Gateway.Admission;

/// <summary>
/// Overload control of new inbound calls (<c>Telephony:Admission:*</c>). The gateway measures its own load and throttles
/// new calls to the rate it can serve; see <see cref="AdmissionController"/> and docs/adr/0011-overload-control-at-the-edge.md.
/// </summary>
internal sealed class AdmissionOptions
{
    /// <summary>Overload control on (default). Off: every new call is admitted (still counted as offered and admitted).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often the measurements are read and the admitted rate adjusted.</summary>
    public TimeSpan EvaluationInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Set-up time goal: from the INVITE's arrival at the SIP socket to the gateway's 200 OK. When the average over an
    /// interval is above it, the gateway is congested and admits fewer new calls.
    /// </summary>
    public TimeSpan TargetSetupTime { get; set; } = TimeSpan.FromMilliseconds(150);

    /// <summary>
    /// An INVITE that waited longer than this in the SIP receive thread (behind ACK, BYE and the rest), with more new INVITEs
    /// still queued behind it, is refused at once: its caller is about to retransmit, and admitting it would only add to the
    /// backlog. Half of it, as the average wait of an interval's new INVITEs, counts as congestion.
    /// </summary>
    public TimeSpan MaxSipQueueDelay { get; set; } = TimeSpan.FromMilliseconds(120);

    /// <summary>Most calls admitted but not answered yet (INVITE transactions in flight); more are refused.</summary>
    public int MaxCallsInSetup { get; set; } = 400;

    /// <summary>Work items queued in the .NET thread pool (bus consumers, call mailboxes, timers) above which the gateway is congested.</summary>
    public int MaxThreadPoolQueue { get; set; } = 1000;

    /// <summary>Bus publishes started but not confirmed above which the gateway is congested (bus back-pressure).</summary>
    public int MaxBusPublishesInFlight { get; set; } = 2000;

    /// <summary>How late the media clock may run its 20 ms ticks (prompt playback pacing) before the gateway is congested.</summary>
    public TimeSpan MaxMediaClockLag { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>A fixed ceiling of live calls on top of the measurements (0 = none).</summary>
    public int MaxLiveCalls { get; set; }

    /// <summary>The admitted rate is never throttled below this many new calls per second.</summary>
    public int MinAdmissionRate { get; set; } = 20;

    /// <summary>No refusal for this long ends an overload episode (logged, and the board's banner goes).</summary>
    public TimeSpan RecoveryQuietTime { get; set; } = TimeSpan.FromSeconds(1);

    public IEnumerable<string> Validate()
    {
        const string p = "Telephony:Admission:";
        if (EvaluationInterval < TimeSpan.FromMilliseconds(10) || EvaluationInterval > TimeSpan.FromSeconds(5))
        {
            yield return $"{p}EvaluationInterval must be between 00:00:00.01 and 00:00:05 (was {EvaluationInterval})";
        }

        if (TargetSetupTime <= TimeSpan.Zero || TargetSetupTime > TimeSpan.FromSeconds(30))
        {
            yield return $"{p}TargetSetupTime must be positive and at most 00:00:30 (was {TargetSetupTime})";
        }

        if (MaxSipQueueDelay <= TimeSpan.Zero || MaxSipQueueDelay > TimeSpan.FromSeconds(30))
        {
            yield return $"{p}MaxSipQueueDelay must be positive and at most 00:00:30 (was {MaxSipQueueDelay})";
        }

        if (MaxCallsInSetup < 1)
        {
            yield return $"{p}MaxCallsInSetup must be at least 1 (was {MaxCallsInSetup})";
        }

        if (MaxThreadPoolQueue < 1)
        {
            yield return $"{p}MaxThreadPoolQueue must be at least 1 (was {MaxThreadPoolQueue})";
        }

        if (MaxBusPublishesInFlight < 1)
        {
            yield return $"{p}MaxBusPublishesInFlight must be at least 1 (was {MaxBusPublishesInFlight})";
        }

        if (MaxMediaClockLag <= TimeSpan.Zero)
        {
            yield return $"{p}MaxMediaClockLag must be positive (was {MaxMediaClockLag})";
        }

        if (MaxLiveCalls < 0)
        {
            yield return $"{p}MaxLiveCalls must be 0 (no ceiling) or more (was {MaxLiveCalls})";
        }

        if (MinAdmissionRate < 1)
        {
            yield return $"{p}MinAdmissionRate must be at least 1 call per second (was {MinAdmissionRate})";
        }

        if (RecoveryQuietTime < EvaluationInterval)
        {
            yield return $"{p}RecoveryQuietTime must be at least EvaluationInterval (was {RecoveryQuietTime})";
        }
    }
}
