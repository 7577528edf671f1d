using ContactCenter.Telephony.Configuration;

namespace ContactCenter.Telephony.Ivr;

/// <summary>Creates the IVR session for an inbound call from the loaded telephony-config (singleton, thread-safe).</summary>
internal sealed class IvrEngine
{
    private readonly TelephonyConfig config;
    private readonly TimeProvider time;

    public IvrEngine(TelephonyConfig config, TimeProvider time)
    {
        this.config = config;
        this.time = time;
    }

    /// <summary>The session for a call to <paramref name="did"/>, or null when no route exists for it. Then feed it <see cref="CallStarted"/>.</summary>
    public IvrSession? CreateSession(string did) =>
        config.Dids.TryGetValue(did, out var route) ? new IvrSession(route.Flow, config.Prompts, time) : null;

    /// <summary>A session for a named flow (tests, tooling), or null when no such flow exists.</summary>
    public IvrSession? CreateSessionForFlow(string flowName) =>
        config.Flows.TryGetValue(flowName, out var flow) ? new IvrSession(flow, config.Prompts, time) : null;
}
