using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ContactCenter.Host.Tests.EndToEnd;

/// <summary>
/// One host for the voicemail checks, started on a copy of telephony-config in which billing's maximum wait is 3 s
/// (its <c>maxWaitAction</c> stays <c>voicemail</c>) and DID 1003 goes to an IVR <c>voicemail</c> node with a 5 s
/// maximum length. Each scenario runs once, the first time a test asks for it: a caller on DID 1000 presses 3, waits
/// past billing's maximum wait, hears the voicemail greeting and the beep, and speaks (or stays silent), then presses #
/// or hangs up; or a caller on DID 1003 speaks until the gateway ends the message.
/// </summary>
public sealed class VoicemailHostFixture : IAsyncLifetime
{
    internal const string AdaPhone = "+442079460018";
    internal const string AlanPhone = "+441614960000";
    internal const string GracePhone = "+442079460100";
    internal const string KatherinePhone = "+442079460101";
    internal const string EdsgerPhone = "+447700900102";

    /// <summary>DID 1003's flow (added to the copy of telephony-config): who is calling, then voicemail, a work item in support.</summary>
    private const string LeaveMessageFlow = """
        name: leave-message
        path: message
        start: who
        nodes:
          who:
            type: identify
            by: ani
            timeout: 1500ms
            known: message
            unknown: message
          message:
            type: voicemail
            prompts: [menu/connecting]
            max_length: 5s
            queue: support
        """;

    private enum Ending
    {
        /// <summary>The caller presses # after the message; the gateway hangs up.</summary>
        Hash,

        /// <summary>The caller hangs up (SIPp, 35 s after the answer) while still speaking.</summary>
        HangUp,

        /// <summary>The caller speaks until the gateway hangs up (the maximum length).</summary>
        GatewayEnds,
    }

    private readonly string folder = Directory.CreateTempSubdirectory("cc-voicemail-").FullName;
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly Dictionary<string, Task<VoicemailCall>> calls = [];
    private HostProcess? host;

    internal HostProcess Host => host ?? throw new InvalidOperationException("the host has not started");

    public async Task InitializeAsync()
    {
        var config = Path.Combine(folder, "telephony-config");
        CopyFolder(Path.Combine(HostProcess.RepositoryRoot, "telephony-config"), config);
        var queues = await File.ReadAllTextAsync(Path.Combine(config, "queues.yaml"));
        var billing = queues.IndexOf("- name: billing", StringComparison.Ordinal);
        Assert.True(billing > 0, "queues.yaml has no billing queue");
        var maxWait = queues.IndexOf("maxWaitSeconds: 900", billing, StringComparison.Ordinal);
        Assert.True(maxWait > 0 && queues.IndexOf("maxWaitAction: voicemail", billing, StringComparison.Ordinal) > maxWait, "billing is no longer a 900 s queue diverting to voicemail; update this test");
        await File.WriteAllTextAsync(Path.Combine(config, "queues.yaml"), queues[..maxWait] + "maxWaitSeconds: 3" + queues[(maxWait + "maxWaitSeconds: 900".Length)..]);
        await File.WriteAllTextAsync(Path.Combine(config, "ivr", "leave-message.yaml"), LeaveMessageFlow);
        await File.AppendAllTextAsync(Path.Combine(config, "dids.yaml"), "  - did: \"1003\"\n    flow: leave-message\n");
        var trunks = await File.ReadAllTextAsync(Path.Combine(config, "trunks.yaml"));
        Assert.Contains("      - \"1002\"", trunks, StringComparison.Ordinal);
        await File.WriteAllTextAsync(Path.Combine(config, "trunks.yaml"), trunks.Replace("      - \"1002\"", "      - \"1002\"\n      - \"1003\"", StringComparison.Ordinal));

        for (var attempt = 1; ; attempt++)
        {
            host = CallPathTests.StartHost(("Telephony__ConfigPath", config));
            try
            {
                await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
                return;
            }
            catch (InvalidOperationException error) when (attempt < 3 && error.Message.Contains("Address already in use", StringComparison.Ordinal))
            {
                await host.DisposeAsync();
            }
        }
    }

    public async Task DisposeAsync()
    {
        if (host is not null)
        {
            await host.DisposeAsync();
        }

        Directory.Delete(folder, recursive: true);
    }

    internal async Task<HttpClient> ApiAsync(string login = "sam")
    {
        var token = await AgentDesktopClient.SignInAsync(Host.BaseAddress, login);
        var api = new HttpClient { BaseAddress = Host.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return api;
    }

    /// <summary>The caller who speaks after the beep (Ada): run once, shared by the tests that look at it.</summary>
    internal Task<VoicemailCall> SpokenAsync() => OnceAsync("spoken", () => LeaveVoicemailAsync(AdaPhone, SpeechAfterTheBeep(), Ending.Hash));

    /// <summary>The caller who says nothing after the beep (Alan).</summary>
    internal Task<VoicemailCall> SilentAsync() => OnceAsync("silent", () => LeaveVoicemailAsync(AlanPhone, new short[3 * 8000], Ending.Hash));

    /// <summary>The caller who says one word after the beep (Katherine): shorter than the 2 s minimum.</summary>
    internal Task<VoicemailCall> TooShortAsync() => OnceAsync("too-short", () => LeaveVoicemailAsync(KatherinePhone, SpeechAfterTheBeep()[..8000], Ending.Hash));

    /// <summary>
    /// The caller who speaks after the beep and hangs up instead of pressing # (Grace). SIPp hangs up 35 s after the
    /// answer, well after the beep (about 13 s in: identify, greeting, billing's 3 s, the voicemail greeting); the phone
    /// speaks until then.
    /// </summary>
    internal Task<VoicemailCall> HungUpAsync() => OnceAsync("hung-up", () => LeaveVoicemailAsync(GracePhone, SpeechAfterTheBeep(), Ending.HangUp));

    /// <summary>The caller on DID 1003 (an IVR voicemail node, 5 s at most) who keeps talking (Edsger).</summary>
    internal Task<VoicemailCall> MaxLengthAsync() => OnceAsync("max-length", () =>
        LeaveVoicemailAsync(EdsgerPhone, SpeechAfterTheBeep(), Ending.GatewayEnds, did: "1003", menuKey: null, ivrPath: "message>voicemail"));

    /// <summary>What the caller says: a real voice (a prompt spoken by espeak-ng), about 7 s.</summary>
    internal static short[] SpeechAfterTheBeep() =>
        IvrG711.ReadPcm16Wav(Path.Combine(HostProcess.RepositoryRoot, "telephony-config", "prompts", "queue", "all-busy.wav"));

    private async Task<VoicemailCall> OnceAsync(string name, Func<Task<VoicemailCall>> run)
    {
        await gate.WaitAsync();
        try
        {
            if (!calls.TryGetValue(name, out var call))
            {
                call = run();
                calls[name] = call;
            }

            return await call;
        }
        finally
        {
            gate.Release();
        }
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        }

        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
        }
    }

    private async Task<VoicemailCall> LeaveVoicemailAsync(
        string phoneNumber, short[] message, Ending ending, string did = "1000", char? menuKey = '3', string ivrPath = "main>3>billing")
    {
        using var api = await ApiAsync();
        var (customerId, _) = await IvrHostFixture.CustomerAsync(api, phoneNumber);
        var before = await IvrHostFixture.CallIdsAsync(api, customerId);
        var scenarios = Directory.CreateTempSubdirectory("cc-voicemail-sipp-").FullName;

        using var phone = new VoicemailPhone();
        var scenario = Sipp.Render(scenarios, "ivr-caller.xml", new Dictionary<string, string>
        {
            ["caller"] = phoneNumber,
            ["codecs"] = "0",
            ["rtp_ip"] = "127.0.0.1",
            ["rtp_port"] = phone.Port.ToString(CultureInfo.InvariantCulture),
            ["after_answer"] = "",
            // The gateway ends the call after the message (the caller answers its BYE), or the caller hangs up.
            ["ending"] = ending == Ending.HangUp ? "caller-hangs-up.part" : "caller-waits-bye.part",
            ["stay_ms"] = ending == Ending.HangUp ? "35000" : "90000",
        });
        await using var caller = Sipp.Start($"caller {phoneNumber}", scenarios,
            ["-sf", scenario, $"127.0.0.1:{Host.SipPort}", "-s", did, "-i", "127.0.0.1",
             "-p", Sipp.FreeUdpPort().ToString(CultureInfo.InvariantCulture), "-mp", Sipp.FreeUdpPort().ToString(CultureInfo.InvariantCulture), "-m", "1"]);

        // The greeting plays: press 3 (billing) over it, as a caller who knows the menu does.
        await VoicemailPhone.WaitUntilAsync(() => phone.PacketsHeard > 0, TimeSpan.FromSeconds(20), "the greeting's first RTP");
        if (menuKey is { } key)
        {
            await phone.PressAsync(key);
        }

        var pressedAt = phone.PacketsHeard;

        // Billing's maximum wait (3 s) passes; the voicemail greeting and its 1 kHz beep play, then the gateway is silent (recording).
        await VoicemailPhone.WaitUntilAsync(() => phone.ToneFrames(1000, pressedAt) >= 10, TimeSpan.FromSeconds(40), "the voicemail beep");
        await VoicemailPhone.WaitUntilAsync(() => phone.SinceLastPacket > TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(10), "the end of the beep");

        switch (ending)
        {
            case Ending.Hash:
                await phone.SendAudioAsync(message);
                await phone.PressAsync('#');
                break;
            case Ending.HangUp:
                Assert.False(caller.HasExited, "the caller hung up before the beep");
                await phone.SendAudioUntilAsync(message, () => caller.HasExited, TimeSpan.FromSeconds(60), "the caller hanging up");
                break;
            case Ending.GatewayEnds:
                await phone.SendAudioUntilAsync(message, () => caller.HasExited, TimeSpan.FromSeconds(60), "the gateway ending the message");
                break;
        }

        await caller.AssertSucceededAsync(TimeSpan.FromSeconds(40));

        var ended = await IvrHostFixture.WaitForNewCallAsync(api, customerId, before,
            c => c.GetProperty("endedAt").ValueKind == JsonValueKind.String && c.GetProperty("ivrPath").GetString() == ivrPath
                && c.GetProperty("outcome").ValueKind == JsonValueKind.String,
            TimeSpan.FromSeconds(20), $"{phoneNumber}'s voicemail call");
        var history = await IvrHostFixture.HistoryAsync(api, customerId);
        return new VoicemailCall(customerId, ended, [.. history.Where(i => !before.Contains(i.GetProperty("callId").GetString()!))], phone.SamplesSent / 8000.0);
    }
}

/// <summary>A caller's voicemail call as the CRM recorded it, the other new rows of their history (the work item), and how much the caller said after the beep.</summary>
internal sealed record VoicemailCall(string CustomerId, JsonElement Call, IReadOnlyList<JsonElement> NewRows, double SecondsSpoken)
{
    public string CallId => Call.GetProperty("callId").GetString()!;
}

/// <summary>
/// Voicemail from outside: SIPp as the caller's signalling, the test's own socket as the caller's media (it hears the
/// beep and speaks), the host process with every module, the CRM API, routing's queue board and Chromium.
/// </summary>
public sealed class VoicemailTests(VoicemailHostFixture fixture) : IClassFixture<VoicemailHostFixture>
{
    private const string ChromiumPath = "/usr/bin/chromium";

    private HostProcess Host => fixture.Host;

    [Fact]
    public Task A_caller_who_waits_past_billings_maximum_wait_leaves_a_voicemail_that_becomes_a_work_item() => CallPathTests.WithHostLogAsync(Host, async () =>
    {
        var spoken = await fixture.SpokenAsync();
        using var api = await fixture.ApiAsync();

        // The call ended as a voicemail, and the message is in the CRM.
        Assert.Equal("voicemail", spoken.Call.GetProperty("outcome").GetString());
        Assert.Equal("billing", spoken.Call.GetProperty("queue").GetString());
        var fileName = spoken.Call.GetProperty("voicemailPath").GetString();
        Assert.Equal($"{TimeProvider.System.GetUtcNow():yyyyMMdd}-{Guid.Parse(spoken.CallId):N}.wav", fileName);
        var seconds = spoken.Call.GetProperty("voicemailSeconds").GetInt32();
        Assert.InRange(seconds, (int)spoken.SecondsSpoken - 1, (int)spoken.SecondsSpoken + 2);
        Assert.Equal(JsonValueKind.Null, spoken.Call.GetProperty("voicemailNote").ValueKind);

        // The WAV in the gateway's voicemail folder: 8 kHz mono PCM16, as long as what the caller said (give or take the
        // moment between the beep and the first packet, and the # at the end).
        var path = Path.Combine(Host.DataFolder, "data", "voicemail", fileName!);
        Assert.True(File.Exists(path), $"{path} is missing");
        var samples = IvrG711.ReadPcm16Wav(path);
        Assert.InRange(samples.Length / 8000.0, spoken.SecondsSpoken - 0.5, spoken.SecondsSpoken + 1.5);
        Assert.True(samples.Count(s => Math.Abs((int)s) > 1000) > 8000, "the recording should hold the caller's speech");

        // The audio endpoint streams it to an agent, with ranges; without a token it is refused.
        using (var alice = await fixture.ApiAsync("alice"))
        {
            var audio = await alice.GetAsync(new Uri($"/api/interactions/{spoken.CallId}/voicemail", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, audio.StatusCode);
            Assert.Equal("audio/wav", audio.Content.Headers.ContentType?.MediaType);
            Assert.Equal(await File.ReadAllBytesAsync(path), await audio.Content.ReadAsByteArrayAsync());
            using var range = new HttpRequestMessage(HttpMethod.Get, new Uri($"/api/interactions/{spoken.CallId}/voicemail", UriKind.Relative));
            range.Headers.Range = new RangeHeaderValue(0, 43);
            var header = await alice.SendAsync(range);
            Assert.Equal(HttpStatusCode.PartialContent, header.StatusCode);
            Assert.Equal(44, (await header.Content.ReadAsByteArrayAsync()).Length);
        }

        using (var anonymous = new HttpClient { BaseAddress = Host.BaseAddress })
        {
            var refused = await anonymous.GetAsync(new Uri($"/api/interactions/{spoken.CallId}/voicemail", UriKind.Relative));
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        // The message became a work item: waiting in billing (routing's board) for an agent's desktop, not as a call, and its own
        // interaction carries the message.
        var callback = Assert.Single(spoken.NewRows, r => r.GetProperty("callId").GetString() != spoken.CallId);
        Assert.Equal(fileName, callback.GetProperty("voicemailPath").GetString());
        Assert.Equal("billing", callback.GetProperty("queue").GetString());
        Assert.Equal(spoken.CallId, callback.GetProperty("callbackOf").GetString());
        Assert.Equal(JsonValueKind.Null, callback.GetProperty("endedAt").ValueKind);
        var boards = await api.GetFromJsonAsync<JsonElement>(new Uri("/api/routing/queues", UriKind.Relative));
        var billing = boards.EnumerateArray().Single(b => b.GetProperty("queue").GetProperty("queue").GetString() == "billing");
        var waiting = billing.GetProperty("queue").GetProperty("waiting").EnumerateArray().ToList();
        var work = billing.GetProperty("queue").GetProperty("workItems").EnumerateArray().ToList();
        var entry = Assert.Single(work, w => w.GetProperty("callId").GetString() == callback.GetProperty("callId").GetString());
        Assert.False(entry.GetProperty("isCallback").GetBoolean(), entry.ToString());
        Assert.Equal(VoicemailHostFixture.AdaPhone, entry.GetProperty("caller").GetString());
        Assert.DoesNotContain(waiting, w => w.GetProperty("callId").GetString() == spoken.CallId || w.GetProperty("callId").GetString() == callback.GetProperty("callId").GetString());
    });

    [Fact]
    public Task A_caller_who_hangs_up_after_speaking_keeps_the_message() => CallPathTests.WithHostLogAsync(Host, async () =>
    {
        var hungUp = await fixture.HungUpAsync();

        Assert.Equal("voicemail", hungUp.Call.GetProperty("outcome").GetString());
        var fileName = hungUp.Call.GetProperty("voicemailPath").GetString();
        Assert.NotNull(fileName);
        var seconds = hungUp.Call.GetProperty("voicemailSeconds").GetInt32();
        Assert.InRange(seconds, 3, 34);
        var samples = IvrG711.ReadPcm16Wav(Path.Combine(Host.DataFolder, "data", "voicemail", fileName));
        Assert.InRange(samples.Length / 8000.0, seconds - 1, seconds + 1);
        var callback = Assert.Single(hungUp.NewRows, r => r.GetProperty("callId").GetString() != hungUp.CallId);
        Assert.Equal(fileName, callback.GetProperty("voicemailPath").GetString());
    });

    [Fact]
    public Task An_ivr_voicemail_node_stops_the_message_at_its_maximum_length_and_queues_the_work_item_in_its_queue() => CallPathTests.WithHostLogAsync(Host, async () =>
    {
        var capped = await fixture.MaxLengthAsync();
        using var api = await fixture.ApiAsync();

        Assert.Equal("voicemail", capped.Call.GetProperty("outcome").GetString());
        Assert.Equal("support", capped.Call.GetProperty("queue").GetString());
        var fileName = capped.Call.GetProperty("voicemailPath").GetString();
        Assert.NotNull(fileName);
        // The caller kept talking through the "message saved" prompt until the gateway hung up; the file stops at 5 s
        // (less the moment between the beep and the caller's first word).
        var samples = IvrG711.ReadPcm16Wav(Path.Combine(Host.DataFolder, "data", "voicemail", fileName));
        Assert.InRange(samples.Length / 8000.0, 4.0, 5.05);
        Assert.True(capped.SecondsSpoken > samples.Length / 8000.0 + 2, $"the caller said {capped.SecondsSpoken:F1} s, the file holds {samples.Length / 8000.0:F1} s");
        Assert.InRange(capped.Call.GetProperty("voicemailSeconds").GetInt32(), 4, 5);

        var callback = Assert.Single(capped.NewRows, r => r.GetProperty("callId").GetString() != capped.CallId);
        Assert.Equal(fileName, callback.GetProperty("voicemailPath").GetString());
        var boards = await api.GetFromJsonAsync<JsonElement>(new Uri("/api/routing/queues", UriKind.Relative));
        var support = boards.EnumerateArray().Single(b => b.GetProperty("queue").GetProperty("queue").GetString() == "support");
        var entry = Assert.Single(support.GetProperty("queue").GetProperty("workItems").EnumerateArray(), w => w.GetProperty("callId").GetString() == callback.GetProperty("callId").GetString());
        Assert.False(entry.GetProperty("isCallback").GetBoolean());
        Assert.Equal(VoicemailHostFixture.EdsgerPhone, entry.GetProperty("caller").GetString());
    });

    [Fact]
    public Task A_silent_message_is_discarded_with_the_reason_in_the_history_and_no_callback() => CallPathTests.WithHostLogAsync(Host, async () =>
    {
        var silent = await fixture.SilentAsync();
        using var api = await fixture.ApiAsync();

        Assert.Equal("overflowed", silent.Call.GetProperty("outcome").GetString());
        Assert.Equal(JsonValueKind.Null, silent.Call.GetProperty("voicemailPath").ValueKind);
        Assert.StartsWith("silent:", silent.Call.GetProperty("voicemailNote").GetString(), StringComparison.Ordinal);
        Assert.InRange(silent.Call.GetProperty("voicemailSeconds").GetInt32(), 2, 5);
        Assert.Single(silent.NewRows);

        // Nothing is kept on disk for it, and nothing waits in billing for this caller.
        var folder = Path.Combine(Host.DataFolder, "data", "voicemail");
        Assert.False(File.Exists(Path.Combine(folder, $"{TimeProvider.System.GetUtcNow():yyyyMMdd}-{Guid.Parse(silent.CallId):N}.wav")));
        var boards = await api.GetFromJsonAsync<JsonElement>(new Uri("/api/routing/queues", UriKind.Relative));
        Assert.DoesNotContain(boards.EnumerateArray().SelectMany(b => b.GetProperty("queue").GetProperty("waiting").EnumerateArray()
                .Concat(b.GetProperty("queue").GetProperty("workItems").EnumerateArray())),
            w => w.GetProperty("caller").GetString() == VoicemailHostFixture.AlanPhone);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync(new Uri($"/api/interactions/{silent.CallId}/voicemail", UriKind.Relative))).StatusCode);
    });

    [Fact]
    public Task A_message_shorter_than_the_minimum_is_discarded_with_the_reason() => CallPathTests.WithHostLogAsync(Host, async () =>
    {
        var tooShort = await fixture.TooShortAsync();

        Assert.Equal("overflowed", tooShort.Call.GetProperty("outcome").GetString());
        Assert.Equal(JsonValueKind.Null, tooShort.Call.GetProperty("voicemailPath").ValueKind);
        Assert.StartsWith("too short:", tooShort.Call.GetProperty("voicemailNote").GetString(), StringComparison.Ordinal);
        Assert.Contains("the minimum is 2.0 s", tooShort.Call.GetProperty("voicemailNote").GetString(), StringComparison.Ordinal);
        Assert.Single(tooShort.NewRows);
    });

    [Fact]
    public Task The_agent_desktop_shows_the_voicemail_in_the_customers_history_and_plays_it() => CallPathTests.WithHostLogAsync(Host, async () =>
    {
        Assert.True(File.Exists(ChromiumPath), $"the browser test needs Debian's Chromium at {ChromiumPath} (apt-get install chromium); ./test.sh installs it");
        var spoken = await fixture.SpokenAsync();
        SetDefaultExpectTimeout(20_000);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--autoplay-policy=no-user-gesture-required", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-gpu"],
        });
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { Locale = "en-GB", TimezoneId = "UTC" });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(20_000);
        await page.GotoAsync(new Uri(Host.BaseAddress, "/").ToString());
        await Expect(page.Locator("body[data-ready=true]")).ToBeAttachedAsync();
        await page.GetByTestId("login").FillAsync("alice");
        await page.GetByTestId("password").FillAsync("demo");
        await page.GetByTestId("sign-in").ClickAsync();
        await Expect(page.GetByTestId("connection")).ToHaveTextAsync("Live");

        // alice looks Ada up: her history shows the voicemail with its length and a player (on the call that left it, and
        // on the work item it became, which streams the same message).
        await page.GetByTestId("customer-search").FillAsync("Ada");
        await page.GetByTestId("search-result").First.GetByRole(AriaRole.Button).ClickAsync();
        await Expect(page.GetByTestId("customer-360-name")).ToHaveTextAsync("Ada Lovelace");
        await Expect(page.GetByTestId("voicemail")).ToHaveCountAsync(2);
        var voicemail = page.Locator($"[data-testid=voicemail]:has(audio[src='/api/interactions/{spoken.CallId}/voicemail'])");
        await Expect(voicemail).ToBeVisibleAsync();
        var seconds = spoken.Call.GetProperty("voicemailSeconds").GetInt32();
        await Expect(voicemail.GetByTestId("voicemail-length")).ToHaveTextAsync($"0:{seconds:00}");
        var player = voicemail.GetByTestId("voicemail-player");
        Assert.Equal("none", await player.GetAttributeAsync("preload"));
        Assert.Equal($"/api/interactions/{spoken.CallId}/voicemail", await player.GetAttributeAsync("src"));

        // It plays: the browser fetches the audio (with the sign-in's cookie), decodes it and its clock advances.
        await player.EvaluateAsync("a => a.play()");
        await page.WaitForFunctionAsync("a => a.error !== null || a.currentTime > 1", await player.ElementHandleAsync());
        Assert.Null(await player.EvaluateAsync<string?>("a => a.error ? `error ${a.error.code}: ${a.error.message}` : null"));
        var duration = await player.EvaluateAsync<double>("a => a.duration");
        Assert.InRange(duration, seconds - 1, seconds + 1);
    });
}
