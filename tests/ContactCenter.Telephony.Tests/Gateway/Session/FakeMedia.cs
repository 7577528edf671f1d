using System.Net;
using ContactCenter.Media.Dtmf;
using ContactCenter.Media.Sessions;

namespace ContactCenter.Telephony.Tests.Gateway.Session;

/// <summary>The media engine as the sessions see it: sessions and bridges that record what was asked of them.</summary>
internal sealed class FakeMediaEngine : IMediaEngine
{
    private readonly List<FakeMediaSession> sessions = [];
    private readonly List<FakeBridge> bridges = [];
    private int nextPort = 20_000;

    public IReadOnlyList<FakeMediaSession> Sessions
    {
        get
        {
            lock (sessions)
            {
                return [.. sessions];
            }
        }
    }

    public IReadOnlyList<FakeBridge> Bridges
    {
        get
        {
            lock (bridges)
            {
                return [.. bridges];
            }
        }
    }

    /// <summary>The session whose id ends with <paramref name="suffix"/> (<c>-a</c>: the caller's; <c>-b</c>: the first agent's).</summary>
    public FakeMediaSession Session(string suffix) => Sessions.Single(s => s.Id.EndsWith(suffix, StringComparison.Ordinal));

    /// <summary>Refuses to open a session whose id this says (no media port free): <see cref="CreateSession(string)"/> throws as the real engine does.</summary>
    public Func<string, bool>? NoPortFor { get; set; }

    public IMediaSession CreateSession(string id)
    {
        if (NoPortFor?.Invoke(id) == true)
        {
            throw new InvalidOperationException("no free media port");
        }

        lock (sessions)
        {
            var session = new FakeMediaSession(id, Interlocked.Add(ref nextPort, 2));
            sessions.Add(session);
            return session;
        }
    }

    /// <summary>Plain RTP legs only so far: the sessions under test never ask for a secure leg.</summary>
    public IMediaSession CreateSession(string id, MediaLegOptions options) =>
        options.IceLite
            ? throw new NotSupportedException("the fake media engine has no secure legs")
            : CreateSession(id);

    public string DtlsFingerprint => "sha-256 00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00";

    public IMediaBridge Bridge(IMediaSession caller, IMediaSession agent)
    {
        var bridge = new FakeBridge(caller, agent);
        lock (bridges)
        {
            bridges.Add(bridge);
        }

        return bridge;
    }
}

/// <summary>One playback asked of a <see cref="FakeMediaSession"/>; it runs until the test completes it or something stops it.</summary>
internal sealed class FakePlayback(IReadOnlyList<string> paths, PlaybackOptions options)
{
    private readonly TaskCompletionSource<PlaybackResult> result = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<string> Paths { get; } = paths;
    public PlaybackOptions Options { get; } = options;
    public Task<PlaybackResult> Result => result.Task;
    public bool Running => !result.Task.IsCompleted;

    /// <summary>The last prompt played to its end.</summary>
    public void Complete() => result.TrySetResult(new PlaybackResult(PlaybackOutcome.Completed, null));

    public void Stop() => result.TrySetResult(new PlaybackResult(PlaybackOutcome.Stopped, null));
}

internal sealed class FakeMediaSession(string id, int port) : IMediaSession
{
    private readonly List<FakePlayback> playbacks = [];
    private readonly List<RemoteMedia> configured = [];

    public string Id { get; } = id;
    public IPEndPoint LocalEndPoint => new(IPAddress.Loopback, LocalPort);
    public int LocalPort { get; } = port;
    public uint Ssrc => 1;
    public RemoteMedia? Remote { get; private set; }
    public MediaDirection Direction { get; private set; } = MediaDirection.SendRecv;
    public bool IsPlaying => Current?.Running == true;
    public bool IsRecording => false;
    public bool Disposed { get; private set; }
    public IceParameters? LocalIce => null;

    public event EventHandler<MediaFailedEventArgs>? MediaFailed;

    public event EventHandler<EventArgs>? SecureMediaStarted
    {
        add { }
        remove { }
    }

    public IReadOnlyList<FakePlayback> Playbacks
    {
        get
        {
            lock (playbacks)
            {
                return [.. playbacks];
            }
        }
    }

    /// <summary>The latest playback asked for, running or not.</summary>
    public FakePlayback? Current => Playbacks.LastOrDefault();

    /// <summary>What <see cref="Configure"/> was given, in order (the answer, then each re-INVITE's).</summary>
    public IReadOnlyList<RemoteMedia> Configured
    {
        get
        {
            lock (configured)
            {
                return [.. configured];
            }
        }
    }

    public event EventHandler<DtmfReceivedEventArgs>? DtmfReceived;
    public event EventHandler<PlaybackFinishedEventArgs>? PlaybackFinished
    {
        add { }
        remove { }
    }
    public event EventHandler<MediaTimeoutEventArgs>? MediaTimeout;

    public void Configure(RemoteMedia remote)
    {
        lock (configured)
        {
            configured.Add(remote);
        }

        Remote = remote;
        Direction = remote.Direction;
    }

    public void SetDirection(MediaDirection direction) => Direction = direction;

    public Task<PlaybackResult> PlayAsync(IReadOnlyList<string> promptPaths, PlaybackOptions? options = null, CancellationToken cancellationToken = default)
    {
        var playback = new FakePlayback([.. promptPaths], options ?? new PlaybackOptions());
        lock (playbacks)
        {
            // As the real session: a new playback stops the one running.
            playbacks.LastOrDefault()?.Stop();
            playbacks.Add(playback);
        }

        return playback.Result;
    }

    public void StopPlayback() => Current?.Stop();

    /// <summary>The caller presses a key (RFC 4733).</summary>
    public void Press(char digit) =>
        DtmfReceived?.Invoke(this, new DtmfReceivedEventArgs { Digit = digit, Duration = TimeSpan.FromMilliseconds(100), Source = DtmfSource.Rfc4733 });

    /// <summary>No RTP from the peer for too long.</summary>
    /// <summary>The leg's media fails for good (a DTLS failure, a wrong fingerprint, DTLS closed, ICE consent lost).</summary>
    public void Fail(MediaFailure failure, string reason) => MediaFailed?.Invoke(this, new MediaFailedEventArgs { Failure = failure, Reason = reason });

    public void TimeOut() => MediaTimeout?.Invoke(this, new MediaTimeoutEventArgs { Silence = TimeSpan.FromSeconds(30), Reason = "no RTP for 30 s" });

    public Task SendDtmfAsync(char digit, TimeSpan duration = default, CancellationToken cancellationToken = default) => Task.CompletedTask;

    public void ReceiveSipInfoDtmf(char digit, TimeSpan duration) => Press(digit);

    public MediaStatistics GetStatistics() => new();

    public void StartRecording(string path, RecordingOptions? options = null) => throw new NotSupportedException("not used by these tests");

    public Task<RecordingResult?> StopRecordingAsync() => Task.FromResult<RecordingResult?>(null);

    public ValueTask DisposeAsync()
    {
        Disposed = true;
        Current?.Stop();
        return ValueTask.CompletedTask;
    }
}

internal sealed class FakeBridge(IMediaSession caller, IMediaSession agent) : IMediaBridge
{
    private readonly List<string> mixes = [];

    /// <summary>What was asked of the mix, in order: "join sup: …", "mix: …", "leave sup" (each matrix as <c>listener&lt;source</c> pairs by leg id suffix).</summary>
    public IReadOnlyList<string> Mixes
    {
        get
        {
            lock (mixes)
            {
                return [.. mixes];
            }
        }
    }

    public bool IsMixing { get; private set; }

    public void Join(IMediaSession leg, ContactCenter.Media.Mixing.MixMatrix matrix) => Record($"join {Name(leg)}: {Describe(matrix)}", mixing: true);

    public void SetMix(ContactCenter.Media.Mixing.MixMatrix matrix) => Record($"mix: {Describe(matrix)}", mixing: true);

    public void Leave(IMediaSession leg, ContactCenter.Media.Mixing.MixMatrix? matrix = null) =>
        Record($"leave {Name(leg)}" + (matrix is null ? "" : ": " + Describe(matrix)), mixing: leg != Agent && matrix is not null || leg == Agent);

    private void Record(string what, bool mixing)
    {
        lock (mixes)
        {
            mixes.Add(what);
        }

        IsMixing = mixing;
    }

    /// <summary>The leg's role by its id's suffix: a (caller), b… (agent), s (supervisor).</summary>
    private static string Name(IMediaSession leg) => leg.Id[(leg.Id.LastIndexOf('-') + 1)..];

    private static string Describe(ContactCenter.Media.Mixing.MixMatrix matrix) =>
        string.Join(" ", matrix.Pairs.Select(p => $"{Name(p.Listener)}<{Name(p.Source)}").Order(StringComparer.Ordinal));

    public IMediaSession Caller { get; } = caller;
    public IMediaSession Agent { get; } = agent;
    public bool IsRecording { get; private set; }
    public string? RecordingPath { get; private set; }
    public bool Disposed { get; private set; }

    public void StartRecording(string path)
    {
        RecordingPath = path;
        IsRecording = true;
    }

    public Task StopRecordingAsync()
    {
        IsRecording = false;
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        Disposed = true;
        IsRecording = false;
        return ValueTask.CompletedTask;
    }
}
