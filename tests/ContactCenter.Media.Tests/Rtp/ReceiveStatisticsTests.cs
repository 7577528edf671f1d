using ContactCenter.Media.Rtp;

namespace ContactCenter.Media.Tests.Rtp;

public class ReceiveStatisticsTests
{
    [Fact]
    public void Gaps_count_as_lost_across_a_sequence_wrap()
    {
        var stats = new ReceiveStatistics();
        ushort seq = 65530;
        uint ts = 1000;
        for (int i = 0; i < 20; i++)
        {
            if (i is not 3 and not 8)
            {
                stats.Update(5, seq, ts, ts + 50);
            }

            seq++;
            ts += 160;
        }

        Assert.Equal(18, stats.PacketsReceived);
        Assert.Equal(2, stats.CumulativeLost);
        Assert.Equal((uint)(65536 + 13), stats.ExtendedHighestSequence);
        RtcpReportBlock block = stats.BuildReport(0, 0);
        Assert.Equal((byte)(2 * 256 / 20), block.FractionLost);
        Assert.Equal(0u, block.Jitter);
    }

    [Fact]
    public void Jitter_follows_the_rfc_3550_estimator()
    {
        var stats = new ReceiveStatistics();
        stats.Update(1, 1, 0, 1000);
        stats.Update(1, 2, 160, 1000 + 160 + 16); // 16 units late: J = 16/16 = 1
        Assert.Equal(1u, stats.Jitter);
    }
}
