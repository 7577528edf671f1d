using System.Net;
using ContactCenter.Telephony.Configuration;

namespace ContactCenter.Telephony.Tests.Configuration;

/// <summary>Browsers calling a DID over SIP over WebSocket are admitted by a trunk with <c>webCallers: true</c>.</summary>
public sealed class WebCallerTrunkTests
{
    private const string Trunks = """
        trunks:
          - name: local
            allow: [127.0.0.1]
            dids: ["1000", "2000"]
          - name: web
            webCallers: true
            dids: ["1000"]
        """;

    [Fact]
    public void The_demo_admits_browsers_on_its_dids_through_the_web_trunk()
    {
        var config = TelephonyConfigLoader.Load(TestPaths.ConfigFolder);
        var web = config.Trunks.Single(t => t.WebCallers);
        Assert.Equal("web", web.Name);
        Assert.Empty(web.Allowed);
        foreach (var did in new[] { "1000", "1001", "1002" })
        {
            var decision = config.AuthorizeWebCaller(did);
            Assert.True(decision.Allowed, decision.Reason);
            Assert.Equal("web", decision.Trunk!.Name);
        }
    }

    [Fact]
    public void A_browser_may_dial_only_what_a_web_trunk_carries_and_never_passes_as_an_address()
    {
        using var folder = new ConfigFolder().Write("trunks.yaml", Trunks);
        var config = TelephonyConfigLoader.Load(folder.Root);

        Assert.True(config.AuthorizeWebCaller("1000").Allowed);
        var refused = config.AuthorizeWebCaller("2000");
        Assert.False(refused.Allowed);
        Assert.Equal("DID '2000' is not carried by web-caller trunk 'web' (or any web-caller trunk)", refused.Reason);
        // The web trunk has no addresses: an INVITE over UDP from anywhere else is still refused.
        Assert.False(config.AuthorizeInbound(IPAddress.Parse("192.0.2.9"), "1000").Allowed);
        Assert.Equal("local", config.AuthorizeInbound(IPAddress.Loopback, "1000").Trunk!.Name);
    }

    [Fact]
    public void Without_a_web_trunk_browsers_are_refused_with_the_reason()
    {
        using var folder = new ConfigFolder();
        var decision = TelephonyConfigLoader.Load(folder.Root).AuthorizeWebCaller("1000");
        Assert.False(decision.Allowed);
        Assert.Null(decision.Trunk);
        Assert.Equal("calls from browsers are not admitted: no trunk in trunks.yaml has webCallers: true", decision.Reason);
    }

    [Theory]
    [InlineData("""
        trunks:
          - name: web
            webCallers: true
            allow: [127.0.0.1]
            dids: ["1000"]
        """, 4, "trunks[0].allow", "a webCallers trunk admits browsers, not source addresses")]
    [InlineData("""
        trunks:
          - name: web
            webCallers: sometimes
            dids: ["1000"]
        """, 3, "trunks[0].webCallers", "expected true or false, got 'sometimes'")]
    [InlineData("""
        trunks:
          - name: web
            webCallers: false
            dids: ["1000"]
        """, 2, "trunks[0].allow", "is required")]
    public void A_bad_web_trunk_names_file_line_and_field(string trunks, int line, string field, string message)
    {
        using var folder = new ConfigFolder().Write("trunks.yaml", trunks).Write("dids.yaml", """
            dids:
              - did: "1000"
                flow: test
            """);
        var (config, errors) = TelephonyConfigLoader.TryLoad(folder.Root);
        Assert.Null(config);
        var error = Assert.Single(errors, e => e.File == "trunks.yaml");
        Assert.Equal(line, error.Line);
        Assert.Equal(field, error.Field);
        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }
}
