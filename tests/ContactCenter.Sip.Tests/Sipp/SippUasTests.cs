using ContactCenter.Sip.Message;

namespace ContactCenter.Sip.Tests.Sipp;

/// <summary>SIPp's built-in uac against our UAS over loopback.</summary>
[Collection("sipp")]
public class SippUasTests
{
    [Theory]
    [InlineData("u1", 0)]
    [InlineData("t1", 0)]
    [InlineData("u1", 10)]
    public async Task Sipp_uac_calls_complete_against_our_uas(string transport, int lossPercent)
    {
        // SIPp plays a trunk here (20 calls a second from one address): exempt from the per-source rate set for phones,
        // as the gateway exempts its trunks' addresses.
        await using var ep = TestSupport.StartEndpoint(o => o.RateLimitExempt = "127.0.0.1");
        var uas = new AnsweringUas(ep);
        var calls = lossPercent > 0 ? 20 : 30;
        var lost = lossPercent > 0 ? $" -lost {lossPercent}" : "";
        var r = await SippRunner.RunAsync(
            $"-sn uac -t {transport} -i 127.0.0.1 -m {calls} -r 20 -l 20 -d 100{lost} -timeout 90s -timeout_error -max_retrans 10 -trace_err 127.0.0.1:{ep.Port}",
            TimeSpan.FromSeconds(100));
        var (ok, failed) = SippRunner.Totals(r.Output);
        Assert.True(r.ExitCode == 0, $"sipp exit {r.ExitCode}\n{r.Output}");
        Assert.True(ok == calls && failed == 0, $"{ok} ok, {failed} failed\n{r.Output}");
        Assert.Equal(calls, uas.Answered);
        // Under loss a dialog whose ACK and BYE handling straddle a lost packet may only end by
        // the 64*T1 ACK timeout (BYE from us): allow that window, but no dialog may be left behind.
        await WaitForAsync(() => ep.DialogCount == 0, TimeSpan.FromSeconds(40));
        Assert.Equal(0, ep.DialogCount);
    }

    internal static async Task WaitForAsync(Func<bool> condition, TimeSpan timeout)
    {
        var start = TimeProvider.System.GetTimestamp();
        while (!condition() && TimeProvider.System.GetElapsedTime(start) < timeout)
        {
            await Task.Delay(20);
        }
    }
}
