using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace ContactCenter.Host.Tests.EndToEnd;

/// <summary>
/// One host process (all modules, demo data) shared by the IVR's external checks: each check calls
/// in from a different demo customer's number and looks only at calls it placed itself.
/// </summary>
public sealed class IvrHostFixture : IAsyncLifetime
{
    private HostProcess? host;

    internal HostProcess Host => host ?? throw new InvalidOperationException("the host has not started");

    public async Task InitializeAsync()
    {
        // The free ports HostProcess picks are free when picked, not when the host binds them: on a busy machine
        // another process can take one in between. That race (and only that) earns a fresh start on new ports.
        for (var attempt = 1; ; attempt++)
        {
            host = CallPathTests.StartHost();
            try
            {
                await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
                return;
            }
            catch (InvalidOperationException error) when (attempt < 3 && error.Message.Contains("Address already in use", StringComparison.Ordinal))
            {
                await host.DisposeAsync();
            }
        }
    }

    public async Task DisposeAsync()
    {
        if (host is not null)
        {
            await host.DisposeAsync();
        }
    }

    /// <summary>The CRM's REST API as the demo supervisor sees it.</summary>
    internal async Task<HttpClient> ApiAsync()
    {
        var token = await AgentDesktopClient.SignInAsync(Host.BaseAddress, "sam");
        var api = new HttpClient { BaseAddress = Host.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return api;
    }

    /// <summary>The demo customer who owns <paramref name="phone"/>: id and name.</summary>
    internal static async Task<(string Id, string Name)> CustomerAsync(HttpClient api, string phone)
    {
        var page = await api.GetFromJsonAsync<JsonElement>(new Uri($"/api/customers?phone={Uri.EscapeDataString(phone)}", UriKind.Relative));
        var items = page.GetProperty("items");
        Assert.True(items.GetArrayLength() == 1, $"expected one demo customer with {phone}: {page}");
        return (items[0].GetProperty("id").GetString()!, items[0].GetProperty("name").GetString()!);
    }

    /// <summary>The customer's history (most recent first).</summary>
    internal static async Task<List<JsonElement>> HistoryAsync(HttpClient api, string customerId)
    {
        var page = await api.GetFromJsonAsync<JsonElement>(new Uri($"/api/customers/{customerId}/interactions?page=1&pageSize=50", UriKind.Relative));
        return [.. page.GetProperty("items").EnumerateArray()];
    }

    /// <summary>Polls the customer's history until a call not in <paramref name="before"/> satisfies <paramref name="ready"/>.</summary>
    internal static async Task<JsonElement> WaitForNewCallAsync(HttpClient api, string customerId, IReadOnlySet<string> before, Func<JsonElement, bool> ready, TimeSpan timeout, string what)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var seen = new List<JsonElement>();
        while (clock.Elapsed < timeout)
        {
            seen = [.. (await HistoryAsync(api, customerId)).Where(i => !before.Contains(i.GetProperty("callId").GetString()!))];
            foreach (var call in seen)
            {
                if (ready(call))
                {
                    return call;
                }
            }

            await Task.Delay(200);
        }

        Assert.Fail($"{what}: not in the customer's history within {timeout}; new calls seen: [{string.Join(", ", seen)}]");
        return default;
    }

    internal static async Task<HashSet<string>> CallIdsAsync(HttpClient api, string customerId) =>
        [.. (await HistoryAsync(api, customerId)).Select(i => i.GetProperty("callId").GetString()!)];
}
