using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ContactCenter.EndToEnd.Benchmarks;

/// <summary>
/// <c>./bench.sh webrtc-setup</c>: browser call set-up time in Chromium, as the gateway measures it — from sending the
/// INVITE down the agent's WebSocket to the first SRTP packet from that browser authenticated and decrypted (the
/// gateway logs it once per browser leg: <c>BrowserMediaSetup</c>, also the histogram
/// <c>contactcenter.telephony.browser_legs.media_setup</c>). The real host (Release, in-memory bus, demo config), two
/// headless Debian Chromiums driven by Playwright (never a downloaded browser), each with a fake microphone playing a tone:
/// alice signed in to the agent desktop with the JsSIP test harness (tests/…/WebRtc/harness.js) registered as her phone,
/// answering at once when it rings; a web caller dialling DID 1001 (straight to the support queue) over /sip. Per call:
/// dial, wait for the gateway's line, the caller hangs up, alice completes wrap-up and is Available again. The first
/// <c>--warmup</c> calls (default 5; the host's JIT, Chromium's first peer connection) are not counted.
/// Options: --calls N (100), --warmup N (5), --codecs "PCMU" (Telephony:BrowserCodecs, e.g. "opus,PCMU").
/// </summary>
internal static partial class WebRtcSetupBench
{
    private const string ChromiumPath = "/usr/bin/chromium";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    public static async Task<int> RunAsync(string[] args)
    {
        string? Get(string name)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        }

        var calls = int.Parse(Get("--calls") ?? "100", CultureInfo.InvariantCulture);
        var warmup = int.Parse(Get("--warmup") ?? "5", CultureInfo.InvariantCulture);
        var codecs = Get("--codecs");
        if (!File.Exists(ChromiumPath))
        {
            Console.Error.WriteLine($"webrtc-setup needs Debian's Chromium at {ChromiumPath} (apt-get install chromium)");
            return 1;
        }

        var work = Directory.CreateTempSubdirectory("cc-webrtc-setup-").FullName;
        var settings = new Dictionary<string, string>(); // the embedded default: in-memory bus, SQLite, demo config and seed
        if (codecs is not null)
        {
            settings["Telephony__BrowserCodecs"] = codecs;
        }

        Console.WriteLine($"webrtc-setup: {calls} calls (+{warmup} warm-up), browser codecs {codecs ?? "(default)"}; work folder {work}; load {EndToEndBench.Load()}");
        await using var host = HostProcess.Start(settings, null, "host.log");
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        var bundle = await BundleAsync();
        using var playwright = await Playwright.CreateAsync();
        SetDefaultExpectTimeout(20_000);
        await using var agentBrowser = await LaunchAsync(playwright, work, 1000);
        await using var callerBrowser = await LaunchAsync(playwright, work, 440);

        var agent = await SignInAsync(agentBrowser, host, "alice");
        await agent.EvaluateAsync(bundle);
        var registered = await agent.EvaluateAsync<string>("o => window.ccHarness.start(o)", new { user = "alice", register = true });
        if (registered != "registered")
        {
            throw new InvalidOperationException("alice's browser phone did not register: " + registered);
        }

        await agent.EvaluateAsync("() => { window.ccHarness.state.autoAnswer = true; }");
        await agent.GetByTestId("go-available").ClickAsync();
        await Expect(agent.GetByTestId("agent-state")).ToHaveTextAsync("Available");

        var callerContext = await callerBrowser.NewContextAsync();
        var caller = await callerContext.NewPageAsync();
        caller.SetDefaultTimeout(20_000);
        await caller.GotoAsync(new Uri(host.BaseAddress, "/").ToString());
        await caller.EvaluateAsync(bundle);
        await caller.EvaluateAsync<string>("o => window.ccHarness.start(o)", new { user = "+442079460018", register = false });

        var setups = new List<double>(calls);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < warmup + calls; i++)
        {
            await caller.EvaluateAsync("() => { window.ccHarness.reset(); window.ccHarness.call('1001'); }");
            var setupMs = await WaitForSetupAsync(host, i + 1);
            await WaitForEventAsync(agent, "confirmed", "alice's browser");
            await caller.EvaluateAsync("() => window.ccHarness.hangUp()");
            await WaitForEventAsync(agent, "ended", "alice's browser");
            await WaitForEventAsync(caller, "ended", "the web caller");
            await Expect(agent.GetByTestId("call-phase")).ToHaveTextAsync("Wrap-up");
            await agent.GetByTestId("disposition").SelectOptionAsync("resolved");
            await agent.GetByTestId("complete-wrap-up").ClickAsync();
            await Expect(agent.GetByTestId("agent-state")).ToHaveTextAsync("Available");
            await agent.EvaluateAsync("() => window.ccHarness.reset()");
            if (i >= warmup)
            {
                setups.Add(setupMs);
            }
        }

        setups.Sort();
        Console.WriteLine(FormattableString.Invariant(
            $"webrtc-setup: INVITE down the WebSocket -> first SRTP from the browser decrypted, {setups.Count} calls in {clock.Elapsed.TotalSeconds:F0} s: p50 {Percentile(setups, 0.50):F1} ms, p90 {Percentile(setups, 0.90):F1} ms, p99 {Percentile(setups, 0.99):F1} ms, max {setups[^1]:F1} ms, min {setups[0]:F1} ms, mean {setups.Average():F1} ms (goal p99 <= 300 ms); load {EndToEndBench.Load()}"));
        foreach (var problem in host.Problems(10))
        {
            Console.WriteLine("  host: " + problem);
        }

        return 0;
    }

    [GeneratedRegex(@"first audio from the browser decrypted ([0-9.]+) ms")]
    private static partial Regex SetupLine();

    /// <summary>Waits until the gateway has logged <paramref name="count"/> browser set-ups; the last one's milliseconds.</summary>
    private static async Task<double> WaitForSetupAsync(HostProcess host, int count)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var found = SetupLine().Matches(host.Log());
            if (found.Count >= count)
            {
                if (found.Count > count)
                {
                    throw new InvalidOperationException($"{found.Count} browser set-ups logged for {count} calls: a call had two browser legs answered");
                }

                return double.Parse(found[^1].Groups[1].Value, CultureInfo.InvariantCulture);
            }

            if (clock.Elapsed > Patience)
            {
                throw new TimeoutException($"call {count}: the gateway logged no browser media set-up within {Patience.TotalSeconds} s; host log:\n{host.Tail(30)}");
            }

            await Task.Delay(20);
        }
    }

    private static async Task WaitForEventAsync(IPage page, string name, string who)
    {
        var clock = Stopwatch.StartNew();
        string[] events = [];
        while (clock.Elapsed < Patience)
        {
            events = await page.EvaluateAsync<string[]>("() => window.ccHarness.events()");
            if (events.Any(e => e == name || e.StartsWith(name + ":", StringComparison.Ordinal)))
            {
                return;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"{who}: no '{name}' within {Patience.TotalSeconds} s; events [{string.Join(", ", events)}]");
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    private static async Task<IBrowser> LaunchAsync(IPlaywright playwright, string folder, int toneHz)
    {
        var wav = Path.Combine(folder, $"tone-{toneHz}.wav");
        WriteTone(wav, toneHz, TimeSpan.FromSeconds(10));
        return await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-gpu",
                "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", $"--use-file-for-fake-audio-capture={wav}",
                "--autoplay-policy=no-user-gesture-required", "--allow-loopback-in-peer-connection",
                "--disable-features=WebRtcHideLocalIpsWithMdns",
            ],
        });
    }

    /// <summary>The agent desktop signed in as <paramref name="login"/>, its own phone panel set to "A SIP phone" (the harness is the phone).</summary>
    private static async Task<IPage> SignInAsync(IBrowser browser, HostProcess host, string login)
    {
        var context = await browser.NewContextAsync();
        await context.AddInitScriptAsync($"try {{ localStorage.setItem('cc_phone_kind:{login}', 'sip'); }} catch {{ }}");
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(20_000);
        await page.GotoAsync(new Uri(host.BaseAddress, "/").ToString());
        await Expect(page.Locator("body[data-ready=true]")).ToBeAttachedAsync();
        await page.GetByTestId("login").FillAsync(login);
        await page.GetByTestId("password").FillAsync("demo");
        await page.GetByTestId("sign-in").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/agent$"));
        await Expect(page.Locator("body[data-ready=true]")).ToBeAttachedAsync();
        await Expect(page.GetByTestId("connection")).ToHaveTextAsync("Live");
        return page;
    }

    /// <summary>The tests' JsSIP harness bundled by the desktop's esbuild (installed by the desktop's build).</summary>
    private static async Task<string> BundleAsync()
    {
        var root = HostProcess.RepositoryRoot;
        var clientApp = Path.Combine(root, "src", "ContactCenter.Desktop", "ClientApp");
        var info = new ProcessStartInfo(Path.Combine(clientApp, "node_modules", "esbuild", "bin", "esbuild"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            Path.Combine(root, "tests", "ContactCenter.Host.Tests", "EndToEnd", "WebRtc", "harness.js"),
            "--bundle", "--format=iife", "--platform=browser", "--target=es2022", "--log-level=error",
        })
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["NODE_PATH"] = Path.Combine(clientApp, "node_modules");
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode == 0 ? await output : throw new InvalidOperationException("esbuild failed: " + await errors);
    }

    /// <summary>A 48 kHz mono PCM16 WAV of a sine at <paramref name="hz"/>, about -12 dBFS.</summary>
    private static void WriteTone(string path, int hz, TimeSpan length)
    {
        const int rate = 48_000;
        var samples = (int)(rate * length.TotalSeconds);
        using var w = new BinaryWriter(File.Create(path));
        w.Write("RIFF"u8);
        w.Write(36 + (samples * 2));
        w.Write("WAVEfmt "u8);
        w.Write(16);
        w.Write((short)1);
        w.Write((short)1);
        w.Write(rate);
        w.Write(rate * 2);
        w.Write((short)2);
        w.Write((short)16);
        w.Write("data"u8);
        w.Write(samples * 2);
        for (var i = 0; i < samples; i++)
        {
            w.Write((short)(8000 * Math.Sin(2 * Math.PI * hz * i / rate)));
        }
    }
}
