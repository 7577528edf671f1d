using System.Diagnostics;
using ContactCenter.Media.Codecs;
using ContactCenter.Media.Sessions;

namespace ContactCenter.Media.Tests.Sessions;

[Collection("rtp")]
public class LegRecordingTests : IAsyncLifetime
{
    private readonly string folder = TestAudio.TempDirectory();
    private readonly MediaEngine engine = TestEngine.Create();
    private readonly RtpPeer phone = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await engine.DisposeAsync();
        Directory.Delete(folder, recursive: true);
        await phone.DisposeAsync();
    }

    private async Task SendAsync(IMediaSession to, AudioCodec codec, short[] audio)
    {
        for (int i = 0; i + 160 <= audio.Length; i += 160)
        {
            phone.SendAudio(to.LocalEndPoint, codec, audio.AsSpan(i, 160), marker: i == 0);
            await Task.Delay(5);
        }
    }

    private static async Task WaitForPacketsAsync(IMediaSession session, long count)
    {
        var watch = Stopwatch.StartNew();
        while (session.GetStatistics().PacketsReceived < count)
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"only {session.GetStatistics().PacketsReceived} of {count} packets arrived");
            await Task.Delay(10);
        }
    }

    [Theory]
    [InlineData(AudioCodec.Pcmu)]
    [InlineData(AudioCodec.Pcma)]
    public async Task Recording_a_leg_writes_what_the_caller_sends_as_mono_pcm16_with_its_length_and_speech(AudioCodec codec)
    {
        await using IMediaSession session = engine.CreateSession("caller");
        session.Configure(TestEngine.To(phone, codec));
        string path = Path.Combine(folder, "message.wav");

        session.StartRecording(path);
        Assert.True(session.IsRecording);
        await SendAsync(session, codec, TestAudio.Sine(500, 1000));
        await WaitForPacketsAsync(session, 50);
        RecordingResult? result = await session.StopRecordingAsync();

        Assert.False(session.IsRecording);
        Assert.NotNull(result);
        Assert.Equal(path, result.Path);
        Assert.Equal(TimeSpan.FromSeconds(1), result.Duration);
        Assert.Equal(TimeSpan.FromSeconds(1), result.SpeechDuration);
        Assert.InRange(result.PeakDbfs, -16, -14.5); // a sine of amplitude 8000: RMS 5657 = -15.3 dBFS
        var (channels, rate, bits, samples) = TestAudio.ReadPcm(path);
        Assert.Equal((1, 8000, 16), (channels, rate, bits));
        Assert.Equal(8000, samples.Length);
        Assert.True(TestAudio.ToneShare(samples, 500) > 0.95, "the file should hold the caller's 500 Hz");
    }

    [Fact]
    public async Task Silence_and_line_noise_are_recorded_but_count_as_no_speech()
    {
        await using IMediaSession session = engine.CreateSession("caller");
        session.Configure(TestEngine.To(phone));
        string path = Path.Combine(folder, "silent.wav");
        short[] noise = new short[8000];
        var random = new Random(7);
        for (int i = 0; i < noise.Length; i++)
        {
            noise[i] = (short)random.Next(-60, 60);
        }

        session.StartRecording(path);
        await SendAsync(session, AudioCodec.Pcmu, noise);
        await WaitForPacketsAsync(session, 50);
        RecordingResult? result = await session.StopRecordingAsync();

        Assert.NotNull(result);
        Assert.Equal(TimeSpan.FromSeconds(1), result.Duration);
        Assert.Equal(TimeSpan.Zero, result.SpeechDuration);
        Assert.True(result.PeakDbfs < -45, $"noise peak {result.PeakDbfs} dBFS");
    }

    [Fact]
    public async Task A_gap_in_the_timestamps_is_filled_with_silence()
    {
        await using IMediaSession session = engine.CreateSession("caller");
        session.Configure(TestEngine.To(phone));
        string path = Path.Combine(folder, "gap.wav");

        session.StartRecording(path);
        await SendAsync(session, AudioCodec.Pcmu, TestAudio.Sine(500, 200));
        phone.SkipSamples(800);
        await SendAsync(session, AudioCodec.Pcmu, TestAudio.Sine(500, 200));
        await WaitForPacketsAsync(session, 20);
        RecordingResult? result = await session.StopRecordingAsync();

        Assert.NotNull(result);
        Assert.Equal(TimeSpan.FromMilliseconds(500), result.Duration);
        Assert.Equal(TimeSpan.FromMilliseconds(400), result.SpeechDuration);
        var (_, _, _, samples) = TestAudio.ReadPcm(path);
        Assert.Equal(4000, samples.Length);
        Assert.All(samples[1600..2400], s => Assert.Equal(0, s));
    }

    [Fact]
    public async Task Recording_is_refused_twice_stopping_without_one_is_null_and_disposing_completes_the_file()
    {
        IMediaSession session = engine.CreateSession("caller");
        session.Configure(TestEngine.To(phone));
        string path = Path.Combine(folder, "disposed.wav");
        Assert.Null(await session.StopRecordingAsync());
        Assert.Throws<DirectoryNotFoundException>(() => session.StartRecording(Path.Combine(folder, "no", "such", "dir.wav")));

        session.StartRecording(path);
        Assert.Throws<InvalidOperationException>(() => session.StartRecording(Path.Combine(folder, "other.wav")));
        await SendAsync(session, AudioCodec.Pcmu, TestAudio.Sine(500, 400));
        await WaitForPacketsAsync(session, 20);
        await session.DisposeAsync();

        var (channels, _, _, samples) = TestAudio.ReadPcm(path);
        Assert.Equal(1, channels);
        Assert.Equal(3200, samples.Length);
    }
}
