using System.Security.Cryptography;
using ContactCenter.Media.Codecs;
using ContactCenter.Media.Rtp;

namespace ContactCenter.Media.Sessions;

/// <summary>
/// What a leg sends: our SSRC, sequence numbers and one continuous timestamp line across prompts, DTMF
/// and relayed media (each new stretch continues our timeline where the clock says it should be, with
/// the marker bit), the negotiated media it is sent as, and the send counters. Relayed packets get
/// their header rewritten here (our SSRC and sequence, the source's timestamps moved onto our line) and
/// their payload copied or transcoded into the one send buffer.
/// <para>
/// Everything but <see cref="Ssrc"/> and <see cref="Remote"/> is used under <see cref="Gate"/>, the leg's
/// one send lock (the playout takes it too: prompts, digits and relayed media share the stream).
/// </para>
/// </summary>
internal sealed class RtpStream
{
    /// <summary>Samples in a 20 ms frame at 8 kHz.</summary>
    internal const int SamplesPerFrame = 160;

    /// <summary>Room after a packet for what a secure transport adds (an SRTP tag).</summary>
    internal const int TrailerRoom = 64;

    private ILegSender sender;
    private readonly TimeProvider time;
    private readonly byte[] buffer = new byte[LegTransport.ReceiveBufferSize + RtpHeader.FixedLength + TrailerRoom];

    private RemoteMedia? remote;
    private ushort nextSequence;
    private uint lastTimestamp;
    private long lastSendAt;
    private bool anySent;
    private long packetsSent;
    private long octetsSent;
    private SendSource lastSource;
    private uint relayInboundSsrc;
    private uint relayTimestampOffset;

    public RtpStream(ILegSender sender, TimeProvider time)
    {
        this.sender = sender;
        this.time = time;
        Ssrc = (uint)RandomNumberGenerator.GetInt32(int.MaxValue) ^ ((uint)RandomNumberGenerator.GetInt32(2) << 31);
        nextSequence = (ushort)RandomNumberGenerator.GetInt32(ushort.MaxValue + 1);
        lastTimestamp = (uint)RandomNumberGenerator.GetInt32(int.MaxValue);
    }

    private enum SendSource
    {
        None,
        Generated,
        Relay,
        Mixed,
    }

    /// <summary>Where packets go: the transport, or a stage in front of it (the Opus edge); changed under <see cref="Gate"/>.</summary>
    public ILegSender Sender
    {
        get => sender;
        set => sender = value;
    }

    /// <summary>The leg's send lock.</summary>
    public Lock Gate { get; } = new();

    /// <summary>Our RTP synchronisation source.</summary>
    public uint Ssrc { get; }

    /// <summary>The negotiated media (written under <see cref="Gate"/>, read from anywhere).</summary>
    public RemoteMedia? Remote
    {
        get => Volatile.Read(ref remote);
        set => Volatile.Write(ref remote, value);
    }

    /// <summary>The send buffer: a packet is written here, then <see cref="Transmit"/>ted (under <see cref="Gate"/>).</summary>
    public Span<byte> Packet => buffer;

    /// <summary>The sequence number the next packet gets (under <see cref="Gate"/>).</summary>
    public ushort NextSequence => nextSequence;

    /// <summary>Packets sent (under <see cref="Gate"/>).</summary>
    public long PacketsSent => packetsSent;

    /// <summary>Payload octets sent (under <see cref="Gate"/>).</summary>
    public long OctetsSent => octetsSent;

    /// <summary>A prompt or a digit holds the stream, so relayed audio is not sent (under <see cref="Gate"/>; the playout sets it).</summary>
    public bool HeldByPlayout { get; set; }

    /// <summary>A digit is being sent, so relayed events are not (under <see cref="Gate"/>; the playout sets it).</summary>
    public bool SendingDigit { get; set; }

    /// <summary>
    /// The bridge relays an audio packet from the other leg (on that leg's receive thread): sent unless our direction does not
    /// send, there is nowhere to send, or a prompt or digit holds the stream.
    /// </summary>
    public void RelayAudio(in RtpHeader header, ReadOnlySpan<byte> payload, AudioCodec fromCodec)
    {
        lock (Gate)
        {
            RemoteMedia? current = remote;
            if (!CanSend(current) || HeldByPlayout)
            {
                return;
            }

            SendRelayedAudio(current!, header, payload, fromCodec);
        }
    }

    /// <summary>The bridge relays an RFC 4733 event from the other leg: sent with our telephone-event payload type, if we have one.</summary>
    public void RelayEvent(in RtpHeader header, ReadOnlySpan<byte> payload)
    {
        lock (Gate)
        {
            RemoteMedia? current = remote;
            if (current?.TelephoneEventPayloadType is not { } eventType || !CanSend(current) || SendingDigit)
            {
                return;
            }

            SendRelayedEvent(eventType, header, payload);
        }
    }

    /// <summary>Whether we may send to the peer now: negotiated, our direction sends, and an address to send to.</summary>
    public bool CanSend(RemoteMedia? target) => target is not null && target.Direction.CanSend() && sender.HasRtpTarget;

    /// <summary>First timestamp of a new stretch of generated media, continuing our timeline.</summary>
    public uint NewSourceTimestamp(long now)
    {
        if (!anySent)
        {
            return lastTimestamp;
        }

        double elapsedSamples = time.GetElapsedTime(lastSendAt, now).TotalSeconds * 8000;
        long frames = Math.Max(1, (long)Math.Round(elapsedSamples / SamplesPerFrame));
        return lastTimestamp + (uint)(frames * SamplesPerFrame);
    }

    /// <summary>A prompt or a digit is the source now: the next relayed packet starts a new stretch.</summary>
    public void MarkGenerated() => lastSource = SendSource.Generated;

    /// <summary>A frame that was due but not sent (nowhere to send it): our timeline still moves on.</summary>
    public void Skip(uint timestamp, long now)
    {
        lastTimestamp = timestamp;
        lastSendAt = now;
    }

    /// <summary>Where the timeline stands after an RFC 4733 event (its end: start + duration).</summary>
    public void EndEvent(uint endTimestamp) => lastTimestamp = endTimestamp;

    /// <summary>Sends the packet written in <see cref="Packet"/>[..<paramref name="length"/>] and moves the timeline on.</summary>
    public void Transmit(int length, int payloadLength, uint timestamp, long now)
    {
        nextSequence++;
        lastTimestamp = timestamp;
        lastSendAt = now;
        anySent = true;
        if (sender.SendRtp(buffer, length))
        {
            packetsSent++;
            octetsSent += payloadLength;
        }
    }

    /// <summary>Relays an audio packet from the other leg: our header, its timestamps moved onto our line, the payload in our codec (under <see cref="Gate"/>).</summary>
    public void SendRelayedAudio(RemoteMedia target, in RtpHeader header, ReadOnlySpan<byte> payload, AudioCodec fromCodec)
    {
        long now = time.GetTimestamp();
        bool marker = MapRelayTimestamp(header, now) | header.Marker;
        uint timestamp = header.Timestamp + relayTimestampOffset;
        Span<byte> packet = buffer;
        new RtpHeader { Marker = marker, PayloadType = (byte)target.AudioPayloadType, SequenceNumber = nextSequence, Timestamp = timestamp, Ssrc = Ssrc }.WriteTo(packet);
        G711.Transcode(fromCodec, target.Codec, payload, packet.Slice(RtpHeader.FixedLength));
        Transmit(RtpHeader.FixedLength + payload.Length, payload.Length, timestamp, now);
    }

    /// <summary>
    /// A 20 ms frame of mixed audio (the bridge's mixer, on the clock's thread): encoded in our codec and sent, unless our
    /// direction does not send, there is nowhere to send, or a prompt or digit holds the stream. Consecutive mixed frames
    /// are 160 samples apart on our timeline; the first of a stretch continues it where the clock says (marker).
    /// </summary>
    public void SendMixedAudio(ReadOnlySpan<short> frame)
    {
        lock (Gate)
        {
            RemoteMedia? current = remote;
            if (!CanSend(current) || HeldByPlayout)
            {
                return;
            }

            long now = time.GetTimestamp();
            bool marker = lastSource != SendSource.Mixed;
            uint timestamp = marker ? NewSourceTimestamp(now) : lastTimestamp + SamplesPerFrame;
            lastSource = SendSource.Mixed;
            Span<byte> packet = buffer;
            new RtpHeader { Marker = marker, PayloadType = (byte)current!.AudioPayloadType, SequenceNumber = nextSequence, Timestamp = timestamp, Ssrc = Ssrc }.WriteTo(packet);
            G711.Encode(current.Codec, frame, packet.Slice(RtpHeader.FixedLength, frame.Length));
            Transmit(RtpHeader.FixedLength + frame.Length, frame.Length, timestamp, now);
        }
    }

    /// <summary>Relays an RFC 4733 event from the other leg with our telephone-event payload type (under <see cref="Gate"/>).</summary>
    public void SendRelayedEvent(int eventPayloadType, in RtpHeader header, ReadOnlySpan<byte> payload)
    {
        long now = time.GetTimestamp();
        bool marker = MapRelayTimestamp(header, now) | header.Marker;
        uint timestamp = header.Timestamp + relayTimestampOffset;
        Span<byte> packet = buffer;
        new RtpHeader { Marker = marker, PayloadType = (byte)eventPayloadType, SequenceNumber = nextSequence, Timestamp = timestamp, Ssrc = Ssrc }.WriteTo(packet);
        payload.CopyTo(packet.Slice(RtpHeader.FixedLength));
        Transmit(RtpHeader.FixedLength + payload.Length, payload.Length, timestamp, now);
    }

    /// <summary>The sender information of an RTCP sender report, or null before anything was sent (under <see cref="Gate"/>).</summary>
    public RtcpSenderInfo? SenderInfo(ulong ntpNow)
    {
        if (packetsSent == 0)
        {
            return null;
        }

        long now = time.GetTimestamp();
        uint rtpNow = lastTimestamp + (uint)(time.GetElapsedTime(lastSendAt, now).TotalSeconds * 8000);
        return new RtcpSenderInfo(ntpNow, rtpNow, (uint)packetsSent, (uint)octetsSent);
    }

    /// <summary>Sets the relay timestamp offset when the relayed source changes; true when it did (marker).</summary>
    private bool MapRelayTimestamp(in RtpHeader header, long now)
    {
        if (lastSource == SendSource.Relay && header.Ssrc == relayInboundSsrc)
        {
            return false;
        }

        relayTimestampOffset = NewSourceTimestamp(now) - header.Timestamp;
        relayInboundSsrc = header.Ssrc;
        lastSource = SendSource.Relay;
        return true;
    }
}
