using ContactCenter.Sip.Message;
using ContactCenter.Telephony.Configuration;

namespace ContactCenter.Telephony.Tests.Configuration;

public sealed class OutboundConfigTests
{
    [Fact]
    public void The_demo_config_has_an_outbound_trunk_that_dials_any_e164_number()
    {
        var config = TelephonyConfigLoader.Load(TestPaths.ConfigFolder);

        var trunk = Assert.Single(config.DialPlan.Trunks);
        Assert.Equal(("demo-carrier", SipProtocol.Udp, "+442079460000"), (trunk.Name, trunk.Transport, trunk.CallerId));
        Assert.Same(trunk, config.DialPlan.TrunkFor("+442079460018"));
        Assert.Null(config.DialPlan.TrunkFor("07946"));
        Assert.Equal(3, config.CallbackSettings("support").Attempts);
    }

    [Theory]
    [InlineData("+44*", "+442079460018", true)]
    [InlineData("+44*", "+44", false)]
    [InlineData("+44*", "+14155550100", false)]
    [InlineData("+1NXXNXXXXXX", "+14155550100", true)]
    [InlineData("+1NXXNXXXXXX", "+11155550100", false)]
    [InlineData("+1NXXNXXXXXX", "+141555501001", false)]
    [InlineData("0800XXXXXX", "0800123456", true)]
    [InlineData("0800XXXXXX", "08001234567", false)]
    public void Dial_patterns_match_digits_X_N_and_a_final_star(string pattern, string number, bool matches)
    {
        Assert.Null(DialPattern.Check(pattern));
        Assert.Equal(matches, new DialPattern(pattern).Matches(number));
    }

    [Theory]
    [InlineData("+44 20 7946 0018", "+442079460018")]
    [InlineData("(020) 7946-0018", "02079460018")]
    [InlineData("sip:alice@host", null)]
    [InlineData("12", null)]
    [InlineData("", null)]
    public void Numbers_are_normalised_before_dialling(string text, string? expected) =>
        Assert.Equal(expected, DialPlan.Normalise(text));

    [Fact]
    public void A_broken_outbound_trunk_is_refused_with_file_line_and_field()
    {
        using var folder = new ConfigFolder().Write("trunks.yaml", """
            trunks:
              - name: local
                allow: [127.0.0.1]
                dids: ["1000", "2000"]
            outbound:
              - name: carrier
                address: carrier.example:5060
                transport: sctp
                callerId: "+44 20"
                dial: ["+44*", "4*4"]
                username: me
            """);

        var (config, errors) = TelephonyConfigLoader.TryLoad(folder.Root);

        Assert.Null(config);
        Assert.Contains(errors, e => e is { File: "trunks.yaml", Line: 7, Field: "outbound[0].address" });
        Assert.Contains(errors, e => e is { File: "trunks.yaml", Line: 8, Field: "outbound[0].transport" });
        Assert.Contains(errors, e => e is { File: "trunks.yaml", Line: 9, Field: "outbound[0].callerId" });
        Assert.Contains(errors, e => e is { File: "trunks.yaml", Line: 10, Field: "outbound[0].dial[1]" } && e.Message.Contains("'*' at position 2", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.File == "trunks.yaml" && e.Message.Contains("username and password go together", StringComparison.Ordinal));
    }

    [Fact]
    public void A_transfer_node_must_dial_a_number_an_outbound_trunk_may_dial()
    {
        using var folder = new ConfigFolder().Write("ivr/test.yaml", """
            name: test
            start: menu
            nodes:
              menu:
                type: menu
                prompts: [menu/main]
                options:
                  "1": operator
                  "2": abroad
                default: operator
              operator:
                type: transfer
                target: sip:operator@127.0.0.1
              abroad:
                type: transfer
                target: "+14155550100"
            """);

        var errors = TelephonyConfigLoader.TryLoad(folder.Root).Errors;

        Assert.Contains(errors, e => e is { File: "ivr/test.yaml", Line: 13, Field: "nodes.operator.target" } && e.Message.Contains("is not a number", StringComparison.Ordinal));
        Assert.Contains(errors, e => e is { File: "ivr/test.yaml", Line: 16, Field: "nodes.abroad.target" } && e.Message.Contains("no outbound trunk", StringComparison.Ordinal));
    }

    [Fact]
    public void A_callback_offer_without_any_outbound_trunk_is_refused()
    {
        using var folder = new ConfigFolder()
            .Write("trunks.yaml", """
                trunks:
                  - name: local
                    allow: [127.0.0.1]
                    dids: ["1000", "2000"]
                """)
            .Write("ivr/test.yaml", """
                name: test
                start: sales
                nodes:
                  sales:
                    type: queue
                    queue: sales
                    callback_after: 30s
                """);

        var errors = TelephonyConfigLoader.TryLoad(folder.Root).Errors;

        var error = Assert.Single(errors);
        Assert.Equal(("ivr/test.yaml", 7, "nodes.sales.callback_after"), (error.File, error.Line, error.Field));
        Assert.Contains("needs an outbound trunk", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Queue_callback_settings_are_read_and_an_unknown_mode_is_refused_at_start()
    {
        using var good = new ConfigFolder().Write("queues.yaml", """
            queues:
              - name: support
                callback: { mode: progressive, attempts: 5, retryAfterSeconds: 120, noAnswerSeconds: 20 }
              - name: billing
              - name: sales
                callback: { mode: preview, previewSeconds: 20, attempts: 2 }
            """);
        var config = TelephonyConfigLoader.Load(good.Root);
        Assert.Equal((5, TimeSpan.FromMinutes(2), TimeSpan.FromSeconds(20)),
            (config.CallbackSettings("support").Attempts, config.CallbackSettings("support").RetryAfter, config.CallbackSettings("support").NoAnswer));
        Assert.Equal(QueueCallbackSettings.Default, config.CallbackSettings("billing"));
        // A preview queue's callbacks are placed like progressive ones once the agent accepted the offer (routing's part).
        Assert.Equal(2, config.CallbackSettings("sales").Attempts);

        using var bad = new ConfigFolder().Write("queues.yaml", """
            queues:
              - name: support
                callback: { mode: predictive, attempts: 0, colour: blue }
              - name: billing
              - name: sales
            """);
        var errors = TelephonyConfigLoader.TryLoad(bad.Root).Errors;
        Assert.Contains(errors, e => e is { File: "queues.yaml", Line: 3, Field: "queues[0].callback.mode" } && e.Message.Contains("'predictive' is not one of progressive, preview", StringComparison.Ordinal));
        Assert.Contains(errors, e => e is { File: "queues.yaml", Field: "queues[0].callback.attempts" });
        Assert.Contains(errors, e => e is { File: "queues.yaml", Field: "queues[0].callback.colour" });
    }

    [Fact]
    public void Srtp_and_tls_settings_of_trunks_are_checked_with_file_line_and_field()
    {
        using var folder = new ConfigFolder().Write("trunks.yaml", """
            trunks:
              - name: local
                allow: [127.0.0.1]
                dids: ["1000", "2000"]
                srtp: mandatory
            outbound:
              - name: clear
                address: 127.0.0.1:5070
                transport: udp
                srtp: required
                tlsPin: "sha256:00"
                callerId: "+442079460000"
                dial: ["+44*"]
              - name: secure
                address: 127.0.0.1:5071
                transport: tls
                srtp: offered
                tlsCa: missing-ca.pem
                tlsPin: "AB"
                tlsServerName: "not a name"
                callerId: "+442079460000"
                dial: ["+1*"]
            """);

        var (config, errors) = TelephonyConfigLoader.TryLoad(folder.Root);

        Assert.Null(config);
        Assert.Contains(errors, e => e is { File: "trunks.yaml", Line: 5, Field: "trunks[0].srtp" } && e.Message.Contains("not one of off, offered, required", StringComparison.Ordinal));
        Assert.Contains(errors, e => e is { File: "trunks.yaml", Line: 10, Field: "outbound[0].srtp" } && e.Message.Contains("srtp: required needs transport: tls", StringComparison.Ordinal));
        Assert.Contains(errors, e => e is { File: "trunks.yaml", Line: 11, Field: "outbound[0].tlsPin" } && e.Message.Contains("transport: tls only", StringComparison.Ordinal));
        Assert.Contains(errors, e => e is { File: "trunks.yaml", Line: 18, Field: "outbound[1].tlsCa" } && e.Message.Contains("missing-ca.pem", StringComparison.Ordinal));
        Assert.Contains(errors, e => e is { File: "trunks.yaml", Line: 19, Field: "outbound[1].tlsPin" });
        Assert.Contains(errors, e => e is { File: "trunks.yaml", Line: 20, Field: "outbound[1].tlsServerName" });
    }

    [Fact]
    public void A_tls_trunk_with_srtp_and_a_pinned_certificate_loads()
    {
        var pin = string.Join(':', Enumerable.Repeat("AB", 32));
        using var folder = new ConfigFolder().Write("trunks.yaml", $$"""
            trunks:
              - name: local
                allow: [127.0.0.1]
                dids: ["1000", "2000"]
                srtp: offered
            outbound:
              - name: secure
                address: 127.0.0.1:5071
                transport: tls
                srtp: required
                tlsServerName: sip.carrier.example
                tlsPin: "sha256:{{pin}}"
                callerId: "+442079460000"
                dial: ["+44*"]
            """);

        var config = TelephonyConfigLoader.Load(folder.Root);

        Assert.Equal(ContactCenter.Telephony.Gateway.Legs.SrtpPolicy.Offered, config.Trunks[0].Srtp);
        var trunk = Assert.Single(config.DialPlan.Trunks);
        Assert.Equal((SipProtocol.Tls, ContactCenter.Telephony.Gateway.Legs.SrtpPolicy.Required), (trunk.Transport, trunk.Srtp));
        Assert.Equal("sip.carrier.example", trunk.TlsTrust!.ServerName);
        Assert.Equal(Enumerable.Repeat((byte)0xAB, 32), trunk.TlsTrust.PinnedSha256!);
        var request = ContactCenter.Telephony.Gateway.Legs.OutboundLegRequest.ThroughTrunk(trunk, "+442079460018", "127.0.0.1", "m", []);
        Assert.Equal(SipProtocol.Tls, request.Destination!.Protocol);
        Assert.IsType<ContactCenter.Telephony.Gateway.Legs.SdesLegSdp>(request.Sdp);
    }
}
