using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace ContactCenter.Host.Tests.Security;

/// <summary>
/// Issue 17: /metrics and the health details only for the monitoring network (Monitoring:AllowedNetworks, loopback by default)
/// or with Monitoring:Token; others get 404 for /metrics and the bare status from /health/ready.
/// </summary>
public sealed class MonitoringAccessTests
{
    private const string Token = "a-monitoring-token-of-forty-characters-0";

    [Fact]
    public async Task Outside_the_monitoring_network_metrics_need_the_token_and_health_has_no_details()
    {
        await using var host = HostProcess.Start(new Dictionary<string, string>
        {
            ["Monitoring__AllowedNetworks"] = "10.99.0.0/16, 192.168.77.1",
            ["Monitoring__Token"] = Token,
        });
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(45));
        using var outsider = SecurityClient.From(IPAddress.Loopback, host.BaseAddress);

        Assert.Equal(HttpStatusCode.NotFound, (await outsider.GetAsync(new Uri("/metrics", UriKind.Relative))).StatusCode);
        using (var wrong = new HttpRequestMessage(HttpMethod.Get, new Uri("/metrics", UriKind.Relative)))
        {
            wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token[..^1] + "1");
            Assert.Equal(HttpStatusCode.NotFound, (await outsider.SendAsync(wrong)).StatusCode);
        }

        var brief = await outsider.GetStringAsync(new Uri("/health/ready", UriKind.Relative));
        Assert.Equal("{\"status\":\"Healthy\"}", brief);

        using var monitoring = SecurityClient.From(IPAddress.Loopback, host.BaseAddress, Token);
        using var metrics = await monitoring.GetAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        Assert.Contains("# TYPE ", await metrics.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var detailed = await monitoring.GetStringAsync(new Uri("/health/ready", UriKind.Relative));
        Assert.Contains("\"checks\":[", detailed, StringComparison.Ordinal);
        Assert.Contains("crm-database", detailed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_trusted_proxys_forwarded_address_counts_and_an_untrusted_clients_does_not()
    {
        // The host trusts 127.0.0.3 as its proxy: a request from there saying it is for 10.99.1.2 (a monitoring address)
        // gets /metrics; the same header from 127.0.0.4 (not a proxy) is ignored, and loopback is not monitoring here.
        await using var host = HostProcess.Start(new Dictionary<string, string>
        {
            ["Monitoring__AllowedNetworks"] = "10.99.0.0/16",
            ["Web__TrustedProxies"] = "127.0.0.3",
        });
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(45));
        using var proxy = SecurityClient.From(IPAddress.Parse("127.0.0.3"), host.BaseAddress);
        proxy.DefaultRequestHeaders.Add("X-Forwarded-For", "10.99.1.2");
        using var spoofer = SecurityClient.From(IPAddress.Parse("127.0.0.4"), host.BaseAddress);
        spoofer.DefaultRequestHeaders.Add("X-Forwarded-For", "10.99.1.2");

        Assert.Equal(HttpStatusCode.OK, (await proxy.GetAsync(new Uri("/metrics", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await spoofer.GetAsync(new Uri("/metrics", UriKind.Relative))).StatusCode);

        // Behind the proxy that says the client's request was HTTPS, the sign-in cookie is Secure; without it, not.
        proxy.DefaultRequestHeaders.Add("X-Forwarded-Proto", "https");
        using var secure = await proxy.PostAsJsonAsync(new Uri("/api/auth/session", UriKind.Relative), new { login = "alice", password = "demo" });
        Assert.Equal(HttpStatusCode.OK, secure.StatusCode);
        Assert.Contains("; secure", Assert.Single(secure.Headers.GetValues("Set-Cookie")), StringComparison.OrdinalIgnoreCase);
        spoofer.DefaultRequestHeaders.Add("X-Forwarded-Proto", "https");
        using var plain = await spoofer.PostAsJsonAsync(new Uri("/api/auth/session", UriKind.Relative), new { login = "alice", password = "demo" });
        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        Assert.DoesNotContain("secure", Assert.Single(plain.Headers.GetValues("Set-Cookie")), StringComparison.OrdinalIgnoreCase);
    }
}
