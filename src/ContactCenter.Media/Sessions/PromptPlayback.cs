using ContactCenter.Media.Codecs;
using ContactCenter.Media.Rtp;

namespace ContactCenter.Media.Sessions;

/// <summary>
/// A running prompt sequence (IVR prompts, tones, music on hold when looped): 8 kHz samples handed out a 20 ms frame at a
/// time, each stretch of it (a segment: interrupted by a digit being sent, it starts again) on its own timestamps.
/// </summary>
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

    /// <summary>
    /// Sends <paramref name="frame"/> (filled by <see cref="Fill"/>) as the segment's next packet on <paramref name="stream"/>
    /// (under its gate); a frame due while nothing can be sent still moves our timeline on.
    /// </summary>
    public void SendFrame(RtpStream stream, ReadOnlySpan<short> frame, long now)
    {
        RemoteMedia? target = stream.Remote;
        bool marker = false;
        if (!SegmentStarted)
        {
            SegmentStarted = true;
            SegmentTimestamp = stream.NewSourceTimestamp(now);
            SegmentFrames = 0;
            marker = true;
        }

        uint timestamp = SegmentTimestamp + (uint)(SegmentFrames * RtpStream.SamplesPerFrame);
        SegmentFrames++;
        stream.MarkGenerated();
        if (!stream.CanSend(target))
        {
            stream.Skip(timestamp, now);
            return;
        }

        Span<byte> packet = stream.Packet;
        new RtpHeader { Marker = marker, PayloadType = (byte)target!.AudioPayloadType, SequenceNumber = stream.NextSequence, Timestamp = timestamp, Ssrc = stream.Ssrc }.WriteTo(packet);
        G711.Encode(target.Codec, frame, packet.Slice(RtpHeader.FixedLength, RtpStream.SamplesPerFrame));
        stream.Transmit(RtpHeader.FixedLength + RtpStream.SamplesPerFrame, RtpStream.SamplesPerFrame, timestamp, now);
    }
}
