using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Threading.Channels;
using ContactCenter.Contracts;
using ContactCenter.Host.Composition;
using ContactCenter.Host.Configuration;
using ContactCenter.Reporting.Data;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ContactCenter.Host.Tests;

/// <summary>
/// The reports fed by the real modules over the host's bus: the embedded host (Routing, Crm, Desktop, Reporting on the
/// in-memory transport, SQLite) built in this process, with the test playing the telephony gateway (CallQueued, CallConnected,
/// CallEnded on the bus; it receives routing's ConnectCallToAgent). Routing's live board and the report agree on every figure of
/// the day, the API serves them as JSON and CSV to a supervisor and refuses an agent, and the reports-rebuild verb (the host
/// executable, run on the same database afterwards) rewrites the aggregates byte for byte.
/// </summary>
public sealed class ReportsThroughTheBusTests : IAsyncLifetime
{
    private const string Gateway = "reports-test-gw";
    private readonly string _folder = Directory.CreateTempSubdirectory("cc-reports-").FullName;
    private readonly Channel<ConnectCallToAgent> _connects = Channel.CreateUnbounded<ConnectCallToAgent>();
    private WebApplication _app = null!;
    private HttpClient _http = null!;
    private IBus _bus = null!;

    private string Database => Path.Combine(_folder, "contactcenter.db");

    private static DateTimeOffset Now => TimeProvider.System.GetUtcNow();

    public async Task InitializeAsync()
    {
        var port = FreePort();
        (_app, var settings) = ContactCenterApp.Build([
            $"--Urls=http://127.0.0.1:{port}",
            "--Services=Routing,Crm,Desktop,Reporting",
            $"--ConnectionStrings:ContactCenter=Data Source={Database}",
            $"--Telephony:ConfigPath={Path.Combine(HostProcess.RepositoryRoot, "telephony-config")}",
            $"--Routing:JournalPath={Path.Combine(_folder, "routing-journal.jsonl")}",
            "--Demo:Seed=true",
            "--Logging:LogLevel:Default=Warning",
        ]);
        await ModuleWiring.MigrateAsync(_app.Services, settings.Services, CancellationToken.None);
        await _app.StartAsync();
        _bus = _app.Services.GetRequiredService<IBus>();
        var endpoint = _bus.ConnectReceiveEndpoint($"telephony-{Gateway}", e =>
        {
            e.Handler<ConnectCallToAgent>(context => _connects.Writer.WriteAsync(context.Message).AsTask());
            e.Handler<DivertQueuedCall>(_ => Task.CompletedTask);
        });
        await endpoint.Ready;
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }

    [Fact]
    public async Task The_board_and_the_report_give_the_same_figures_for_the_day_and_a_rebuild_rewrites_them_byte_for_byte()
    {
        var supervisor = await TokenAsync("sam");
        var agent = await TokenAsync("alice");
        await SetStateAsync("alice", AgentState.Available, agent);

        // 1: waited 3 s, answered (within the 20 s target); 2: waited 40 s, answered late. Both talked, wrapped up.
        var answered = await AnswerAsync(TimeSpan.FromSeconds(3));
        var late = await AnswerAsync(TimeSpan.FromSeconds(40));
        await SetStateAsync("alice", AgentState.NotReady, agent);
        // 3: abandoned after 30 s; 4: abandoned at once (a short abandon); 5: still waiting in billing.
        var abandoned = await QueueAsync("support", TimeSpan.FromSeconds(30));
        await EndAsync(abandoned, CallOutcome.Abandoned, CallParty.Caller);
        var shortAbandon = await QueueAsync("support", TimeSpan.Zero);
        await EndAsync(shortAbandon, CallOutcome.Abandoned, CallParty.Caller);
        await QueueAsync("billing", TimeSpan.FromSeconds(10));

        var board = await WaitForAsync(async () =>
        {
            var queues = await GetJsonAsync("/api/routing/queues", agent);
            var s = queues.EnumerateArray().Select(q => q.GetProperty("statistics")).Single(q => q.GetProperty("queue").GetString() == "support");
            return s.GetProperty("offered").GetInt32() == 4 && s.GetProperty("handled").GetInt32() == 2 && s.GetProperty("abandoned").GetInt32() == 1 ? s : (JsonElement?)null;
        }, "routing's board to count the four support calls");
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(Now, TimeZoneInfo.FindSystemTimeZoneById("Europe/London")).Date);
        var day = $"from={today:yyyy-MM-dd}&to={today.AddDays(1):yyyy-MM-dd}&interval=1d";
        var row = await WaitForAsync(async () =>
        {
            var report = await GetJsonAsync($"/api/reports/queues?{day}", supervisor);
            var r = report.GetProperty("rows").EnumerateArray().Single(x => x.GetProperty("queue").GetString() == "support");
            return r.GetProperty("offered").GetInt64() == 4 && r.GetProperty("handled").GetInt64() == 2 && r.GetProperty("shortAbandoned").GetInt64() == 1 ? r : (JsonElement?)null;
        }, "the report to count the four support calls");

        // The hand-worked figures...
        Assert.Equal(2, row.GetProperty("answered").GetInt64());
        Assert.Equal(1, row.GetProperty("answeredWithinTarget").GetInt64());
        Assert.Equal(1, row.GetProperty("abandoned").GetInt64());
        Assert.Equal(1.0 / 3, row.GetProperty("serviceLevel").GetDouble());
        // ...and the board's, figure for figure (the same counters through the same definitions).
        Assert.Equal(board.GetProperty("serviceLevel").GetDouble(), row.GetProperty("serviceLevel").GetDouble());
        Assert.Equal(board.GetProperty("serviceLevelMet").GetInt64(), row.GetProperty("serviceLevelMet").GetInt64());
        Assert.Equal(board.GetProperty("serviceLevelCounted").GetInt64(), row.GetProperty("serviceLevelCounted").GetInt64());
        foreach (var figure in new[] { "offered", "answered", "abandoned", "answeredWithinTarget", "shortAbandoned", "diverted", "handled" })
        {
            Assert.Equal(board.GetProperty(figure).GetInt64(), row.GetProperty(figure).GetInt64());
        }
        Assert.Equal(TimeSpan.Parse(board.GetProperty("averageSpeedOfAnswer").GetString()!, CultureInfo.InvariantCulture).Ticks,
            (long)Math.Round(row.GetProperty("asa").GetDouble() * TimeSpan.TicksPerSecond));
        Assert.Equal(TimeSpan.Parse(board.GetProperty("averageHandleTime").GetString()!, CultureInfo.InvariantCulture).Ticks,
            (long)Math.Round(row.GetProperty("aht").GetDouble() * TimeSpan.TicksPerSecond));
        Assert.Equal(board.GetProperty("abandonmentRate").GetDouble(), row.GetProperty("abandonmentRate").GetDouble());

        // CSV with the same numbers; the calls behind "abandoned"; an agent is refused.
        using (var csvRequest = new HttpRequestMessage(HttpMethod.Get, $"/api/reports/queues?{day}"))
        {
            csvRequest.Headers.Authorization = new AuthenticationHeaderValue("Bearer", supervisor);
            csvRequest.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
            using var csv = await _http.SendAsync(csvRequest);
            Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
            var lines = (await csv.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
            var header = lines[0].Split(',');
            var support = lines.Select(l => l.Split(',')).First(c => c[0] == "interval" && c[1] == "support");
            Assert.Equal("4", support[Array.IndexOf(header, "offered")]);
            Assert.Equal(row.GetProperty("serviceLevel").GetDouble(), double.Parse(support[Array.IndexOf(header, "serviceLevel")], CultureInfo.InvariantCulture));
        }
        var calls = await GetJsonAsync($"/api/reports/queues/calls?queue=support&figure=abandoned&from={today:yyyy-MM-dd}&to={today.AddDays(1):yyyy-MM-dd}", supervisor);
        Assert.Equal([abandoned], calls.EnumerateArray().Select(c => c.GetProperty("callId").GetGuid()));
        var history = await GetJsonAsync($"/api/reports/calls/{late}", supervisor);
        Assert.Contains(history.GetProperty("events").EnumerateArray(), e => e.GetProperty("event").GetString() == "callHandled");
        using (var forbidden = new HttpRequestMessage(HttpMethod.Get, $"/api/reports/queues?{day}"))
        {
            forbidden.Headers.Authorization = new AuthenticationHeaderValue("Bearer", agent);
            Assert.Equal(HttpStatusCode.Forbidden, (await _http.SendAsync(forbidden)).StatusCode);
        }
        var mine = await GetJsonAsync($"/api/reports/me?{day}", agent);
        var me = Assert.Single(mine.GetProperty("rows").EnumerateArray());
        Assert.Equal(("alice", 2L), (me.GetProperty("agent").GetString(), me.GetProperty("handled").GetInt64()));
        Assert.NotEqual(answered, late);

        // The host stops; the reports-rebuild verb (the host executable) recomputes the tables from the record alone.
        await _app.StopAsync();
        var reporting = new ReportingDatabase("Sqlite", $"Data Source={Database}");
        var before = await DumpAsync(reporting);
        await using (var rebuild = HostProcess.Start(new Dictionary<string, string>
        {
            ["ConnectionStrings__ContactCenter"] = $"Data Source={Database}",
        }, ["reports-rebuild"]))
        {
            var exit = await rebuild.WaitForExitAsync(TimeSpan.FromSeconds(120));
            Assert.True(exit == 0, rebuild.StandardError + rebuild.StandardOutput);
            Assert.Contains("Reports rebuilt from", rebuild.StandardOutput, StringComparison.Ordinal);
        }
        Assert.Equal(before, await DumpAsync(reporting));
    }

    private async Task<Guid> AnswerAsync(TimeSpan waited)
    {
        var call = await QueueAsync("support", waited);
        var connect = await WaitForConnectAsync(call);
        await _bus.Publish(new CallConnected { CallId = call, AgentId = connect.AgentId, Queue = connect.Queue, OccurredAt = Now });
        await WaitForStateAsync(connect.AgentId, AgentState.OnCall);
        await EndAsync(call, CallOutcome.Answered, CallParty.Caller, connect.AgentId);
        await WaitForStateAsync(connect.AgentId, AgentState.WrapUp);
        await _bus.Publish(new CompleteWrapUp { CallId = call, AgentId = connect.AgentId, Disposition = "resolved", OccurredAt = Now });
        await WaitForStateAsync(connect.AgentId, AgentState.Available);
        return call;
    }

    private async Task<Guid> QueueAsync(string queue, TimeSpan waitedBefore)
    {
        var call = Guid.NewGuid();
        var now = Now;
        await _bus.Publish(new CallQueued
        {
            CallId = call, Queue = queue, Caller = "+442079460018", GatewayId = Gateway, IvrPath = "test>" + queue,
            QueuedAt = now - waitedBefore, OccurredAt = now,
        });
        return call;
    }

    private Task EndAsync(Guid call, CallOutcome outcome, CallParty by, string? agentId = null) => _bus.Publish(new CallEnded
    {
        CallId = call, AgentId = agentId, Queue = "support", Outcome = outcome, EndedBy = by, Reason = "BYE", OccurredAt = Now,
    });

    private async Task<ConnectCallToAgent> WaitForConnectAsync(Guid call)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var c = await _connects.Reader.ReadAsync(timeout.Token);
            if (c.CallId == call)
            {
                return c;
            }
        }
    }

    private async Task SetStateAsync(string agentId, AgentState state, string token)
    {
        // Routing drops a state change that arrives before it has loaded the profiles from the CRM: ask until it holds.
        await WaitForAsync(async () =>
        {
            await _bus.Publish(new SetAgentState { AgentId = agentId, State = state, RequestedBy = agentId, OccurredAt = Now });
            return await RoutingJsonAsync("/api/routing/agents", token) is { } agents
                && agents.EnumerateArray().Any(a => a.GetProperty("agentId").GetString() == agentId && IsState(a, state)) ? true : (bool?)null;
        }, $"{agentId} to be {state}");
    }

    private async Task WaitForStateAsync(string agentId, AgentState state)
    {
        var token = await TokenAsync("alice");
        await WaitForAsync(async () =>
        {
            return await RoutingJsonAsync("/api/routing/agents", token) is { } agents
                && agents.EnumerateArray().Any(a => a.GetProperty("agentId").GetString() == agentId && IsState(a, state)) ? true : (bool?)null;
        }, $"{agentId} to be {state}");
    }

    private static bool IsState(JsonElement agent, AgentState state) =>
        string.Equals(agent.GetProperty("state").ToString(), state.ToString(), StringComparison.OrdinalIgnoreCase)
        || agent.GetProperty("state").ValueKind == JsonValueKind.Number && agent.GetProperty("state").GetInt32() == (int)state;

    private async Task<string> TokenAsync(string login)
    {
        using var response = await _http.PostAsJsonAsync(new Uri("/api/auth/token", UriKind.Relative), new { login, password = "demo" });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }

    /// <summary>The JSON, or null while routing has no active partition yet (503).</summary>
    private async Task<JsonElement?> RoutingJsonAsync(string path, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await _http.SendAsync(request);
        if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
        {
            return null;
        }
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private async Task<JsonElement> GetJsonAsync(string path, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await _http.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>Polls (every 50 ms, up to 30 s) until <paramref name="probe"/> returns a value; fails naming what it waited for.</summary>
    private static async Task<T> WaitForAsync<T>(Func<Task<T?>> probe, string what)
        where T : struct
    {
        var until = Now.AddSeconds(30);
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }
            Assert.True(Now < until, $"timed out waiting for {what}");
            await Task.Delay(50);
        }
    }

    private static async Task<string> DumpAsync(ReportingDatabase database)
    {
        var sb = new System.Text.StringBuilder();
        await using var db = database.CreateContext();
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        foreach (var (table, order) in new[]
        {
            ("ReportQueueIntervals", "\"Queue\", \"Start\""), ("ReportAgentIntervals", "\"AgentId\", \"Start\""), ("ReportQueueHours", "\"Queue\", \"Start\""),
            ("ReportAgentHours", "\"AgentId\", \"Start\""), ("ReportCalls", "\"CallId\""),
            ("ReportSegments", "\"CallId\", \"No\""), ("ReportAgentStates", "\"AgentId\", \"StartAt\""),
        })
        {
            await using var cmd = connection.CreateCommand();
            cmd.CommandText = $"SELECT * FROM \"{table}\" ORDER BY {order}";
            await using var reader = await cmd.ExecuteReaderAsync();
            sb.Append("== ").Append(table).Append('\n');
            while (await reader.ReadAsync())
            {
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    sb.Append(reader.GetValue(i) switch { byte[] b => Convert.ToHexString(b), var v => Convert.ToString(v, CultureInfo.InvariantCulture) }).Append('|');
                }
                sb.Append('\n');
            }
        }
        return sb.ToString();
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
