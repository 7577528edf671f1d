namespace ContactCenter.Media.Sessions;

/// <summary>A running prompt sequence.</summary>
internal sealed class PromptPlayback(short[][] prompts, bool loop, bool bargeIn)
{
    private readonly long totalSamples = prompts.Sum(p => (long)p.Length);
    private int index;
    private int position;

    public bool BargeIn { get; } = bargeIn;

    public TaskCompletionSource<PlaybackResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public CancellationTokenRegistration Registration { get; set; }

    public bool SegmentStarted { get; set; }

    public uint SegmentTimestamp { get; set; }

    public long SegmentFrames { get; set; }

    /// <summary>Fills the next 20 ms frame (silence-padded at the end); false when nothing is left.</summary>
    public bool Fill(Span<short> frame)
    {
        if (loop && totalSamples == 0)
        {
            frame.Clear();
            return true;
        }

        int filled = 0;
        while (filled < frame.Length)
        {
            if (index >= prompts.Length)
            {
                if (!loop)
                {
                    break;
                }

                index = 0;
                position = 0;
            }

            short[] prompt = prompts[index];
            int take = Math.Min(frame.Length - filled, prompt.Length - position);
            prompt.AsSpan(position, take).CopyTo(frame[filled..]);
            filled += take;
            position += take;
            if (position >= prompt.Length)
            {
                index++;
                position = 0;
            }
        }

        if (filled == 0)
        {
            return false;
        }

        frame[filled..].Clear();
        return true;
    }
}
