using ContactCenter.Contracts;
using ContactCenter.Media.Mixing;
using ContactCenter.Media.Sessions;

namespace ContactCenter.Telephony.Gateway.Monitoring;

/// <summary>The mix matrix of each monitoring mode, and the DTMF keys a supervisor's phone switches modes with.</summary>
internal static class MonitorMatrix
{
    /// <summary>
    /// Listen: the supervisor hears both, nobody hears the supervisor. Whisper: the agent hears the supervisor too, the
    /// caller never does. Barge: all three hear each other. The caller and the agent always hear each other.
    /// </summary>
    public static MixMatrix For(MonitorMode mode, IMediaSession caller, IMediaSession agent, IMediaSession supervisor)
    {
        var matrix = new MixMatrix().HearEachOther(caller, agent).Hear(supervisor, caller).Hear(supervisor, agent);
        switch (mode)
        {
            case MonitorMode.Whisper:
                matrix.Hear(agent, supervisor);
                break;
            case MonitorMode.Barge:
                matrix.Hear(agent, supervisor).Hear(caller, supervisor);
                break;
            case MonitorMode.Listen:
            case MonitorMode.TakeOver:
            case MonitorMode.Leave:
                break;
        }

        return matrix;
    }

    /// <summary>
    /// The mode a key on the supervisor's phone asks for, as Asterisk's ChanSpy with its <c>d</c> option: 4 listen,
    /// 5 whisper, 6 barge; any other key: null (ignored).
    /// </summary>
    public static MonitorMode? ForDigit(char digit) => digit switch
    {
        '4' => MonitorMode.Listen,
        '5' => MonitorMode.Whisper,
        '6' => MonitorMode.Barge,
        _ => null,
    };
}
