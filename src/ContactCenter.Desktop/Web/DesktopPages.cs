using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace ContactCenter.Desktop.Web;

/// <summary>The pages (<c>/</c> sign-in, <c>/agent</c>, <c>/board</c>, <c>/reports</c>, the customer's <c>/call</c>) and their assets under <c>/desktop/</c>.</summary>
internal static class DesktopPages
{
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; " +
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    public static void Map(IEndpointRouteBuilder app)
    {
        var pages = app.MapGroup("").ExcludeFromDescription().AllowAnonymous();
        pages.MapGet("/", (HttpContext http, DesktopAssets assets) => Serve(http, assets, "index.html"));
        pages.MapGet("/agent", (HttpContext http, DesktopAssets assets) => Serve(http, assets, "agent.html"));
        pages.MapGet("/board", (HttpContext http, DesktopAssets assets) => Serve(http, assets, "board.html"));
        pages.MapGet("/reports", (HttpContext http, DesktopAssets assets) => Serve(http, assets, "reports.html"));
        // The customer's "call us" page: no sign-in; it dials a DID over /sip as a web caller (a webCallers trunk admits it).
        pages.MapGet("/call", (HttpContext http, DesktopAssets assets) => Serve(http, assets, "call.html"));
        pages.MapGet("/desktop/{**path}", (HttpContext http, DesktopAssets assets, string path) => Serve(http, assets, path));
    }

    private static IResult Serve(HttpContext http, DesktopAssets assets, string path)
    {
        if (!assets.TryGet(path, out var asset))
        {
            return TypedResults.NotFound();
        }

        var headers = http.Response.Headers;
        headers.ETag = asset.ETag;
        headers.CacheControl = "no-cache";
        headers.XContentTypeOptions = "nosniff";
        if (path.EndsWith(".html", StringComparison.Ordinal))
        {
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers["Referrer-Policy"] = "no-referrer";
        }

        if (http.Request.Headers.IfNoneMatch.Contains(asset.ETag))
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        return TypedResults.Bytes(asset.Content, asset.ContentType);
    }
}
