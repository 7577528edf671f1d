using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using ContactCenter.Host.Tests.EndToEnd;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ContactCenter.Host.Tests.Security;

/// <summary>
/// Issue 17 in a real browser (Debian's Chromium) against the real host: after sign-in the token is only in the HttpOnly,
/// SameSite=Strict cc_token cookie — document.cookie and the page's storage hold no token — and the desktop still works with
/// it (the agent hub is Live). When a supervisor deactivates the agent, the page's hub connection is closed and the page goes
/// back to sign-in by itself.
/// </summary>
public sealed class BrowserTokenCookieTests
{
    [Fact]
    public async Task The_desktops_scripts_never_see_the_token_and_a_deactivated_agents_page_is_signed_out()
    {
        Assert.True(File.Exists(BrowserCallTests.ChromiumPath), $"the browser test needs Debian's Chromium at {BrowserCallTests.ChromiumPath} (apt-get install chromium); ./test.sh installs it");
        SetDefaultExpectTimeout(20_000);
        await using var host = HostProcess.Start();
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(45));
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await BrowserCallTests.LaunchChromiumAsync(playwright);
        var page = await BrowserCallTests.SignInAsync(browser, host, "bob", "/agent");

        var cookies = await page.Context.CookiesAsync();
        var cookie = Assert.Single(cookies, c => c.Name == "cc_token");
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);
        Assert.False(cookie.Secure); // plain HTTP on loopback here; Secure whenever the request is HTTPS
        Assert.StartsWith("eyJ", cookie.Value, StringComparison.Ordinal);

        var seen = await page.EvaluateAsync<string>(
            "() => [document.cookie, JSON.stringify({ ...sessionStorage }), JSON.stringify({ ...localStorage })].join('\\n')");
        Assert.DoesNotContain("cc_token", seen, StringComparison.Ordinal);
        Assert.DoesNotContain(cookie.Value, seen, StringComparison.Ordinal);
        Assert.DoesNotContain("eyJ", seen, StringComparison.Ordinal); // no JWT of any kind
        // Who signed in is kept (for the page's header), and only that.
        var session = await page.EvaluateAsync<string>("() => sessionStorage.getItem('cc_session')");
        Assert.Contains("\"login\":\"bob\"", session, StringComparison.Ordinal);

        // The REST API works from the page with the cookie alone.
        var status = await page.EvaluateAsync<int>("async () => (await fetch('/api/auth/session')).status");
        Assert.Equal(200, status);

        // sam deactivates bob: bob's hub connection is closed and his page finds its sign-in gone.
        using var sam = await SecurityClient.SignedInAsync(host.BaseAddress, "sam");
        using (var put = await sam.PutAsJsonAsync(new Uri("/api/agents/bob", UriKind.Relative), new { active = false }))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        await Expect(page).ToHaveURLAsync(new Regex(@"/(\?.*)?$"));
        await Expect(page.GetByTestId("sign-in-form")).ToBeVisibleAsync();
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == "cc_token" && c.Value.Length > 0);
    }
}
