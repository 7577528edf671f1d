namespace ContactCenter.Media.Sessions;

/// <summary>Options of one leg recording (<see cref="IMediaSession.StartRecording"/>).</summary>
public sealed record RecordingOptions
{
    /// <summary>
    /// A 20 ms frame whose RMS level is at or above this (dBFS) counts as speech in
    /// <see cref="RecordingResult.SpeechDuration"/>. Line noise and comfort noise sit well below −45 dBFS;
    /// speech at a normal level is between −35 and −15.
    /// </summary>
    public double SpeechThresholdDbfs { get; init; } = -40;

    /// <summary>The longest gap in the caller's RTP timestamps filled with silence (longer jumps are a new stream).</summary>
    public TimeSpan MaxGapFill { get; init; } = TimeSpan.FromSeconds(5);
}

/// <summary>What a leg recording holds, for deciding whether to keep it.</summary>
/// <param name="Path">The WAV file written.</param>
/// <param name="Duration">The length of the audio in the file.</param>
/// <param name="SpeechDuration">How much of it is frames at or above the speech threshold.</param>
/// <param name="PeakDbfs">The loudest frame's RMS level in dBFS (−∞ when nothing came).</param>
public sealed record RecordingResult(string Path, TimeSpan Duration, TimeSpan SpeechDuration, double PeakDbfs);
