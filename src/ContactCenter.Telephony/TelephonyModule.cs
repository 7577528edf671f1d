using ContactCenter.Media.Sessions;
using ContactCenter.Sip;
using ContactCenter.Sip.Auth;
using ContactCenter.Telephony.Configuration;
using ContactCenter.Telephony.Gateway;
using MassTransit;
using ContactCenter.Telephony.Ivr;
using ContactCenter.Telephony.Web;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ContactCenter.Telephony;

/// <summary>Registration of the telephony gateway's services.</summary>
public static class TelephonyModule
{
    /// <summary>
    /// Registers <see cref="TelephonyOptions"/> (section <c>Telephony</c>, validated at start: the whole of
    /// telephony-config is loaded and every error is reported with file, line and field), the loaded config and
    /// the IVR engine, and the gateway (SIP endpoint, B2BUA, its options <c>Sip:*</c>, <c>Media:*</c>, <c>Telephony:WebSocket:*</c>).
    /// </summary>
    public static IServiceCollection AddTelephony(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<TelephonyOptions>()
            .Bind(configuration.GetSection(TelephonyOptions.Section))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<TelephonyOptions>, TelephonyOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<TelephonyConfigSource>();
        services.TryAddSingleton(sp => sp.GetRequiredService<TelephonyConfigSource>()
            .Get(sp.GetRequiredService<IOptions<TelephonyOptions>>().Value.ConfigPath));
        services.TryAddSingleton<IvrEngine>();
        AddGateway(services, configuration);
        return services;
    }

    /// <summary>
    /// Maps the gateway's HTTP endpoints: <c>/sip</c>, SIP over WebSocket (RFC 7118, subprotocol <c>sip</c>) for browser
    /// phones and the web caller page, unless <c>Telephony:WebSocket:Enabled</c> is false; and for supervisors
    /// <c>/api/telephony/sip-security</c> (sources blocked for guessing SIP passwords).
    /// </summary>
    public static IEndpointRouteBuilder MapTelephony(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        SipWebSocketEndpoint.Map(app);
        SipSecurityApi.Map(app);
        return app;
    }

    /// <summary>Registers the gateway's bus consumers on this instance's own endpoint, <c>telephony-{GatewayId}</c>.</summary>
    public static void AddTelephonyConsumers(this IBusRegistrationConfigurator bus)
    {
        ArgumentNullException.ThrowIfNull(bus);
        bus.AddConsumer<ConnectCallToAgentConsumer, GatewayConsumerDefinition<ConnectCallToAgentConsumer>>();
        bus.AddConsumer<DivertQueuedCallConsumer, GatewayConsumerDefinition<DivertQueuedCallConsumer>>();
        bus.AddConsumer<ConnectOutboundCallConsumer, GatewayConsumerDefinition<ConnectOutboundCallConsumer>>();
        bus.AddConsumer<ReportLiveCallsConsumer, GatewayConsumerDefinition<ReportLiveCallsConsumer>>();
        bus.AddConsumer<QueueStatisticsConsumer, GatewayConsumerDefinition<QueueStatisticsConsumer>>();
        bus.AddConsumer<Gateway.Monitoring.MonitorCallConsumer, GatewayConsumerDefinition<Gateway.Monitoring.MonitorCallConsumer>>();
    }

    private static void AddGateway(IServiceCollection services, IConfiguration configuration)
    {
        services.AddMetrics();
        services.AddOptions<GatewayOptions>().Bind(configuration.GetSection(TelephonyOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<GatewayOptions>, GatewayOptionsValidator>();
        services.AddOptions<SipEndpointOptions>().Bind(configuration.GetSection("Sip")).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SipEndpointOptions>, SipOptionsValidator>();
        services.AddOptions<MediaOptions>()
            .Bind(configuration.GetSection(MediaOptions.SectionName))
            .PostConfigure(media =>
            {
                // Media follows the SIP address unless Media:BindAddress says otherwise (loopback in the demo).
                if (string.IsNullOrEmpty(configuration[$"{MediaOptions.SectionName}:BindAddress"]) && configuration["Sip:ListenAddress"] is { Length: > 0 } sipAddress)
                {
                    media.BindAddress = sipAddress;
                }
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<MediaOptions>, MediaOptionsValidator>();
        services.AddOptions<SipWebSocketOptions>().Bind(configuration.GetSection(SipWebSocketOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SipWebSocketOptions>, SipWebSocketOptionsValidator>();
        services.AddSingleton<ISipDigestVerifier, BusDigestVerifier>();
        services.AddSingleton<SipGateway>();
        services.AddHostedService(sp => sp.GetRequiredService<SipGateway>());
    }
}
