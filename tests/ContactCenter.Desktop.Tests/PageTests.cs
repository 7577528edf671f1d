using System.Net;
using ContactCenter.Desktop.Tests.Infrastructure;

namespace ContactCenter.Desktop.Tests;

/// <summary>The pages and the bundles built by `dotnet build` are served by MapDesktop.</summary>
public sealed class PageTests : IAsyncLifetime
{
    private DesktopTestHost host = null!;
    private HttpClient http = null!;

    public async Task InitializeAsync()
    {
        host = await DesktopTestHost.StartAsync();
        http = new HttpClient { BaseAddress = host.BaseAddress };
    }

    public async Task DisposeAsync()
    {
        http.Dispose();
        await host.DisposeAsync();
    }

    [Theory]
    [InlineData("/", "/desktop/dist/signin.js")]
    [InlineData("/agent", "/desktop/dist/agent.js")]
    [InlineData("/board", "/desktop/dist/board.js")]
    [InlineData("/call", "/desktop/dist/call.js")]
    public async Task Pages_are_served_with_their_script_and_a_content_security_policy(string page, string script)
    {
        using var response = await http.GetAsync(new Uri(page, UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("script-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Contains(script, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var js = await http.GetAsync(new Uri(script, UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, js.StatusCode);
        Assert.Equal("text/javascript", js.Content.Headers.ContentType?.MediaType);
        Assert.True(js.Content.Headers.ContentLength > 1000, "the esbuild bundle should be embedded");
    }

    [Fact]
    public async Task Assets_answer_304_to_a_matching_etag_and_404_to_unknown_paths()
    {
        using var first = await http.GetAsync(new Uri("/desktop/desktop.css", UriKind.Relative));
        var etag = first.Headers.ETag;
        Assert.NotNull(etag);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/desktop/desktop.css");
        request.Headers.IfNoneMatch.Add(etag);
        using var again = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotModified, again.StatusCode);

        using var missing = await http.GetAsync(new Uri("/desktop/../appsettings.json", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using var missing2 = await http.GetAsync(new Uri("/desktop/dist/nothing.js", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, missing2.StatusCode);
    }
}
