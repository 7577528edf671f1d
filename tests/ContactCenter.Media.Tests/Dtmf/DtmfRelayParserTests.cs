using ContactCenter.Media.Dtmf;

namespace ContactCenter.Media.Tests.Dtmf;

public class DtmfRelayParserTests
{
    [Theory]
    [InlineData("application/dtmf-relay", "Signal=5\r\nDuration=160\r\n", '5', 160)]
    [InlineData("application/dtmf-relay; charset=x", "Signal= *\nDuration= 250", '*', 250)]
    [InlineData("Application/DTMF-Relay", "signal=#", '#', 100)]
    [InlineData("application/dtmf-relay", "Signal=10\r\nDuration=100", '*', 100)]
    [InlineData("application/dtmf-relay", "Signal=11\r\nDuration=100", '#', 100)]
    [InlineData("application/dtmf-relay", "Signal=d\r\nDuration=100", 'D', 100)]
    [InlineData("application/dtmf", "7", '7', 100)]
    public void Valid_bodies_give_the_digit_and_duration(string contentType, string body, char digit, int ms)
    {
        Assert.True(DtmfRelayParser.TryParse(contentType, body, out char parsed, out TimeSpan duration, out string? error), error);
        Assert.Equal(digit, parsed);
        Assert.Equal(TimeSpan.FromMilliseconds(ms), duration);
    }

    [Theory]
    [InlineData("application/sdp", "Signal=5", "Content-Type")]
    [InlineData("application/dtmf-relay", "Duration=160", "no Signal")]
    [InlineData("application/dtmf-relay", "Signal=X", "'X'")]
    [InlineData("application/dtmf-relay", "Signal=5\nDuration=abc", "Duration")]
    [InlineData("application/dtmf-relay", "", "no Signal")]
    [InlineData("application/dtmf", "99", "'99'")]
    public void Bad_bodies_are_refused_with_a_reason(string contentType, string body, string reason)
    {
        Assert.False(DtmfRelayParser.TryParse(contentType, body, out _, out _, out string? error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }
}
