using System.Security.Cryptography;
using ContactCenter.Media.Rtp;

namespace ContactCenter.Media.Sessions;

/// <summary>
/// A leg's RTCP (RFC 3550 §6): the reception statistics of the peer's stream (loss, jitter), the reports we
/// send about it and about our own stream (a sender report once we have sent, a receiver report block once
/// we have received; SDES CNAME), sent at a randomised interval (×0.5-1.5, §6.2) and once more with BYE when
/// the leg ends, and what the peer's reports tell us (its last sender report, for DLSR; its report block
/// about our stream).
/// </summary>
internal sealed class RtcpSession
{
    private static readonly DateTimeOffset NtpEpoch = new(1900, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly RtpStream stream;
    private readonly TimeProvider time;
    private readonly TimeSpan interval;
    private readonly string cname;
    private readonly Lock gate = new();
    private readonly Lock statsLock = new();
    private readonly ReceiveStatistics stats = new();
    private readonly byte[] sendBuffer = new byte[1500];

    private long nextReportAt;
    private uint lastSenderReportMiddle;
    private long lastSenderReportAt;
    private RtcpReportBlock? remoteReport;
    private long received;
    private long sent;

    /// <summary>Reports go where the stream's packets go (<see cref="RtpStream.Sender"/>: the transport, or the Opus edge in front of it).</summary>
    public RtcpSession(RtpStream stream, TimeProvider time, TimeSpan interval, string cname)
    {
        this.stream = stream;
        this.time = time;
        this.interval = interval;
        this.cname = cname;
    }

    /// <summary>RTCP compound packets received.</summary>
    public long Received
    {
        get
        {
            lock (gate)
            {
                return received;
            }
        }
    }

    /// <summary>RTCP compound packets sent.</summary>
    public long Sent
    {
        get
        {
            lock (gate)
            {
                return sent;
            }
        }
    }

    /// <summary>The peer's last report block about our stream.</summary>
    public RtcpReportBlock? RemoteReport
    {
        get
        {
            lock (gate)
            {
                return remoteReport;
            }
        }
    }

    /// <summary>Counts one RTP packet of the peer's stream (sequence, timestamp, arrival at 8 kHz units) for loss and jitter.</summary>
    public void OnRtpReceived(in RtpHeader header, long now)
    {
        lock (statsLock)
        {
            long arrival = (long)(now * (8000.0 / time.TimestampFrequency));
            stats.Update(header.Ssrc, header.SequenceNumber, header.Timestamp, arrival);
        }
    }

    /// <summary>Packets received and cumulatively lost (RFC 3550 A.3) from the peer, and its interarrival jitter in 8 kHz units.</summary>
    public (long Received, long Lost, uint Jitter) ReceptionCounters()
    {
        lock (statsLock)
        {
            return (stats.PacketsReceived, stats.CumulativeLost, stats.Jitter);
        }
    }

    /// <summary>An RTCP packet from the peer; false when it is not a valid compound packet.</summary>
    public bool OnPacket(ReadOnlySpan<byte> packet)
    {
        if (!RtcpCompound.TryParse(packet, out RtcpCompound? compound))
        {
            return false;
        }

        lock (gate)
        {
            received++;
            if (compound!.SenderInfo is { } info)
            {
                lastSenderReportMiddle = (uint)(info.NtpTimestamp >> 16);
                lastSenderReportAt = time.GetTimestamp();
            }

            foreach (RtcpReportBlock block in compound.Reports)
            {
                if (block.Ssrc == stream.Ssrc)
                {
                    remoteReport = block;
                }
            }
        }

        return true;
    }

    /// <summary>Schedules the first report, if none is yet (the leg has been configured).</summary>
    public void Start(long now)
    {
        if (Volatile.Read(ref nextReportAt) == 0)
        {
            Volatile.Write(ref nextReportAt, now + NextDelay());
        }
    }

    /// <summary>Sends a report when one is due (the engine's housekeeping calls this every 100 ms).</summary>
    public void OnTimer(long now)
    {
        if (now >= Volatile.Read(ref nextReportAt))
        {
            Volatile.Write(ref nextReportAt, now + NextDelay());
            Send(bye: false);
        }
    }

    /// <summary>Sends a report now, with BYE when the leg ends.</summary>
    public void Send(bool bye)
    {
        ILegSender sender;
        RtcpSenderInfo? senderInfo;
        RtcpReportBlock? block = null;
        lock (stream.Gate)
        {
            sender = stream.Sender;
            if (!sender.HasRtcpTarget)
            {
                return;
            }

            senderInfo = stream.SenderInfo(NtpNow());
            lock (statsLock)
            {
                if (stats.PacketsReceived > 0)
                {
                    uint middle;
                    uint delay;
                    lock (gate)
                    {
                        middle = lastSenderReportMiddle;
                        delay = lastSenderReportAt == 0 ? 0 : (uint)(time.GetElapsedTime(lastSenderReportAt).TotalSeconds * 65536);
                    }

                    block = stats.BuildReport(middle, delay);
                }
            }
        }

        lock (sendBuffer)
        {
            lock (gate)
            {
                sent++;
            }

            ReadOnlySpan<RtcpReportBlock> blocks = block is { } b ? [b] : [];
            int length = RtcpCompound.Write(sendBuffer, stream.Ssrc, senderInfo, blocks, cname, bye);
            sender.SendRtcp(sendBuffer, length);
        }
    }

    private ulong NtpNow()
    {
        TimeSpan sinceEpoch = time.GetUtcNow() - NtpEpoch;
        ulong seconds = (ulong)(sinceEpoch.Ticks / TimeSpan.TicksPerSecond);
        ulong fraction = (ulong)(sinceEpoch.Ticks % TimeSpan.TicksPerSecond) * (1UL << 32) / TimeSpan.TicksPerSecond;
        return (seconds << 32) | fraction;
    }

    private long NextDelay()
    {
        double factor = 0.5 + (RandomNumberGenerator.GetInt32(1000) / 1000.0);
        return (long)(interval.TotalSeconds * factor * time.TimestampFrequency);
    }
}
