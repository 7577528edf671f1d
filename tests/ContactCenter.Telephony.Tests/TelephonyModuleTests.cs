using ContactCenter.Telephony.Configuration;
using ContactCenter.Telephony.Gateway;
using MassTransit;
using ContactCenter.Telephony.Ivr;
using ContactCenter.Telephony.Tests.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ContactCenter.Telephony.Tests;

public sealed class TelephonyModuleTests
{
    [Fact]
    public async Task Host_starts_with_the_demo_config_and_serves_the_ivr_engine()
    {
        using var host = BuildHost(TestPaths.ConfigFolder);

        await host.StartAsync();

        var config = host.Services.GetRequiredService<TelephonyConfig>();
        Assert.Equal("main", config.Dids["1000"].Flow.Name);
        var session = host.Services.GetRequiredService<IvrEngine>().CreateSession("1000");
        Assert.NotNull(session);
        await host.StopAsync();
    }

    [Fact]
    public async Task Default_config_path_is_found_above_the_content_root()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            ContentRootPath = Path.Combine(Path.GetDirectoryName(TestPaths.ConfigFolder)!, "src"),
            DisableDefaults = true,
        });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Sip:Port"] = "0" });
        AddTelephonyWithBus(builder);
        using var host = builder.Build();

        await host.StartAsync();

        Assert.Equal(Path.GetFullPath(TestPaths.ConfigFolder), host.Services.GetRequiredService<TelephonyConfig>().RootPath);
        await host.StopAsync();
    }

    [Fact]
    public async Task Host_refuses_to_start_with_a_broken_config_and_names_file_line_and_field()
    {
        using var folder = new ConfigFolder().Write("ivr/test.yaml", """
            name: test
            start: menu
            nodes:
              menu:
                type: menu
                prompts: [menu/main]
                options: { "1": sales }
                timeout: forever
                default: sales
              sales:
                type: queue
                queue: sales
            """);
        using var host = BuildHost(folder.Root);

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        var failure = Assert.Single(ex.Failures);
        Assert.Contains("Telephony:ConfigPath", failure, StringComparison.Ordinal);
        Assert.Contains("ivr/test.yaml:8:", failure, StringComparison.Ordinal);
        Assert.Contains("nodes.menu.timeout", failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Host_refuses_to_start_when_the_config_folder_is_missing()
    {
        using var host = BuildHost(Path.Combine(Path.GetTempPath(), "no-such-telephony-config-" + Guid.NewGuid().ToString("N")));

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("does not exist", Assert.Single(ex.Failures), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gateway_listens_for_sip_on_udp_and_tcp_when_the_host_starts()
    {
        using var host = BuildHost(TestPaths.ConfigFolder);

        await host.StartAsync();

        var sip = host.Services.GetRequiredService<SipGateway>().Sip;
        Assert.NotNull(sip);
        Assert.NotNull(sip.UdpEndPoint);
        Assert.NotNull(sip.TcpEndPoint);
        Assert.NotEqual(0, sip.Port);
        await host.StopAsync();
    }

    [Fact]
    public async Task Host_refuses_to_start_with_bad_voicemail_settings_and_names_each_key()
    {
        using var host = BuildHost(TestPaths.ConfigFolder, new()
        {
            ["Telephony:VoicemailPath"] = " ",
            ["Telephony:Voicemail:MaxLength"] = "00:00:01",
            ["Telephony:Voicemail:SilenceThresholdDbfs"] = "3",
        });

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(ex.Failures, f => f.StartsWith("Telephony:VoicemailPath is empty", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.StartsWith("Telephony:Voicemail:MaxLength must be between", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.StartsWith("Telephony:Voicemail:MinLength must be", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.StartsWith("Telephony:Voicemail:SilenceThresholdDbfs must be between", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Voicemail_settings_have_defaults_and_can_be_set()
    {
        using var host = BuildHost(TestPaths.ConfigFolder, new()
        {
            ["Telephony:Voicemail:MaxLength"] = "00:01:00",
        });

        await host.StartAsync();

        var options = host.Services.GetRequiredService<IOptions<GatewayOptions>>().Value;
        Assert.Equal("data/voicemail", options.VoicemailPath);
        Assert.Equal(TimeSpan.FromMinutes(1), options.Voicemail.MaxLength);
        Assert.Equal(TimeSpan.FromSeconds(2), options.Voicemail.MinLength);
        Assert.Equal(-40, options.Voicemail.SilenceThresholdDbfs);
        await host.StopAsync();
    }

    private static IHost BuildHost(string configPath, Dictionary<string, string?>? settings = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Telephony:ConfigPath"] = configPath,
            ["Sip:ListenAddress"] = "127.0.0.1",
            ["Sip:Port"] = "0",
        });
        builder.Configuration.AddInMemoryCollection(settings ?? []);
        AddTelephonyWithBus(builder);
        return builder.Build();
    }

    /// <summary>The module as the host composes it: its services plus its consumers on an in-memory bus.</summary>
    private static void AddTelephonyWithBus(HostApplicationBuilder builder)
    {
        builder.Services.AddTelephony(builder.Configuration);
        builder.Services.AddMassTransit(bus =>
        {
            bus.AddTelephonyConsumers();
            bus.UsingInMemory((context, cfg) => cfg.ConfigureEndpoints(context));
        });
    }
}
