using System.Diagnostics.Metrics;
using ContactCenter.Contracts;
using ContactCenter.Media.Sessions;
using ContactCenter.Sip.UserAgent;

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
    private readonly Counter<long> callbackAttempts;
    private readonly Histogram<double> callbackRingDelay;
    private readonly Histogram<double> refusalLatency;
    private readonly Histogram<double> browserMediaSetup;

    public TelephonyMetrics(IMeterFactory meters)
    {
        meter = meters.Create(MeterName);
        received = meter.CreateCounter<long>("contactcenter.telephony.calls.received", description: "Inbound calls answered by the gateway");
        connected = meter.CreateCounter<long>("contactcenter.telephony.calls.connected", description: "Calls bridged to an agent");
        ended = meter.CreateCounter<long>("contactcenter.telephony.calls.ended", description: "Calls ended, by outcome");
        rejected = meter.CreateCounter<long>("contactcenter.telephony.calls.rejected", description: "Inbound INVITEs refused, by status code");
        transferred = meter.CreateCounter<long>("contactcenter.telephony.calls.transferred", description: "Calls blind-transferred from an agent's phone (REFER)");
        callbackAttempts = meter.CreateCounter<long>("contactcenter.telephony.callbacks.attempts", description: "Callback attempts placed, by outcome");
        refusalLatency = meter.CreateHistogram<double>("contactcenter.telephony.admission.refusal_latency", unit: "s",
            description: "A new INVITE refused with 503: from its datagram or message being read to the 503 being sent",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] });
        callbackRingDelay = meter.CreateHistogram<double>("contactcenter.telephony.callbacks.ring_delay", unit: "s",
            description: "From routing reserving an agent for a callback to the customer's phone ringing (the agent answers in between)");
        browserMediaSetup = meter.CreateHistogram<double>("contactcenter.telephony.browser_legs.media_setup", unit: "s",
            description: "From the INVITE sent down a browser phone's WebSocket to the first SRTP packet from that browser decrypted (ringing and answering included)");
    }

    /// <summary>The gauges read from the running gateway: live calls, registered phones, SIP transactions, RTP sessions and packets.</summary>
    public void ObserveGateway(Func<int> liveCalls, SipEndpoint sip, MediaEngine media)
    {
        meter.CreateObservableGauge("contactcenter.telephony.calls.live", liveCalls, description: "Calls held by the gateway now");
        meter.CreateObservableGauge("contactcenter.telephony.phones.registered", () => sip.Registrar.LiveBindingCount, description: "Agent phones with a live registration");
        meter.CreateObservableGauge("contactcenter.telephony.websockets.open", () => sip.WebSocketConnectionCount, description: "Open SIP WebSocket connections (browser phones and callers)");
        meter.CreateObservableGauge("contactcenter.sip.transactions", () => sip.TransactionCount, description: "SIP transactions in progress");
        meter.CreateObservableCounter("contactcenter.sip.transactions.started", () => (Measurement<long>[])
            [
                new(sip.ServerTransactionsStarted, new KeyValuePair<string, object?>("kind", "server")),
                new(sip.ClientTransactionsStarted, new KeyValuePair<string, object?>("kind", "client")),
            ], description: "SIP transactions created since start (server: requests received; client: requests sent)");
        if (sip.AuthGuard is { } guard)
        {
            meter.CreateObservableCounter("contactcenter.sip.auth.failures", () => guard.FailuresTotal,
                description: "Wrong digest answers (wrong password, unknown user, another user's AOR, a digest for another Request-URI) since start");
            meter.CreateObservableCounter("contactcenter.sip.auth.blocks", () => guard.BlocksTotal,
                description: "Source addresses blocked for guessing digest passwords since start");
            meter.CreateObservableCounter("contactcenter.sip.auth.blocked_requests", () => guard.BlockedRequestsTotal,
                description: "Requests from blocked sources dropped or answered 403 since start");
            meter.CreateObservableGauge("contactcenter.sip.auth.blocked_sources", () => guard.BlockedSourceCount,
                description: "Source addresses blocked now for guessing digest passwords");
        }
        meter.CreateObservableGauge("contactcenter.media.sessions", () => media.SessionCount, description: "RTP sessions open");
        meter.CreateObservableCounter("contactcenter.media.rtp.packets", () =>
        {
            var totals = media.GetPacketTotals();
            return (Measurement<long>[])
            [
                new(totals.Received, new KeyValuePair<string, object?>("direction", "received")),
                new(totals.Sent, new KeyValuePair<string, object?>("direction", "sent")),
            ];
        }, description: "RTP packets received and sent by every call leg since start");
        meter.CreateObservableCounter("contactcenter.media.rtp.packets.lost", () => media.GetPacketTotals().Lost, description: "RTP packets lost on the way in (RFC 3550 cumulative loss) since start");
    }

    /// <summary>Overload control: new calls offered, admitted and refused (by reason), calls in set-up, the admitted-rate throttle.</summary>
    public void ObserveAdmission(Admission.AdmissionController admission)
    {
        meter.CreateObservableCounter("contactcenter.telephony.admission.offered", () => admission.Offered,
            description: "New inbound calls offered to overload control (trunk and DID already checked), since start");
        meter.CreateObservableCounter("contactcenter.telephony.admission.admitted", () => admission.Admitted, description: "New inbound calls admitted, since start");
        var reasons = Enum.GetValues<Admission.RefusalReason>();
        meter.CreateObservableCounter("contactcenter.telephony.admission.refused", () =>
        {
            var measurements = new Measurement<long>[reasons.Length];
            for (var i = 0; i < reasons.Length; i++)
            {
                measurements[i] = new(admission.RefusedFor(reasons[i]), new KeyValuePair<string, object?>("reason", Admission.AdmissionController.Describe(reasons[i])));
            }

            return measurements;
        }, description: "New inbound calls refused for overload (503 with Retry-After, or the DID's busy announcement), by reason, since start");
        meter.CreateObservableGauge("contactcenter.telephony.admission.overloaded", () => admission.Status.Overloaded ? 1 : 0,
            description: "1 while the gateway refuses new calls for overload");
        meter.CreateObservableGauge("contactcenter.telephony.admission.calls_in_setup", () => admission.CallsInSetup,
            description: "Calls admitted and not answered yet (INVITE transactions in flight)");
        meter.CreateObservableGauge("contactcenter.telephony.admission.rate_limit", () => admission.Status.RateLimit ?? 0,
            unit: "{call}/s", description: "The admitted rate while throttled (0: not throttled)");
    }

    public void CallReceived() => received.Add(1);

    public void CallConnected() => connected.Add(1);

    public void CallEnded(CallOutcome outcome) => ended.Add(1, new KeyValuePair<string, object?>("outcome", outcome.ToString()));

    public void CallTransferred() => transferred.Add(1);

    public void CallbackAttempted(CallOutcome outcome) => callbackAttempts.Add(1, new KeyValuePair<string, object?>("outcome", outcome.ToString()));

    public void CallbackRinging(TimeSpan sinceReserved) => callbackRingDelay.Record(sinceReserved.TotalSeconds);

    /// <summary>A 503 to a new INVITE was sent this long after the INVITE was read (<see cref="ContactCenter.Sip.UserAgent.SipEndpoint.RefusalSent"/>).</summary>
    public void RefusalSent(TimeSpan latency) => refusalLatency.Record(latency.TotalSeconds);

    /// <summary>A browser leg's first audio was decrypted this long after its INVITE went down the WebSocket (<see cref="Legs.BrowserMediaSetup"/>).</summary>
    public void BrowserMediaStarted(TimeSpan sinceInvite) => browserMediaSetup.Record(sinceInvite.TotalSeconds);

    public void CallRejected(int statusCode) => rejected.Add(1, new KeyValuePair<string, object?>("status", statusCode));

    public void Dispose() => meter.Dispose();
}
