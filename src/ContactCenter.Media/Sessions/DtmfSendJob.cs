using ContactCenter.Media.Codecs;
using ContactCenter.Media.Dtmf;
using ContactCenter.Media.Rtp;

namespace ContactCenter.Media.Sessions;

/// <summary>
/// One digit being sent, a packet per 20 ms tick: RFC 4733 telephone-events (updates, then the end packet three
/// times, §2.5.1.4) when the peer negotiated them, otherwise an in-band tone for the duration and 40 ms of silence.
/// </summary>
internal sealed class DtmfSendJob(char digit, byte code, int durationSamples, bool inBand)
{
    private const int SamplesPerFrame = RtpStream.SamplesPerFrame;

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

    /// <summary>Sends the job's next packet on <paramref name="stream"/> (under its gate); true when the job is complete.</summary>
    public bool Step(RtpStream stream, Span<short> frame, long now)
    {
        RemoteMedia? target = stream.Remote;
        if (!stream.CanSend(target))
        {
            return true;
        }

        stream.MarkGenerated();
        if (InBand || target!.TelephoneEventPayloadType is null)
        {
            // Tone for the duration, then 40 ms of silence so repeated digits stay apart.
            if (!Started)
            {
                Started = true;
                EventTimestamp = stream.NewSourceTimestamp(now);
            }

            int total = DurationSamples + (2 * SamplesPerFrame);
            Span<short> tone = frame;
            tone.Clear();
            int toneSamples = Math.Clamp(DurationSamples - Elapsed, 0, SamplesPerFrame);
            if (toneSamples > 0)
            {
                GoertzelDtmfDetector.GenerateTone(Digit, tone[..toneSamples], Elapsed);
            }

            uint ts = EventTimestamp + (uint)Elapsed;
            Span<byte> audio = stream.Packet;
            new RtpHeader { Marker = Elapsed == 0, PayloadType = (byte)target!.AudioPayloadType, SequenceNumber = stream.NextSequence, Timestamp = ts, Ssrc = stream.Ssrc }.WriteTo(audio);
            G711.Encode(target.Codec, tone, audio.Slice(RtpHeader.FixedLength, SamplesPerFrame));
            stream.Transmit(RtpHeader.FixedLength + SamplesPerFrame, SamplesPerFrame, ts, now);
            Elapsed += SamplesPerFrame;
            return Elapsed >= total;
        }

        bool first = !Started;
        if (first)
        {
            Started = true;
            EventTimestamp = stream.NewSourceTimestamp(now);
        }

        if (EndsSent == 0)
        {
            Elapsed = Math.Min(Elapsed + SamplesPerFrame, DurationSamples);
        }

        bool end = Elapsed >= DurationSamples;
        Span<byte> packet = stream.Packet;
        new RtpHeader { Marker = first, PayloadType = (byte)target.TelephoneEventPayloadType.Value, SequenceNumber = stream.NextSequence, Timestamp = EventTimestamp, Ssrc = stream.Ssrc }.WriteTo(packet);
        new TelephoneEvent(Code, end, 10, (ushort)Elapsed).WriteTo(packet.Slice(RtpHeader.FixedLength));
        stream.Transmit(RtpHeader.FixedLength + TelephoneEvent.Length, TelephoneEvent.Length, EventTimestamp, now);
        if (!end)
        {
            return false;
        }

        // RFC 4733 §2.5.1.4: the end packet is sent three times.
        EndsSent++;
        if (EndsSent < 3)
        {
            return false;
        }

        stream.EndEvent(EventTimestamp + (uint)Elapsed);
        return true;
    }
}
