using ContactCenter.Contracts;
using ContactCenter.Media.Sessions;
using ContactCenter.Sip.UserAgent;
using ContactCenter.Telephony.Gateway.Legs;

namespace ContactCenter.Telephony.Gateway.Monitoring;

/// <summary>
/// A supervisor in an agent's call (issue 18): the leg to their registered phone, its media (joined to the call's bridge
/// once answered), the mode, and the session's id and event sequence for the audit. Touched only in the call's mailbox.
/// </summary>
internal sealed class SupervisorLeg(Guid monitoringId, string supervisorId, string agentId, ForkedDial call, MonitorMode mode)
{
    /// <summary>How long the supervisor's phone rings before the attempt is given up.</summary>
    public static readonly TimeSpan RingTimeout = TimeSpan.FromSeconds(30);

    public Guid MonitoringId { get; } = monitoringId;
    public string SupervisorId { get; } = supervisorId;
    /// <summary>The agent whose call it was when the session started.</summary>
    public string AgentId { get; } = agentId;
    /// <summary>The answering phone's media (the first phone's while ringing).</summary>
    public IMediaSession Media => Call.Current.Media;
    /// <summary>How the answering phone's SDP is written and read (plain RTP or WebRTC).</summary>
    public LegSdp Sdp => Call.Current.Sdp;
    /// <summary>Every registered phone of the supervisor, rung at once; the first answer wins.</summary>
    public ForkedDial Call { get; } = call;
    /// <summary>The mode in force (while ringing: the one to apply on answer).</summary>
    public MonitorMode Mode { get; set; } = mode;
    public ITimer? RingTimer { get; set; }
    /// <summary>The dialog once answered; null again when it ended.</summary>
    public IDialogLeg? Dialog { get; set; }
    /// <summary>The leg's media is on the call's bridge.</summary>
    public bool Joined { get; set; }
    /// <summary>The supervisor took the call over: their leg is the call's agent leg now.</summary>
    public bool TookOver { get; set; }
    private int sequence;

    /// <summary>The next event's sequence number in this session.</summary>
    public int NextSequence() => ++sequence;
}
