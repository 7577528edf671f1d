using System.Diagnostics;
using System.Text.Json;
using Microsoft.Playwright;

namespace ContactCenter.Host.Tests.EndToEnd.WebRtc;

/// <summary>
/// A browser phone for the WebRTC tests: its own headless Chromium (Debian's) whose fake microphone plays a tone file,
/// with the test harness (harness.js: JsSIP, bundled at test time by the desktop's esbuild) evaluated in a page of the host.
/// </summary>
internal sealed class BrowserMediaPhone : IAsyncDisposable
{
    private static readonly SemaphoreSlim BundleGate = new(1, 1);
    private static string? bundle;

    private BrowserMediaPhone(IBrowser browser, IPage page, string name)
    {
        Browser = browser;
        Page = page;
        Name = name;
    }

    public IBrowser Browser { get; }
    public IPage Page { get; }
    public string Name { get; }

    /// <summary>A Chromium whose microphone sends a <paramref name="toneHz"/> tone.</summary>
    public static async Task<IBrowser> LaunchAsync(IPlaywright playwright, string folder, int toneHz)
    {
        var wav = Path.Combine(folder, $"tone-{toneHz}.wav");
        WriteTone(wav, toneHz, TimeSpan.FromSeconds(10));
        return await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = BrowserCallTests.ChromiumPath,
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

    /// <summary>The harness in <paramref name="page"/> (already on the host's origin).</summary>
    public static async Task<BrowserMediaPhone> AttachAsync(IBrowser browser, IPage page, string name)
    {
        await page.EvaluateAsync(await BundleAsync());
        return new BrowserMediaPhone(browser, page, name);
    }

    /// <summary>A page of the host's origin nobody signed in to (the web caller's).</summary>
    public static async Task<BrowserMediaPhone> OpenAnonymousAsync(IBrowser browser, HostProcess host, string name)
    {
        var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(20_000);
        await page.GotoAsync(new Uri(host.BaseAddress, "/").ToString());
        return await AttachAsync(browser, page, name);
    }

    public Task<string> StartAsync(string user, bool register) =>
        Page.EvaluateAsync<string>("o => window.ccHarness.start(o)", new { user, register });

    public Task CallAsync(string target) => Page.EvaluateAsync("t => window.ccHarness.call(t)", target);

    public Task AnswerAsync() => Page.EvaluateAsync("() => window.ccHarness.answer()");

    public Task SendDtmfAsync(string digits) => Page.EvaluateAsync("d => window.ccHarness.dtmf(d)", digits);

    public Task HoldAsync() => Page.EvaluateAsync("() => window.ccHarness.hold()");

    public Task UnholdAsync() => Page.EvaluateAsync("() => window.ccHarness.unhold()");

    public Task HangUpAsync() => Page.EvaluateAsync("() => window.ccHarness.hangUp()");

    public Task MangleFingerprintAsync() => Page.EvaluateAsync("() => { window.ccHarness.state.mangleFingerprint = true; }");

    public async Task<IReadOnlyList<string>> EventsAsync() => await Page.EvaluateAsync<string[]>("() => window.ccHarness.events()");

    public async Task<MediaStats> StatsAsync()
    {
        var json = await Page.EvaluateAsync<JsonElement>("() => window.ccHarness.stats()");
        return new MediaStats(
            json.GetProperty("dtlsState").ValueKind == JsonValueKind.String ? json.GetProperty("dtlsState").GetString() : null,
            json.GetProperty("srtpCipher").ValueKind == JsonValueKind.String ? json.GetProperty("srtpCipher").GetString() : null,
            json.GetProperty("energy").GetDouble(),
            json.GetProperty("packetsReceived").GetInt64(),
            json.GetProperty("packetsSent").GetInt64(),
            json.GetProperty("codec").ValueKind == JsonValueKind.String ? json.GetProperty("codec").GetString() : null);
    }

    public async Task<(double Frequency, double Prominence)> PeakAsync()
    {
        var json = await Page.EvaluateAsync<JsonElement>("() => window.ccHarness.peak()");
        return (json.GetProperty("frequency").GetDouble(), json.GetProperty("prominence").GetDouble());
    }

    /// <summary>Polls until an event named <paramref name="name"/> (e.g. "confirmed", "incoming", "ended") was seen.</summary>
    public async Task WaitForEventAsync(string name, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        IReadOnlyList<string> events = [];
        while (clock.Elapsed < timeout)
        {
            events = await EventsAsync();
            if (events.Any(e => e == name || e.StartsWith(name + ":", StringComparison.Ordinal)))
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new Xunit.Sdk.XunitException($"{Name}: no '{name}' within {timeout.TotalSeconds} s; events: [{string.Join(", ", events)}]");
    }

    /// <summary>Polls getStats until <paramref name="ready"/> holds.</summary>
    public async Task<MediaStats> WaitForStatsAsync(Func<MediaStats, bool> ready, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        var stats = await StatsAsync();
        while (!ready(stats))
        {
            if (clock.Elapsed > timeout)
            {
                throw new Xunit.Sdk.XunitException($"{Name}: {what} not within {timeout.TotalSeconds} s; last stats {stats}; events [{string.Join(", ", await EventsAsync())}]");
            }

            await Task.Delay(100);
            stats = await StatsAsync();
        }

        return stats;
    }

    /// <summary>Polls the remote audio (played in an audio element) until its loudest frequency is <paramref name="hz"/> ± 25 Hz, clearly above the rest.</summary>
    public async Task WaitToHearAsync(int hz, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        (double Frequency, double Prominence) peak = default;
        var hits = 0;
        while (clock.Elapsed < timeout)
        {
            peak = await PeakAsync();
            hits = Math.Abs(peak.Frequency - hz) <= 25 && peak.Prominence > 20 ? hits + 1 : 0;
            if (hits >= 3)
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new Xunit.Sdk.XunitException($"{Name}: did not hear {hz} Hz within {timeout.TotalSeconds} s; last peak {peak.Frequency:0} Hz, {peak.Prominence:0.0} dB over the band");
    }

    public async ValueTask DisposeAsync() => await Browser.DisposeAsync();

    /// <summary>A 48 kHz mono PCM16 WAV of a sine at <paramref name="hz"/>, at about -12 dBFS.</summary>
    internal static void WriteTone(string path, int hz, TimeSpan length)
    {
        const int rate = 48_000;
        var samples = (int)(rate * length.TotalSeconds);
        using var file = File.Create(path);
        using var w = new BinaryWriter(file);
        w.Write("RIFF"u8);
        w.Write(36 + samples * 2);
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

    /// <summary>harness.js bundled with JsSIP (an IIFE setting window.ccHarness), by the esbuild the desktop's build installed.</summary>
    private static async Task<string> BundleAsync()
    {
        await BundleGate.WaitAsync();
        try
        {
            if (bundle is not null)
            {
                return bundle;
            }

            var root = RepositoryRoot();
            var clientApp = Path.Combine(root, "src", "ContactCenter.Desktop", "ClientApp");
            var esbuild = Path.Combine(clientApp, "node_modules", "esbuild", "bin", "esbuild");
            Assert.True(File.Exists(esbuild), $"the WebRTC tests bundle their JsSIP harness with {esbuild}: build ContactCenter.Desktop first (it runs npm ci)");
            var info = new ProcessStartInfo(esbuild)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            info.ArgumentList.Add(Path.Combine(root, "tests", "ContactCenter.Host.Tests", "EndToEnd", "WebRtc", "harness.js"));
            info.ArgumentList.Add("--bundle");
            info.ArgumentList.Add("--format=iife");
            info.ArgumentList.Add("--platform=browser");
            info.ArgumentList.Add("--target=es2022");
            info.ArgumentList.Add("--log-level=error");
            info.Environment["NODE_PATH"] = Path.Combine(clientApp, "node_modules");
            using var process = Process.Start(info)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.True(process.ExitCode == 0, "esbuild failed: " + await errors);
            bundle = await output;
            return bundle;
        }
        finally
        {
            BundleGate.Release();
        }
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ContactCenter.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("ContactCenter.sln not found above " + AppContext.BaseDirectory);
    }
}

internal sealed record MediaStats(string? DtlsState, string? SrtpCipher, double Energy, long PacketsReceived, long PacketsSent, string? Codec);
