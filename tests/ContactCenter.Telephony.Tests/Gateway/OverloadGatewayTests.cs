using System.Diagnostics.Metrics;
using System.Net;
using ContactCenter.Sip;
using ContactCenter.Sip.Message;
using ContactCenter.Sip.Sdp;
using ContactCenter.Sip.UserAgent;
using ContactCenter.Telephony.Gateway;
using ContactCenter.Telephony.Gateway.Admission;
using ContactCenter.Telephony.Tests.Configuration;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ContactCenter.Telephony.Tests.Gateway;

/// <summary>
/// Overload control on the real gateway (the module on an in-memory bus, real SIP sockets on loopback, our own SIP stack as
/// the caller): a refused call gets 503 with Retry-After before any media, IVR or bus work, or the DID's busy announcement;
/// calls already admitted complete; admissions come back; the counters are on the meter.
/// </summary>
public sealed class OverloadGatewayTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private static IHost BuildHost(string configPath, Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Telephony:ConfigPath"] = configPath,
            ["Telephony:DataPath"] = Path.Combine(Path.GetTempPath(), "cc-overload-tests", Guid.NewGuid().ToString("N")),
            ["Sip:ListenAddress"] = "127.0.0.1",
            ["Sip:Port"] = "0",
        });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddTelephony(builder.Configuration);
        builder.Services.AddMassTransit(bus =>
        {
            bus.AddTelephonyConsumers();
            bus.UsingInMemory((context, cfg) => cfg.ConfigureEndpoints(context));
        });
        return builder.Build();
    }

    private static SipEndpoint StartCaller()
    {
        var caller = new SipEndpoint(new SipEndpointOptions { ListenAddress = "127.0.0.1", Port = 0, EnableTcp = false }, NullLoggerFactory.Instance);
        caller.Start();
        return caller;
    }

    private static OutgoingCall Dial(SipEndpoint caller, SipGateway gateway, string did) =>
        caller.Call(new SipCallOptions
        {
            Target = SipUri.Parse($"sip:{did}@127.0.0.1:{gateway.Sip!.UdpEndPoint!.Port}"),
            From = SipNameAddress.Create(SipUri.Parse("sip:+441130000001@127.0.0.1")),
            Offer = SdpOfferAnswer.CreateOffer(new IPEndPoint(IPAddress.Loopback, 40_000)),
        });

    [Fact]
    public async Task A_call_over_capacity_gets_503_with_retry_after_the_admitted_call_completes_and_admissions_come_back()
    {
        using var folder = new ConfigFolder();
        using var host = BuildHost(folder.Root, new()
        {
            ["Telephony:Admission:MaxLiveCalls"] = "1",
            ["Sip:OverloadRetryAfter"] = "00:00:07",
        });
        await host.StartAsync();
        var gateway = host.Services.GetRequiredService<SipGateway>();
        var meters = host.Services.GetRequiredService<IMeterFactory>();
        await using var caller = StartCaller();

        var first = await Dial(caller, gateway, "1000").Completion.WaitAsync(Wait);
        Assert.True(first.IsAnswered);

        // The refusal's latency (INVITE read to 503 sent) goes to a histogram on the meter.
        var latencies = new List<double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "contactcenter.telephony.admission.refusal_latency" && instrument.Meter.Scope == meters)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, value, _, _) =>
        {
            lock (latencies)
            {
                latencies.Add(value);
            }
        });
        listener.Start();

        var second = await Dial(caller, gateway, "1000").Completion.WaitAsync(Wait);

        Assert.Equal(503, second.StatusCode);
        Assert.Equal("7", second.Response!.Headers.Get("Retry-After"));
        await WaitUntilAsync(() =>
        {
            lock (latencies)
            {
                return latencies.Count == 1;
            }
        });
        lock (latencies)
        {
            Assert.InRange(latencies[0], 0, Wait.TotalSeconds);
        }

        Assert.Equal(1, gateway.LiveCallCount);
        var admission = gateway.Admission!;
        Assert.Equal(1, admission.RefusedFor(RefusalReason.LiveCalls));
        Assert.True(admission.Status.Overloaded);
        var refused = ReadCounter(meters, "contactcenter.telephony.admission.refused");
        Assert.Equal(1, refused.GetValueOrDefault("live-calls"));
        Assert.Equal(2, ReadCounter(meters, "contactcenter.telephony.admission.offered")[""]);
        Assert.Equal(1, ReadCounter(meters, "contactcenter.telephony.admission.admitted")[""]);

        // The admitted call is not starved: its BYE is answered, and the gateway lets the call go.
        var bye = await first.Dialog!.SendByeAsync().WaitAsync(Wait);
        Assert.Equal(200, bye.StatusCode);
        await WaitUntilAsync(() => gateway.LiveCallCount == 0);

        // Admissions come back by themselves: the next call is answered.
        var third = await Dial(caller, gateway, "1000").Completion.WaitAsync(Wait);
        Assert.True(third.IsAnswered);
        await third.Dialog!.SendByeAsync().WaitAsync(Wait);
        await host.StopAsync();
    }

    [Fact]
    public async Task A_did_set_to_announce_answers_a_refused_call_plays_the_busy_prompt_and_hangs_up_without_a_call_session()
    {
        using var folder = new ConfigFolder().Write("dids.yaml", """
            dids:
              - did: "1000"
                flow: test
                whenOverloaded: announce
                busyPrompt: numbers/2
              - did: "2000"
                queue: sales
            """);
        using var host = BuildHost(folder.Root, new() { ["Telephony:Admission:MaxLiveCalls"] = "1" });
        await host.StartAsync();
        var gateway = host.Services.GetRequiredService<SipGateway>();
        await using var caller = StartCaller();
        var first = await Dial(caller, gateway, "1000").Completion.WaitAsync(Wait);
        Assert.True(first.IsAnswered);

        var second = await Dial(caller, gateway, "1000").Completion.WaitAsync(Wait);

        Assert.True(second.IsAnswered);
        // The gateway hangs up once the half-second prompt has played.
        var ended = await second.Dialog!.Ended.WaitAsync(Wait);
        Assert.Equal(SipDialogEndReason.RemoteBye, ended);
        Assert.Equal(1, gateway.LiveCallCount);
        Assert.Equal(1, gateway.Admission!.RefusedFor(RefusalReason.LiveCalls));
        await first.Dialog!.SendByeAsync().WaitAsync(Wait);
        await host.StopAsync();
    }

    [Fact]
    public async Task Host_refuses_to_start_with_bad_admission_settings_and_names_each_key()
    {
        using var host = BuildHost(TestPaths.ConfigFolder, new()
        {
            ["Telephony:Admission:MaxCallsInSetup"] = "0",
            ["Telephony:Admission:TargetSetupTime"] = "-00:00:01",
        });

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(ex.Failures, f => f.StartsWith("Telephony:Admission:MaxCallsInSetup must be at least 1", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.StartsWith("Telephony:Admission:TargetSetupTime must be positive", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Host_refuses_to_start_with_bad_sip_overload_settings_and_names_each_key()
    {
        using var host = BuildHost(TestPaths.ConfigFolder, new()
        {
            ["Sip:MaxQueuedInvites"] = "0",
            ["Sip:OverloadRetryAfter"] = "00:00:00.5",
        });

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(ex.Failures, f => f.StartsWith("Sip:MaxQueuedInvites must be at least 1", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.StartsWith("Sip:OverloadRetryAfter must be between", StringComparison.Ordinal));
    }

    /// <summary>The current values of an observable counter of this host's meters, by its reason label ("" without one).</summary>
    private static Dictionary<string, long> ReadCounter(IMeterFactory meters, string name)
    {
        var values = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == name && instrument.Meter.Scope == meters)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            var reason = "";
            foreach (var tag in tags)
            {
                if (tag.Key == "reason")
                {
                    reason = (string)tag.Value!;
                }
            }

            values[reason] = value;
        });
        listener.Start();
        listener.RecordObservableInstruments();
        return values;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(Wait);
        while (!condition())
        {
            await Task.Delay(20, timeout.Token);
        }
    }
}
