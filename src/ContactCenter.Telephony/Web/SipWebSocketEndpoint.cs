using System.Net;
using System.Net.WebSockets;
using ContactCenter.Telephony.Gateway;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ContactCenter.Telephony.Web;

/// <summary>
/// <c>/sip</c> on the web port: SIP over WebSocket (RFC 7118) for browser phones (agents) and the web caller page. The
/// upgrade needs the subprotocol <c>sip</c>; a page may connect from the product's own origin or from one configured in
/// <c>Telephony:WebSocket:AllowedOrigins</c>; the host's sign-in (the desktop's bearer token, from the <c>cc_token</c>
/// cookie, an <c>Authorization</c> header or an <c>access_token</c> query parameter) signs the connection in, so the agent's
/// browser registers their SIP address with no password. The accepted socket is served by the gateway's SIP endpoint.
/// </summary>
internal static class SipWebSocketEndpoint
{
    public const string Path = "/sip";
    private const string SubProtocol = "sip";

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var options = endpoints.ServiceProvider.GetRequiredService<IOptions<SipWebSocketOptions>>().Value;
        if (!options.Enabled)
        {
            return;
        }

        // Its own branch with the WebSockets middleware (as SignalR's MapHub does): the host's pipeline needs nothing more.
        var pipeline = endpoints.CreateApplicationBuilder();
        pipeline.UseWebSockets();
        pipeline.Run(HandleAsync);
        endpoints.Map(Path, pipeline.Build()).WithDisplayName("SIP over WebSocket").AllowAnonymous();
    }

    private static async Task HandleAsync(HttpContext context)
    {
        var services = context.RequestServices;
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SipWebSocketEndpoint).FullName!);
        var options = services.GetRequiredService<IOptions<SipWebSocketOptions>>().Value;
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status426UpgradeRequired;
            context.Response.Headers.Upgrade = "websocket";
            await context.Response.WriteAsync("SIP over WebSocket (RFC 7118): open a WebSocket with the subprotocol sip\n");
            return;
        }

        if (!context.WebSockets.WebSocketRequestedProtocols.Contains(SubProtocol))
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync("the WebSocket subprotocol sip is required (RFC 7118)\n");
            return;
        }

        var origin = context.Request.Headers.Origin.ToString();
        if (origin.Length > 0 && !IsAllowedOrigin(origin, context.Request, options))
        {
            logger.LogWarning("SIP WebSocket from {Remote} refused: origin {Origin} is neither this site nor in {Key}",
                context.Connection.RemoteIpAddress, origin, SipWebSocketOptions.Section + ":AllowedOrigins");
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            await context.Response.WriteAsync($"origin {origin} may not open {Path}\n");
            return;
        }

        if (services.GetRequiredService<SipGateway>().Sip is not { } sip)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return;
        }

        var connection = context.Connection;
        if (connection.RemoteIpAddress is not { } remoteAddress || connection.LocalIpAddress is not { } localAddress)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        var user = context.User.Identity?.IsAuthenticated == true ? context.User.FindFirst("sub")?.Value ?? context.User.Identity.Name : null;
        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            SubProtocol = SubProtocol,
            KeepAliveInterval = options.KeepAliveInterval,
            KeepAliveTimeout = options.KeepAliveInterval,
        });
        logger.LogDebug("SIP WebSocket from {Remote}:{Port} accepted ({User})", remoteAddress, connection.RemotePort, user ?? "not signed in");
        await sip.ServeWebSocketAsync(socket, new IPEndPoint(remoteAddress, connection.RemotePort), new IPEndPoint(localAddress, connection.LocalPort),
            context.Request.IsHttps, user, context.RequestAborted);
    }

    /// <summary>The page's origin is this site's (scheme, host and port the request was addressed to) or a configured one.</summary>
    internal static bool IsAllowedOrigin(string origin, HttpRequest request, SipWebSocketOptions options)
    {
        var normalised = SipWebSocketOptions.Normalise(origin);
        if (normalised is null)
        {
            return false;
        }

        var own = SipWebSocketOptions.Normalise($"{request.Scheme}://{request.Host.Value}");
        return normalised == own || options.NormalisedOrigins.Contains(normalised);
    }
}
