using System.Buffers.Binary;
using ContactCenter.Media.Codecs.Opus;
using ContactCenter.Media.Dtmf;
using ContactCenter.Media.Rtp;

namespace ContactCenter.Media.Sessions;

/// <summary>
/// The edge of a leg whose peer speaks Opus (RFC 7587): what it sends is decoded to 8 kHz G.711 RTP before the leg sees
/// it, and what the leg sends (G.711 from the relay, prompts, tones) is gathered into 20 ms frames and encoded to Opus on
/// the way out, so the rest of the engine (bridge, recording, playback, DTMF detection) works on G.711 as for any leg.
/// Timestamps move between Opus's 48 kHz RTP clock and the engine's 8 kHz (×6), telephone-events with them (their
/// duration too: telephone-event/48000 is what browsers pair with Opus); RTCP sender reports are put on the 48 kHz clock
/// and count the Opus packets, report blocks' jitter likewise. Sits between the session and the transport (or its secure
/// stage) both ways. Receiving is the leg's receive thread, sending is under the leg's send lock; the two directions of
/// the <see cref="OpusG711Transcoder"/> are independent, so neither waits for the other.
/// </summary>
internal sealed class OpusEdge : ILegPacketHandler, ILegSender, IDisposable
{
    private const int Ratio = OpusFormat.ClockRate / 8000;
    private const int MaxDecoded = 960; // 120 ms at 8 kHz, the longest Opus packet

    private readonly ILegPacketHandler inner;
    private readonly ILegSender outer;
    private readonly OpusG711Transcoder transcoder = new();
    private readonly byte[] inbound = new byte[RtpHeader.FixedLength + MaxDecoded];
    private readonly byte[] outbound = new byte[RtpHeader.FixedLength + OpusAudioEncoder.MaxPacketBytes + RtpStream.TrailerRoom];
    private RemoteMedia remote;

    private bool inStarted;
    private uint inSsrc;
    private uint inBase48;
    private uint inBase8;

    private ushort outSequence = (ushort)System.Security.Cryptography.RandomNumberGenerator.GetInt32(ushort.MaxValue + 1);
    private uint frameStart;
    private bool frameMarker;
    private long packetsSent;
    private long octetsSent;

    public OpusEdge(ILegPacketHandler inner, ILegSender outer, RemoteMedia remote)
    {
        this.inner = inner;
        this.outer = outer;
        this.remote = remote;
    }

    /// <summary>The negotiated media (payload types, the G.711 law inside); replaced on a new offer/answer.</summary>
    public RemoteMedia Remote
    {
        get => Volatile.Read(ref remote);
        set => Volatile.Write(ref remote, value);
    }

    /// <summary>Opus packets sent.</summary>
    public long PacketsSent => Interlocked.Read(ref packetsSent);

    public bool HasRtpTarget => outer.HasRtpTarget;

    public bool HasRtcpTarget => outer.HasRtcpTarget;

    /// <summary>From the peer: Opus decoded to G.711, its events put on the 8 kHz clock; then to the leg.</summary>
    public void OnRtp(ReadOnlySpan<byte> packet, System.Net.SocketAddress from)
    {
        RemoteMedia current = Remote;
        if (!RtpHeader.TryParse(packet, out RtpHeader header))
        {
            return;
        }

        ReadOnlySpan<byte> payload = packet.Slice(header.HeaderLength, header.PayloadLength);
        if (header.PayloadType == current.OpusPayloadType)
        {
            int length = transcoder.ToG711(payload, current.Codec, inbound.AsSpan(RtpHeader.FixedLength));
            if (length <= 0)
            {
                return;
            }

            new RtpHeader { Marker = header.Marker, PayloadType = (byte)current.AudioPayloadType, SequenceNumber = header.SequenceNumber, Timestamp = ToInner(header.Ssrc, header.Timestamp), Ssrc = header.Ssrc }.WriteTo(inbound);
            inner.OnRtp(inbound.AsSpan(0, RtpHeader.FixedLength + length), from);
        }
        else if (header.PayloadType == current.TelephoneEventPayloadType && payload.Length >= TelephoneEvent.Length)
        {
            new RtpHeader { Marker = header.Marker, PayloadType = header.PayloadType, SequenceNumber = header.SequenceNumber, Timestamp = ToInner(header.Ssrc, header.Timestamp), Ssrc = header.Ssrc }.WriteTo(inbound);
            Span<byte> copy = inbound.AsSpan(RtpHeader.FixedLength, TelephoneEvent.Length);
            payload[..TelephoneEvent.Length].CopyTo(copy);
            BinaryPrimitives.WriteUInt16BigEndian(copy[2..], (ushort)(BinaryPrimitives.ReadUInt16BigEndian(copy[2..]) / Ratio));
            inner.OnRtp(inbound.AsSpan(0, RtpHeader.FixedLength + TelephoneEvent.Length), from);
        }
        else
        {
            inner.OnRtp(packet, from); // another payload type: the leg decides (it drops what it did not negotiate)
        }
    }

    public void OnRtcp(ReadOnlySpan<byte> packet, System.Net.SocketAddress from) => inner.OnRtcp(packet, from);

    /// <summary>From the leg (under its send lock): G.711 gathered and sent as Opus every 20 ms; events on the 48 kHz clock.</summary>
    public bool SendRtp(Span<byte> buffer, int length)
    {
        RemoteMedia current = Remote;
        if (current.OpusPayloadType is not { } opusType || !RtpHeader.TryParse(buffer[..length], out RtpHeader header))
        {
            return false;
        }

        ReadOnlySpan<byte> payload = buffer.Slice(header.HeaderLength, header.PayloadLength);
        if (header.PayloadType == current.AudioPayloadType)
        {
            int gathered = transcoder.GatheredSamples;
            if (gathered > 0 && header.Timestamp != frameStart + (uint)gathered)
            {
                // A new stretch (a prompt after relayed audio, a jump): what was left of the old one is dropped.
                transcoder.DiscardGathered();
                gathered = 0;
            }

            if (gathered == 0)
            {
                frameStart = header.Timestamp;
                frameMarker = header.Marker;
            }

            transcoder.PushG711(payload, current.Codec);
            Span<byte> opus = outbound.AsSpan(RtpHeader.FixedLength, OpusAudioEncoder.MaxPacketBytes);
            while (transcoder.TryEncodeOpus(opus, out int opusLength))
            {
                new RtpHeader { Marker = frameMarker, PayloadType = (byte)opusType, SequenceNumber = outSequence++, Timestamp = frameStart * Ratio, Ssrc = header.Ssrc }.WriteTo(outbound);
                frameMarker = false;
                frameStart += RtpStream.SamplesPerFrame;
                if (outer.SendRtp(outbound, RtpHeader.FixedLength + opusLength))
                {
                    Interlocked.Increment(ref packetsSent);
                    Interlocked.Add(ref octetsSent, opusLength);
                }
            }

            return true;
        }

        if (header.PayloadType == current.TelephoneEventPayloadType && payload.Length >= TelephoneEvent.Length)
        {
            new RtpHeader { Marker = header.Marker, PayloadType = header.PayloadType, SequenceNumber = outSequence++, Timestamp = header.Timestamp * Ratio, Ssrc = header.Ssrc }.WriteTo(outbound);
            Span<byte> copy = outbound.AsSpan(RtpHeader.FixedLength, TelephoneEvent.Length);
            payload[..TelephoneEvent.Length].CopyTo(copy);
            BinaryPrimitives.WriteUInt16BigEndian(copy[2..], (ushort)Math.Min(ushort.MaxValue, BinaryPrimitives.ReadUInt16BigEndian(copy[2..]) * Ratio));
            if (outer.SendRtp(outbound, RtpHeader.FixedLength + TelephoneEvent.Length))
            {
                Interlocked.Increment(ref packetsSent);
                Interlocked.Add(ref octetsSent, TelephoneEvent.Length);
                return true;
            }
        }

        return false;
    }

    /// <summary>RTCP from the leg: a sender report's RTP time and counts, and report blocks' jitter, put in Opus terms.</summary>
    public bool SendRtcp(Span<byte> buffer, int length)
    {
        if (length >= 8 && (buffer[0] >> 6) == 2)
        {
            int count = buffer[0] & 0x1F;
            int blocks = buffer[1] switch { 200 => 28, 201 => 8, _ => -1 };
            if (buffer[1] == 200 && length >= 28)
            {
                BinaryPrimitives.WriteUInt32BigEndian(buffer[16..], BinaryPrimitives.ReadUInt32BigEndian(buffer[16..]) * Ratio);
                BinaryPrimitives.WriteUInt32BigEndian(buffer[20..], (uint)PacketsSent);
                BinaryPrimitives.WriteUInt32BigEndian(buffer[24..], (uint)Interlocked.Read(ref octetsSent));
            }

            for (int i = 0; blocks > 0 && i < count && blocks + (24 * (i + 1)) <= length; i++)
            {
                Span<byte> jitter = buffer.Slice(blocks + (24 * i) + 12, 4);
                BinaryPrimitives.WriteUInt32BigEndian(jitter, (uint)Math.Min(uint.MaxValue, (ulong)BinaryPrimitives.ReadUInt32BigEndian(jitter) * Ratio));
            }
        }

        return outer.SendRtcp(buffer, length);
    }

    public void Dispose() => transcoder.Dispose();

    /// <summary>The peer's 48 kHz timestamp on an 8 kHz line (kept exact across the 32-bit wrap by re-basing).</summary>
    private uint ToInner(uint ssrc, uint timestamp)
    {
        if (!inStarted || ssrc != inSsrc)
        {
            inStarted = true;
            inSsrc = ssrc;
            inBase48 = timestamp;
            inBase8 = timestamp / Ratio;
        }

        int difference = (int)(timestamp - inBase48);
        if (difference is > 1 << 30 or < -(1 << 30))
        {
            int steps = difference / Ratio;
            inBase48 += (uint)(steps * Ratio);
            inBase8 += (uint)steps;
            difference = (int)(timestamp - inBase48);
        }

        return inBase8 + (uint)(difference / Ratio);
    }
}
