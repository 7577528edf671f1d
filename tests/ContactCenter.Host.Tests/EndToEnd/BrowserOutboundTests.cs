using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ContactCenter.Host.Tests.EndToEnd;

/// <summary>
/// Click to dial in a real browser (Debian's Chromium driven by Playwright): alice finds Ada in the customer search, clicks Call
/// beside her number; her SIPp phone rings and answers first (showing the number), then SIPp as the carrier receives the call
/// from the trunk's caller id; the call card shows the outbound call through connected and wrap-up, and wrap-up completes as for
/// an inbound call. A number typed on the keypad for a do-not-call customer shows the refusal's reason.
/// </summary>
public sealed class BrowserOutboundTests
{
    [Fact]
    public async Task Alice_clicks_to_dial_Ada_and_the_carrier_receives_the_call_with_the_trunks_caller_id()
    {
        Assert.True(File.Exists(BrowserCallTests.ChromiumPath), $"the browser test needs Debian's Chromium at {BrowserCallTests.ChromiumPath} (apt-get install chromium); ./test.sh installs it");
        Directory.CreateDirectory(BrowserCallTests.Screenshots);
        SetDefaultExpectTimeout(20_000);
        var carrierPort = Sipp.FreeUdpPort();
        await using var host = CallPathTests.StartHost(("Telephony__ConfigPath", CallbackTests.CallbackConfig(carrierPort, attempts: 1)));
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        await CallPathTests.WithHostLogAsync(host, async () =>
        {
            var folder = Directory.CreateTempSubdirectory("cc-browser-").FullName;
            using var playwright = await Playwright.CreateAsync();
            await using var browser = await BrowserCallTests.LaunchChromiumAsync(playwright);

            await using var carrier = CallbackTests.StartCarrier(folder, carrierPort, "agent.xml", new()
            {
                ["body"] = "agent-answer.part",
                ["answer"] = "customer",
                ["ring_ms"] = "500",
                ["talk_ms"] = "3000",
                ["capture"] = "carrier-capture.part",
                ["caller_id"] = @"\" + OutboundCallTests.TrunkCallerId,
                ["after"] = "agent-send-bye.part",
            }, calls: 1);
            await using var phone = await CallbackTests.RegisterPhoneAsync(host, folder, "alice", calls: 1, shows: OutboundCallTests.AdaPhone);

            var agent = await BrowserCallTests.SignInAsync(browser, host, "alice", "/agent");
            await agent.GetByTestId("go-available").ClickAsync();
            await Expect(agent.GetByTestId("agent-state")).ToHaveTextAsync("Available");

            // A do-not-call customer: typed on the keypad, refused with the reason.
            await CreateDoNotCallCustomerAsync(host, "Nora Nocall", "+442079460977");

            await agent.GetByTestId("dial-number").FillAsync("+44 20 7946 0977");
            await agent.GetByTestId("dial-button").ClickAsync();
            await Expect(agent.GetByTestId("dial-refusal")).ToHaveTextAsync("Not called: Nora Nocall asked not to be called (do not call)");
            await Expect(agent.GetByTestId("no-call")).ToBeVisibleAsync();
            // The refusal is in Nora's history: a failed outbound call saying why.
            await using (var api = await AgentDesktopClient.ConnectAsync(host.BaseAddress, "alice"))
            {
                var found = await api.Api.GetFromJsonAsync<JsonElement>(new Uri("/api/customers?phone=%2B442079460977", UriKind.Relative));
                var nora = found.GetProperty("items")[0].GetProperty("id").GetString()!;
                var history = await api.Api.GetFromJsonAsync<JsonElement>(new Uri($"/api/customers/{nora}/interactions?page=1&pageSize=5", UriKind.Relative));
                var refused = Assert.Single(history.GetProperty("items").EnumerateArray());
                Assert.Equal(("outbound", "failed", "alice", "refused: Nora Nocall asked not to be called (do not call)"),
                    (refused.GetProperty("direction").GetString(), refused.GetProperty("outcome").GetString(), refused.GetProperty("agentId").GetString(),
                     refused.GetProperty("endReason").GetString()));
            }

            // Ada from the customer search: Call beside her number.
            await agent.GetByTestId("customer-search").FillAsync("Ada");
            await agent.GetByTestId("search-result").First.GetByRole(AriaRole.Button).First.ClickAsync();
            var call = agent.GetByTestId("customer-360").Locator($"[data-testid=call-customer][data-number=\"{OutboundCallTests.AdaPhone}\"]");
            await call.ClickAsync();

            await Expect(agent.GetByTestId("outbound-badge")).ToHaveTextAsync("Outbound");
            await Expect(agent.GetByTestId("caller")).ToHaveTextAsync(OutboundCallTests.AdaPhone);
            await Expect(agent.GetByTestId("outbound-customer")).ToHaveTextAsync("Ada Lovelace");
            await Expect(agent.GetByTestId("dial-refusal")).ToBeHiddenAsync();
            await Expect(agent.GetByTestId("call-phase")).ToHaveTextAsync("Connected");
            await agent.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserCallTests.Screenshots, "e2e-agent-outbound-connected.png"), FullPage = true });

            // Ada hangs up after 3 s: wrap-up as after any call.
            await Expect(agent.GetByTestId("call-phase")).ToHaveTextAsync("Wrap-up");
            await agent.GetByTestId("disposition").SelectOptionAsync("resolved");
            await agent.GetByTestId("complete-wrap-up").ClickAsync();
            await Expect(agent.GetByTestId("no-call")).ToBeVisibleAsync();
            await Expect(agent.GetByTestId("agent-state")).ToHaveTextAsync("Available");

            await carrier.AssertSucceededAsync(TimeSpan.FromSeconds(40));
            await phone.AssertSucceededAsync(TimeSpan.FromSeconds(40));
            Assert.Contains($"alice answered; dialling {OutboundCallTests.AdaPhone} via demo-carrier as {OutboundCallTests.TrunkCallerId}", host.StandardOutput, StringComparison.Ordinal);
        });
    }

    private static async Task CreateDoNotCallCustomerAsync(HostProcess host, string name, string phone)
    {
        var token = await AgentDesktopClient.SignInAsync(host.BaseAddress, "alice");
        using var api = new HttpClient { BaseAddress = host.BaseAddress };
        api.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var created = await System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(api, new Uri("/api/customers", UriKind.Relative),
            new { name, doNotCall = true, phones = new[] { phone } });
        created.EnsureSuccessStatusCode();
    }
}
