using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.Channels;
using ContactCenter.Desktop.Hubs;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace ContactCenter.Desktop.Tests.Infrastructure;

/// <summary>A real SignalR .NET client on a hub of the test host, recording what the server pushes.</summary>
public sealed class HubClient : IAsyncDisposable
{
    private readonly Channel<ScreenPop> pops = Channel.CreateUnbounded<ScreenPop>();
    private readonly Channel<CallStateView> calls = Channel.CreateUnbounded<CallStateView>();
    private readonly Channel<AgentStateView> states = Channel.CreateUnbounded<AgentStateView>();
    private readonly Channel<QueueStatisticsView> queues = Channel.CreateUnbounded<QueueStatisticsView>();
    private readonly Channel<IReadOnlyList<AgentStateView>> boardAgents = Channel.CreateUnbounded<IReadOnlyList<AgentStateView>>();
    private readonly Channel<JsonElement> rawPops = Channel.CreateUnbounded<JsonElement>();
    private readonly Channel<OutboundRefusedView> refusals = Channel.CreateUnbounded<OutboundRefusedView>();
    private readonly Channel<MonitoringView> monitoring = Channel.CreateUnbounded<MonitoringView>();

    private HubClient(HubConnection connection)
    {
        Connection = connection;
        connection.On<ScreenPop>(nameof(IAgentClient.ScreenPop), p => pops.Writer.TryWrite(p));
        connection.On<CallStateView>(nameof(IAgentClient.CallStateChanged), c => calls.Writer.TryWrite(c));
        connection.On<AgentStateView>(nameof(IAgentClient.AgentStateChanged), s => states.Writer.TryWrite(s));
        connection.On<QueueStatisticsView>(nameof(IBoardClient.QueueStatistics), q => queues.Writer.TryWrite(q));
        connection.On<List<AgentStateView>>(nameof(IBoardClient.AgentStates), a => boardAgents.Writer.TryWrite(a));
        connection.On<OutboundRefusedView>(nameof(IAgentClient.OutboundCallRefused), r => refusals.Writer.TryWrite(r));
        connection.On<MonitoringView>(nameof(IBoardClient.MonitoringChanged), m => monitoring.Writer.TryWrite(m));
    }

    public Task<OutboundRefusedView> NextRefusal(Func<OutboundRefusedView, bool>? match = null) => Next(refusals, match);

    public HubConnection Connection { get; }

    public static HubConnection Build(Uri baseAddress, string hub, string? token)
    {
        return new HubConnectionBuilder()
            .WithUrl(new Uri(baseAddress, hub), o =>
            {
                if (token is not null)
                {
                    o.AccessTokenProvider = () => Task.FromResult<string?>(token);
                }
            })
            .AddJsonProtocol(o => o.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase)))
            .Build();
    }

    public static async Task<HubClient> ConnectAgent(DesktopTestHost host, string login, bool rawPops = false)
    {
        var client = new HubClient(Build(host.BaseAddress, "/hubs/agent", DesktopTestHost.Token(login, "agent", login)));
        if (rawPops)
        {
            client.Connection.Remove(nameof(IAgentClient.ScreenPop));
            client.Connection.On<JsonElement>(nameof(IAgentClient.ScreenPop), p => client.rawPops.Writer.TryWrite(p));
        }

        await client.Connection.StartAsync();
        return client;
    }

    public static async Task<HubClient> ConnectBoard(DesktopTestHost host, string login = "sam")
    {
        var client = new HubClient(Build(host.BaseAddress, "/hubs/board", DesktopTestHost.Token(login, "supervisor", login)));
        await client.Connection.StartAsync();
        return client;
    }

    /// <summary>A board connection with <paramref name="token"/>, not started yet (a test adds its own handlers first).</summary>
    public static HubClient ForBoard(DesktopTestHost host, string token) => new(Build(host.BaseAddress, "/hubs/board", token));

    public Task<MonitoringView> NextMonitoring(Func<MonitoringView, bool>? match = null) => Next(monitoring, match);

    /// <summary>Monitoring steps received and not yet taken.</summary>
    public int MonitoringWaiting => monitoring.Reader.Count;

    public Task<ScreenPop> NextPop(Func<ScreenPop, bool>? match = null) => Next(pops, match);

    public Task<JsonElement> NextRawPop() => Next(rawPops, null);

    public Task<CallStateView> NextCall(Func<CallStateView, bool>? match = null) => Next(calls, match);

    public Task<AgentStateView> NextAgentState(Func<AgentStateView, bool>? match = null) => Next(states, match);

    public Task<QueueStatisticsView> NextQueue(Func<QueueStatisticsView, bool>? match = null) => Next(queues, match);

    public Task<IReadOnlyList<AgentStateView>> NextBoardAgents(Func<IReadOnlyList<AgentStateView>, bool>? match = null) => Next(boardAgents, match);

    /// <summary>Everything pushed so far that nobody has read.</summary>
    public List<ScreenPop> DrainPops()
    {
        var list = new List<ScreenPop>();
        while (pops.Reader.TryRead(out var p))
        {
            list.Add(p);
        }

        return list;
    }

    public List<QueueStatisticsView> DrainQueues()
    {
        var list = new List<QueueStatisticsView>();
        while (queues.Reader.TryRead(out var q))
        {
            list.Add(q);
        }

        return list;
    }

    public List<CallStateView> DrainCalls()
    {
        var list = new List<CallStateView>();
        while (calls.Reader.TryRead(out var c))
        {
            list.Add(c);
        }

        return list;
    }

    public async ValueTask DisposeAsync() => await Connection.DisposeAsync();

    private static async Task<T> Next<T>(Channel<T> channel, Func<T, bool>? match)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            while (true)
            {
                var item = await channel.Reader.ReadAsync(cts.Token);
                if (match is null || match(item))
                {
                    return item;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No matching {typeof(T).Name} pushed within 10 s.");
        }
    }
}
