namespace ContactCenter.Media.Sessions;

/// <summary>One digit being sent.</summary>
internal sealed class DtmfSendJob(char digit, byte code, int durationSamples, bool inBand)
{
    public char Digit { get; } = digit;

    public byte Code { get; } = code;

    public int DurationSamples { get; } = durationSamples;

    public bool InBand { get; } = inBand;

    public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public CancellationTokenRegistration Registration { get; set; }

    public bool Started { get; set; }

    public uint EventTimestamp { get; set; }

    public int Elapsed { get; set; }

    public int EndsSent { get; set; }
}
