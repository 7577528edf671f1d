using ContactCenter.Telephony.Web;
using Microsoft.AspNetCore.Http;

namespace ContactCenter.Telephony.Tests.Web;

public sealed class SipWebSocketOptionsTests
{
    [Theory]
    [InlineData("https://Desk.Example.com", "https://desk.example.com:443")]
    [InlineData("http://localhost:5080", "http://localhost:5080")]
    [InlineData("http://[::1]:5080", "http://[::1]:5080")]
    [InlineData("https://desk.example.com/", null)]
    [InlineData("https://desk.example.com/phone", null)]
    [InlineData("desk.example.com", null)]
    [InlineData("ws://desk.example.com", null)]
    [InlineData("https://user@desk.example.com", null)]
    [InlineData("*", null)]
    public void Origins_are_scheme_host_and_port_only(string text, string? normalised) =>
        Assert.Equal(normalised, SipWebSocketOptions.Normalise(text));

    [Theory]
    [InlineData("http", "localhost:5080", "http://localhost:5080", true)]
    [InlineData("http", "LOCALHOST:5080", "http://localhost:5080", true)]
    [InlineData("https", "cc.example.com", "https://cc.example.com:443", true)]
    [InlineData("http", "localhost:5080", "http://localhost:5081", false)]
    [InlineData("http", "localhost:5080", "https://localhost:5080", false)]
    [InlineData("http", "localhost:5080", "https://desk.example.com", true)]
    [InlineData("http", "localhost:5080", "null", false)]
    public void The_sites_own_origin_and_configured_ones_are_allowed(string scheme, string host, string origin, bool allowed)
    {
        var request = new DefaultHttpContext().Request;
        request.Scheme = scheme;
        request.Host = new HostString(host);
        var options = new SipWebSocketOptions { AllowedOrigins = ["https://desk.example.com"] };
        Assert.Equal(allowed, SipWebSocketEndpoint.IsAllowedOrigin(origin, request, options));
    }

    [Fact]
    public void Bad_settings_name_their_key()
    {
        var result = new SipWebSocketOptionsValidator().Validate(null, new SipWebSocketOptions
        {
            AllowedOrigins = ["https://ok.example.com", "nope"],
            KeepAliveInterval = TimeSpan.Zero,
        });
        Assert.Equal(
            ["Telephony:WebSocket:AllowedOrigins:1 'nope' is not an origin: write scheme://host[:port], e.g. https://www.example.com (no path, no trailing slash)",
             "Telephony:WebSocket:KeepAliveInterval 00:00:00 must be from 00:00:01 to 00:10:00"],
            result.Failures);
    }
}
