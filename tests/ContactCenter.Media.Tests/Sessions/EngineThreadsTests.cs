using ContactCenter.Media.Sessions;

namespace ContactCenter.Media.Tests.Sessions;

[Collection("rtp")]
public class EngineThreadsTests
{
    [Fact]
    public async Task Playing_sessions_are_spread_evenly_over_the_pacing_clocks()
    {
        string folder = TestAudio.TempDirectory();
        try
        {
            string prompt = TestAudio.WriteSine(folder, "loop.wav", 440, 200);
            await using MediaEngine engine = TestEngine.Create();
            await using var phone = new RtpPeer();
            int perClock = 3;
            var sessions = new List<IMediaSession>();
            var playbacks = new List<Task<PlaybackResult>>();
            for (int i = 0; i < engine.Clocks.Length * perClock; i++)
            {
                IMediaSession session = engine.CreateSession($"s{i}");
                session.Configure(TestEngine.To(phone));
                playbacks.Add(session.PlayAsync([prompt], new PlaybackOptions { Loop = true }));
                sessions.Add(session);
            }

            Assert.Equal(Math.Clamp(Environment.ProcessorCount, 1, 4), engine.Clocks.Length);
            Assert.All(engine.Clocks, c => Assert.Equal(perClock, c.ClientCount));
            foreach (IMediaSession session in sessions)
            {
                session.StopPlayback();
                await session.DisposeAsync();
            }

            Assert.All(await Task.WhenAll(playbacks), r => Assert.Equal(PlaybackOutcome.Stopped, r.Outcome));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task On_linux_rtp_is_received_by_the_epoll_threads()
    {
        await using MediaEngine engine = TestEngine.Create();

        Assert.Equal(RtpIoLoop.IsSupported, engine.IoLoop is not null);
        Assert.True(OperatingSystem.IsLinux() == (engine.IoLoop is not null), "this project's CI runs on Linux x64, where epoll must be used");
        Assert.Equal(Math.Min(Environment.ProcessorCount, 4), engine.IoLoop?.ThreadCount ?? Math.Min(Environment.ProcessorCount, 4));
    }
}
