using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using ContactCenter.Media.Codecs;
using ContactCenter.Media.Dtmf;
using ContactCenter.Media.Rtp;
using ContactCenter.Media.Sessions;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace ContactCenter.Media.Tests.Sessions;

/// <summary>Where a part's packets go in these tests: kept, nothing sent.</summary>
internal sealed class CapturingSender : ILegSender
{
    public List<byte[]> Rtp { get; } = [];

    public List<byte[]> Rtcp { get; } = [];

    public bool HasRtpTarget { get; set; } = true;

    public bool HasRtcpTarget { get; set; } = true;

    public bool SendRtp(Span<byte> buffer, int length)
    {
        Rtp.Add(buffer[..length].ToArray());
        return true;
    }

    public bool SendRtcp(Span<byte> buffer, int length)
    {
        Rtcp.Add(buffer[..length].ToArray());
        return true;
    }

    public RtpHeader Header(int index)
    {
        Assert.True(RtpHeader.TryParse(Rtp[index], out RtpHeader header));
        return header;
    }
}

/// <summary>What a leg's receive side is handed in these tests.</summary>
internal sealed class CapturingHandler : ILegPacketHandler
{
    public List<byte[]> Rtp { get; } = [];

    public List<byte[]> Rtcp { get; } = [];

    public void OnRtp(ReadOnlySpan<byte> packet, SocketAddress from) => Rtp.Add(packet.ToArray());

    public void OnRtcp(ReadOnlySpan<byte> packet, SocketAddress from) => Rtcp.Add(packet.ToArray());
}

/// <summary>The parts MediaSession was split into, each on its own (no sockets where the part has none).</summary>
public class LegPartsTests
{
    private static readonly RemoteMedia Pcmu = new() { RtpEndPoint = new IPEndPoint(IPAddress.Loopback, 4000), Codec = AudioCodec.Pcmu, TelephoneEventPayloadType = 101 };
    private readonly FakeTimeProvider time = new();
    private readonly CapturingSender sender = new();

    private RtpStream Stream(RemoteMedia? remote = null)
    {
        var stream = new RtpStream(sender, time) { Remote = remote ?? Pcmu };
        return stream;
    }

    private static RtpHeader Relayed(uint ssrc, ushort sequence, uint timestamp, bool marker = false) =>
        new() { Marker = marker, PayloadType = 8, SequenceNumber = sequence, Timestamp = timestamp, Ssrc = ssrc };

    [Fact]
    public void The_stream_rewrites_relayed_packets_onto_its_own_line_and_marks_a_new_source()
    {
        RtpStream stream = Stream();
        byte[] alaw = new byte[160];
        Array.Fill(alaw, (byte)0xD5); // A-law silence
        lock (stream.Gate)
        {
            stream.SendRelayedAudio(Pcmu, Relayed(77, 10, 1_000), alaw, AudioCodec.Pcma);
            time.Advance(TimeSpan.FromMilliseconds(20));
            stream.SendRelayedAudio(Pcmu, Relayed(77, 11, 1_160), alaw, AudioCodec.Pcma);
            time.Advance(TimeSpan.FromMilliseconds(200));
            stream.SendRelayedAudio(Pcmu, Relayed(99, 500, 70_000), alaw, AudioCodec.Pcma); // another source (a transfer)
        }

        RtpHeader first = sender.Header(0), second = sender.Header(1), third = sender.Header(2);
        Assert.True(first.Marker);
        Assert.False(second.Marker);
        Assert.True(third.Marker);
        Assert.All(new[] { first, second, third }, h => Assert.Equal(stream.Ssrc, h.Ssrc));
        Assert.All(new[] { first, second, third }, h => Assert.Equal(0, h.PayloadType));
        Assert.Equal((ushort)(first.SequenceNumber + 1), second.SequenceNumber);
        Assert.Equal((ushort)(first.SequenceNumber + 2), third.SequenceNumber);
        Assert.Equal(first.Timestamp + 160, second.Timestamp);
        Assert.Equal(second.Timestamp + (10 * 160), third.Timestamp); // 200 ms after the second: 10 frames on
        byte[] expected = new byte[1];
        G711.Transcode(AudioCodec.Pcma, AudioCodec.Pcmu, [0xD5], expected);
        Assert.All(sender.Rtp, p => Assert.Equal(expected[0], p[12])); // transcoded to the target's PCMU
        lock (stream.Gate)
        {
            Assert.Equal(3, stream.PacketsSent);
            Assert.Equal(480, stream.OctetsSent);
        }
    }

    [Fact]
    public void The_stream_sends_nothing_without_a_target_or_when_our_direction_does_not_send()
    {
        RtpStream stream = Stream();
        Assert.True(stream.CanSend(Pcmu));
        Assert.False(stream.CanSend(Pcmu with { Direction = MediaDirection.RecvOnly }));
        Assert.False(stream.CanSend(null));
        sender.HasRtpTarget = false;
        Assert.False(stream.CanSend(Pcmu));
    }

    [Fact]
    public async Task Playout_paces_a_prompt_yields_to_a_digit_and_resumes_on_a_new_segment()
    {
        RtpStream stream = Stream();
        using var clock = new MediaClock(time, NullLogger.Instance);
        var finished = new List<PlaybackResult>();
        var playout = new LegPlayout(stream, clock, finished.Add);
        short[] prompt = TestAudio.Sine(500, 200); // 10 frames

        Task<PlaybackResult> playing = playout.Play([prompt], new PlaybackOptions(), CancellationToken.None);
        Assert.Equal(1, clock.ClientCount);
        Assert.Equal((true, false), Held(stream));
        Tick(clock, 3);
        Task digit = playout.SendDtmf(new DtmfSendJob('7', 7, 480, inBand: false), CancellationToken.None);
        Tick(clock, 1);
        Assert.Equal((true, true), Held(stream)); // relayed audio and events wait while the digit goes out
        Tick(clock, 4); // two updates, then the end three times (RFC 4733 §2.5.1.4)
        Assert.True(digit.IsCompletedSuccessfully);
        Assert.Equal((true, false), Held(stream));
        Tick(clock, 20);
        Assert.Equal((false, false), Held(stream)); // relayed media may flow again

        Assert.Equal(PlaybackOutcome.Completed, (await playing).Outcome);
        Assert.Equal(PlaybackOutcome.Completed, Assert.Single(finished).Outcome);
        Assert.Equal(0, clock.ClientCount); // off the clock once idle
        List<RtpHeader> headers = [.. Enumerable.Range(0, sender.Rtp.Count).Select(sender.Header)];
        Assert.Equal(3 + 5 + 7, headers.Count);
        Assert.All(headers.Take(3), h => Assert.Equal(0, h.PayloadType));
        Assert.All(headers.Skip(3).Take(5), h => Assert.Equal(101, h.PayloadType));
        Assert.All(headers.Skip(8), h => Assert.Equal(0, h.PayloadType));
        Assert.True(headers[0].Marker);
        Assert.True(headers[3].Marker); // the event starts
        Assert.True(headers[8].Marker); // the prompt resumes on a new segment
        Assert.Equal(headers[3].Timestamp, headers[7].Timestamp); // one event, one timestamp
        Assert.True(TelephoneEvent.TryParse(sender.Rtp[7].AsSpan(12), out TelephoneEvent end) && end.End && end.Duration == 480);
        for (int i = 1; i < headers.Count; i++)
        {
            Assert.Equal((ushort)(headers[i - 1].SequenceNumber + 1), headers[i].SequenceNumber);
        }

        // One timeline: the event starts a frame after the prompt's last, the prompt resumes a frame after the event's end.
        Assert.Equal(headers[2].Timestamp + 160, headers[3].Timestamp);
        Assert.Equal(headers[3].Timestamp + 480 + 160, headers[8].Timestamp);
    }

    [Fact]
    public async Task Playout_ends_a_barge_in_playback_on_a_digit_and_cancels_queued_digits_on_close()
    {
        RtpStream stream = Stream(Pcmu with { TelephoneEventPayloadType = null });
        using var clock = new MediaClock(time, NullLogger.Instance);
        var playout = new LegPlayout(stream, clock, _ => { });
        Task<PlaybackResult> playing = playout.Play([TestAudio.Sine(500, 1000)], new PlaybackOptions { BargeIn = true }, CancellationToken.None);
        Tick(clock, 2);

        playout.BargeIn('3');

        Assert.Equal(new PlaybackResult(PlaybackOutcome.Interrupted, '3'), await playing);
        Task digit = playout.SendDtmf(new DtmfSendJob('1', 1, 800, inBand: true), CancellationToken.None);
        Tick(clock, 1);
        Assert.Equal(0, sender.Header(2).PayloadType); // no telephone-event: an in-band tone in the audio
        playout.Close();
        Assert.True(digit.IsCanceled);
        Assert.Equal(0, clock.ClientCount);
    }

    [Fact]
    public void Rtcp_reports_what_was_sent_and_received_and_takes_the_peers_report_about_our_stream()
    {
        RtpStream stream = Stream();
        var rtcp = new RtcpSession(stream, time, TimeSpan.FromSeconds(5), "cc-test@127.0.0.1");
        rtcp.Send(bye: false);
        Assert.True(RtcpCompound.TryParse(sender.Rtcp[0], out RtcpCompound? empty));
        Assert.Null(empty!.SenderInfo); // nothing sent yet: a receiver report
        Assert.Empty(empty.Reports);

        lock (stream.Gate)
        {
            stream.SendRelayedAudio(Pcmu, Relayed(5, 1, 100), new byte[160], AudioCodec.Pcmu);
        }

        for (ushort seq = 1; seq <= 10; seq++)
        {
            if (seq != 4)
            {
                rtcp.OnRtpReceived(new RtpHeader { PayloadType = 0, SequenceNumber = seq, Timestamp = seq * 160u, Ssrc = 0xCAFE }, time.GetTimestamp());
            }

            time.Advance(TimeSpan.FromMilliseconds(20));
        }

        rtcp.Send(bye: true);

        Assert.True(RtcpCompound.TryParse(sender.Rtcp[1], out RtcpCompound? report));
        Assert.Equal(1u, report!.SenderInfo!.Value.PacketCount);
        RtcpReportBlock block = Assert.Single(report.Reports);
        Assert.Equal(0xCAFEu, block.Ssrc);
        Assert.Equal(1, block.CumulativeLost);
        Assert.Equal(2, rtcp.Sent);
        Assert.Equal((9L, 1L), (rtcp.ReceptionCounters().Received, rtcp.ReceptionCounters().Lost));

        byte[] theirs = new byte[256];
        int length = RtcpCompound.Write(theirs, 0xCAFE, new RtcpSenderInfo(1UL << 40, 1, 2, 3), [new RtcpReportBlock(stream.Ssrc, 12, 3, 99, 7, 0, 0)], "peer", bye: false);
        Assert.True(rtcp.OnPacket(theirs.AsSpan(0, length)));
        Assert.False(rtcp.OnPacket([1, 2, 3]));
        Assert.Equal(3, rtcp.RemoteReport!.Value.CumulativeLost);
        Assert.Equal(1, rtcp.Received);
    }

    [Fact]
    public async Task The_transport_latches_the_first_source_holds_it_against_strays_and_follows_a_moved_peer()
    {
        using Socket rtp = Bound(), rtcp = Bound();
        await using var transport = new LegTransport("t", rtp, rtcp, ioLoop: null, symmetricRtp: true, time, NullLogger.Instance);
        transport.SetRemote(new IPEndPoint(IPAddress.Loopback, 4000), new IPEndPoint(IPAddress.Loopback, 4001));
        SocketAddress first = new IPEndPoint(IPAddress.Loopback, 5000).Serialize(), stray = new IPEndPoint(IPAddress.Loopback, 6000).Serialize();

        Assert.True(transport.Accept(first, time.GetTimestamp()));
        Assert.Equal(5000, transport.RemoteRtpEndPoint!.Port);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(transport.Accept(stray, time.GetTimestamp())); // the latched source spoke 1 s ago
        Assert.Equal(5000, transport.RemoteRtpEndPoint!.Port);
        time.Advance(TimeSpan.FromSeconds(2.5));
        Assert.True(transport.Accept(stray, time.GetTimestamp())); // quiet for 3.5 s: the peer moved
        Assert.Equal(6000, transport.RemoteRtpEndPoint!.Port);

        Assert.False(transport.CheckSilence(TimeSpan.FromSeconds(5), time.GetTimestamp(), out _));
        time.Advance(TimeSpan.FromSeconds(6));
        Assert.True(transport.CheckSilence(TimeSpan.FromSeconds(5), time.GetTimestamp(), out TimeSpan silence));
        Assert.Equal(TimeSpan.FromSeconds(6), silence);
        Assert.False(transport.CheckSilence(TimeSpan.FromSeconds(5), time.GetTimestamp(), out _)); // once per silence
    }

    [Fact]
    public void Dtmf_input_listens_in_band_only_without_telephone_events_and_reports_sip_info()
    {
        var digits = new List<DtmfReceivedEventArgs>();
        var input = new DtmfInput(time, digits.Add);
        input.Configure(telephoneEvents: true);
        Assert.False(input.ListensInBand);
        input.Configure(telephoneEvents: false);
        Assert.True(input.ListensInBand);

        short[] tone = new short[160 * 5];
        GoertzelDtmfDetector.GenerateTone('9', tone, 0);
        byte[] ulaw = new byte[tone.Length];
        G711.Encode(AudioCodec.Pcmu, tone, ulaw);
        for (int i = 0; i < 5; i++)
        {
            input.OnAudio(AudioCodec.Pcmu, ulaw.AsSpan(i * 160, 160));
        }

        input.OnAudio(AudioCodec.Pcmu, new byte[160].AsSpan()); // silence ends it
        input.OnAudio(AudioCodec.Pcmu, new byte[160].AsSpan());
        input.OnSipInfo('d', TimeSpan.FromMilliseconds(250));

        Assert.Equal(['9', 'D'], digits.Select(d => d.Digit));
        Assert.Equal([DtmfSource.InBand, DtmfSource.SipInfo], digits.Select(d => d.Source));
    }

    private static (bool Audio, bool Digit) Held(RtpStream stream)
    {
        lock (stream.Gate)
        {
            return (stream.HeldByPlayout, stream.SendingDigit);
        }
    }

    /// <summary>Runs <paramref name="ticks"/> 20 ms ticks of the clock, one at a time, on the fake time.</summary>
    private void Tick(MediaClock clock, int ticks)
    {
        for (int i = 0; i < ticks; i++)
        {
            clock.RunDue(time.GetTimestamp());
            time.Advance(MediaClock.Period);
        }
    }

    private static Socket Bound()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return socket;
    }
}
