using System.Diagnostics.Metrics;
using ContactCenter.Contracts;

namespace ContactCenter.Telephony.Gateway;

/// <summary>Gateway counters on the <c>ContactCenter.Telephony</c> meter (scraped at /metrics).</summary>
internal sealed class TelephonyMetrics : IDisposable
{
    public const string MeterName = "ContactCenter.Telephony";

    private readonly Meter meter;
    private readonly Counter<long> received;
    private readonly Counter<long> connected;
    private readonly Counter<long> ended;
    private readonly Counter<long> rejected;
    private readonly Counter<long> transferred;

    public TelephonyMetrics(IMeterFactory meters, Func<int> liveCalls, Func<int> registeredPhones, Func<int> sipTransactions, Func<int> mediaSessions)
    {
        meter = meters.Create(MeterName);
        received = meter.CreateCounter<long>("contactcenter.telephony.calls.received", description: "Inbound calls answered by the gateway");
        connected = meter.CreateCounter<long>("contactcenter.telephony.calls.connected", description: "Calls bridged to an agent");
        ended = meter.CreateCounter<long>("contactcenter.telephony.calls.ended", description: "Calls ended, by outcome");
        rejected = meter.CreateCounter<long>("contactcenter.telephony.calls.rejected", description: "Inbound INVITEs refused, by status code");
        transferred = meter.CreateCounter<long>("contactcenter.telephony.calls.transferred", description: "Calls blind-transferred from an agent's phone (REFER)");
        meter.CreateObservableGauge("contactcenter.telephony.calls.live", liveCalls, description: "Calls held by the gateway now");
        meter.CreateObservableGauge("contactcenter.telephony.phones.registered", registeredPhones, description: "Agent phones with a live registration");
        meter.CreateObservableGauge("contactcenter.sip.transactions", sipTransactions, description: "SIP transactions in progress");
        meter.CreateObservableGauge("contactcenter.media.sessions", mediaSessions, description: "RTP sessions open");
    }

    public void CallReceived() => received.Add(1);

    public void CallConnected() => connected.Add(1);

    public void CallEnded(CallOutcome outcome) => ended.Add(1, new KeyValuePair<string, object?>("outcome", outcome.ToString()));

    public void CallTransferred() => transferred.Add(1);

    public void CallRejected(int statusCode) => rejected.Add(1, new KeyValuePair<string, object?>("status", statusCode));

    public void Dispose() => meter.Dispose();
}
