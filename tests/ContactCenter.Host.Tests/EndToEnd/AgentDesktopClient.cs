using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;

namespace ContactCenter.Host.Tests.EndToEnd;

/// <summary>An agent's desktop as the browser runs it: a token from the CRM and the agent hub over SignalR.</summary>
internal sealed class AgentDesktopClient : IAsyncDisposable
{
    private readonly HubConnection hub;

    private AgentDesktopClient(string login, string token, HubConnection hub, HttpClient api)
    {
        Login = login;
        Token = token;
        this.hub = hub;
        Api = api;
    }

    public string Login { get; }
    public string Token { get; }
    public HttpClient Api { get; }
    public Channel<JsonElement> ScreenPops { get; } = Channel.CreateUnbounded<JsonElement>();
    public Channel<JsonElement> CallStates { get; } = Channel.CreateUnbounded<JsonElement>();
    public Channel<JsonElement> AgentStates { get; } = Channel.CreateUnbounded<JsonElement>();

    public static async Task<string> SignInAsync(Uri baseAddress, string login, string password = "demo")
    {
        using var client = new HttpClient { BaseAddress = baseAddress };
        using var response = await client.PostAsJsonAsync(new Uri("/api/auth/token", UriKind.Relative), new { login, password });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }

    public static async Task<AgentDesktopClient> ConnectAsync(Uri baseAddress, string login)
    {
        var token = await SignInAsync(baseAddress, login);
        var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(baseAddress, "/hubs/agent"), options => options.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .Build();
        var api = new HttpClient { BaseAddress = baseAddress };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var client = new AgentDesktopClient(login, token, hub, api);
        hub.On<JsonElement>("ScreenPop", pop => client.ScreenPops.Writer.TryWrite(pop));
        hub.On<JsonElement>("CallStateChanged", state => client.CallStates.Writer.TryWrite(state));
        hub.On<JsonElement>("AgentStateChanged", state => client.AgentStates.Writer.TryWrite(state));
        await hub.StartAsync();
        return client;
    }

    /// <summary>Asks routing for a state and waits until routing confirms it.</summary>
    public async Task SetStateAsync(string state, string? reason = null)
    {
        await hub.InvokeAsync("SetState", state, reason);
        await WaitForAsync(AgentStates, s => string.Equals(s.GetProperty("state").ToString(), state, StringComparison.OrdinalIgnoreCase), TimeSpan.FromSeconds(20), $"{Login} to become {state}");
    }

    /// <summary>Dials a number from the desktop (click to dial); the hub's DialResult as JSON.</summary>
    public Task<JsonElement> DialAsync(string number, Guid? customerId = null) =>
        hub.InvokeAsync<JsonElement>("Dial", number, customerId);

    public Task CompleteWrapUpAsync(string callId, string disposition, string notes) =>
        hub.InvokeAsync("CompleteWrapUp", Guid.Parse(callId), disposition, notes);

    public static async Task<JsonElement> WaitForAsync(Channel<JsonElement> channel, Func<JsonElement, bool> match, TimeSpan timeout, string what)
    {
        using var cts = new CancellationTokenSource(timeout);
        var seen = new List<string>();
        try
        {
            while (true)
            {
                var item = await channel.Reader.ReadAsync(cts.Token);
                seen.Add(item.ToString());
                if (match(item))
                {
                    return item;
                }
            }
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"timed out after {timeout} waiting for {what}; saw:\n{string.Join('\n', seen)}");
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await hub.DisposeAsync();
        Api.Dispose();
    }
}
