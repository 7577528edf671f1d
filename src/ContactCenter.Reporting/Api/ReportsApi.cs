using System.Globalization;
using System.Security.Claims;
using ContactCenter.Reporting.Aggregation;
using ContactCenter.Reporting.Configuration;
using ContactCenter.Reporting.Staffing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace ContactCenter.Reporting.Api;

/// <summary>
/// <c>/api/reports</c>: the queue and agent reports (JSON; CSV with <c>Accept: text/csv</c> or <c>format=csv</c>), the calls behind
/// any figure, a call's history, the agent state timeline and staffing. Supervisors only; an agent reads their own figures at
/// <c>/api/reports/me</c>.
/// </summary>
internal static class ReportsApi
{
    private const string Csv = "text/csv";

    public static void Map(IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/reports").WithTags("Reports").WithGroupName(ReportingModule.OpenApiDocument);
        var supervisors = api.MapGroup("").RequireAuthorization("supervisor");
        supervisors.MapGet("/queues", QueuesAsync).WithName("QueueReport")
            .WithSummary("One row per queue and interval (15m, 1h, 1d, 1w in each queue's time zone), and the totals.")
            .Produces<Report<QueueReportRow>>(StatusCodes.Status200OK, "application/json", Csv).ProducesValidationProblem();
        supervisors.MapGet("/queues/calls", QueueCallsAsync).WithName("QueueReportCalls")
            .WithSummary("The calls behind one figure of the queue report (figure=offered, answered, abandoned, ...).")
            .Produces<IReadOnlyList<ReportCallRow>>(StatusCodes.Status200OK, "application/json", Csv).ProducesValidationProblem();
        supervisors.MapGet("/agents", AgentsAsync).WithName("AgentReport")
            .WithSummary("One row per agent and interval (in the centre's time zone), and the totals.")
            .Produces<Report<AgentReportRow>>(StatusCodes.Status200OK, "application/json", Csv).ProducesValidationProblem();
        supervisors.MapGet("/agents/calls", AgentCallsAsync).WithName("AgentReportCalls")
            .WithSummary("The calls behind one figure of the agent report (figure=answered, handled, rung, missed, transfersOut, outbound).")
            .Produces<IReadOnlyList<ReportCallRow>>(StatusCodes.Status200OK, "application/json", Csv).ProducesValidationProblem();
        supervisors.MapGet("/agents/states", AgentStatesAsync).WithName("AgentStateTimeline")
            .WithSummary("Each agent's states over the range: who was available, on call, in wrap-up, not ready, when.")
            .Produces<IReadOnlyList<AgentStateRow>>(StatusCodes.Status200OK, "application/json", Csv).ProducesValidationProblem();
        supervisors.MapGet("/calls/{callId:guid}", CallAsync).WithName("CallHistory")
            .WithSummary("A call's history as recorded, its stays in queues, and where routing explains its decisions.")
            .Produces<CallHistory>().Produces(StatusCodes.Status404NotFound);
        supervisors.MapGet("/staffing", StaffingAsync).WithName("Staffing")
            .WithSummary("Erlang C per interval of a day for a queue, from the same weekday of recent weeks, beside the agents actually staffed.")
            .Produces<StaffingReport>(StatusCodes.Status200OK, "application/json", Csv).ProducesValidationProblem();
        supervisors.MapGet("/settings", Settings).WithName("ReportSettings")
            .WithSummary("Each queue's time zone, service-level target, threshold and denominator.")
            .Produces<IReadOnlyList<ReportQueueSettings>>();
        api.MapGet("/me", MyFiguresAsync).RequireAuthorization("agent").WithName("MyAgentReport")
            .WithSummary("The signed-in agent's own figures (the agent report for them alone).")
            .Produces<Report<AgentReportRow>>(StatusCodes.Status200OK, "application/json", Csv).ProducesValidationProblem();
    }

    private static async Task<IResult> QueuesAsync(HttpContext http, ReportReader reader, IOptions<ReportingOptions> options, TimeProvider time, string? from, string? to,
        string? interval, string? queue, CancellationToken ct)
    {
        if (Validate(from, to, interval, reader.Queues, options.Value, time, out var range) is { } problem)
        {
            return problem;
        }
        var only = queue is { Length: > 0 } ? queue.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : null;
        var report = await reader.QueuesAsync(range.From, range.To, range.Interval, only, ct);
        return WantsCsv(http)
            ? CsvResult(Api.Csv.Write(report.Rows.Concat(report.Totals)), $"queues-{report.From:yyyyMMddHHmm}-{report.To:yyyyMMddHHmm}-{report.Interval}.csv")
            : TypedResults.Ok(report);
    }

    private static async Task<IResult> AgentsAsync(HttpContext http, ReportReader reader, IOptions<ReportingOptions> options, TimeProvider time, string? from, string? to,
        string? interval, string? agent, CancellationToken ct)
    {
        if (Validate(from, to, interval, reader.Queues, options.Value, time, out var range) is { } problem)
        {
            return problem;
        }
        var only = agent is { Length: > 0 } ? agent.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : null;
        return await AgentReportAsync(http, reader, range, only, ct);
    }

    private static async Task<IResult> MyFiguresAsync(HttpContext http, ReportReader reader, IOptions<ReportingOptions> options, TimeProvider time, ClaimsPrincipal user,
        string? from, string? to, string? interval, CancellationToken ct)
    {
        var me = user.FindFirst("sub")?.Value ?? user.Identity?.Name;
        if (string.IsNullOrEmpty(me))
        {
            return TypedResults.Forbid();
        }
        if (Validate(from, to, interval, reader.Queues, options.Value, time, out var range) is { } problem)
        {
            return problem;
        }
        return await AgentReportAsync(http, reader, range, [me], ct);
    }

    private static async Task<IResult> AgentReportAsync(HttpContext http, ReportReader reader, (Bound From, Bound To, ReportInterval Interval) range,
        string[]? only, CancellationToken ct)
    {
        var report = await reader.AgentsAsync(range.From, range.To, range.Interval, only, ct);
        return WantsCsv(http)
            ? CsvResult(Api.Csv.Write(report.Rows.Concat(report.Totals)), $"agents-{report.From:yyyyMMddHHmm}-{report.To:yyyyMMddHHmm}-{report.Interval}.csv")
            : TypedResults.Ok(report);
    }

    private static async Task<IResult> QueueCallsAsync(HttpContext http, ReportReader reader, IOptions<ReportingOptions> options, TimeProvider time, string? queue, string? from,
        string? to, string? figure, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(queue))
        {
            errors["queue"] = ["queue is required (a queue's name, or * for all)"];
        }
        Figure[] allowed = [Figure.Offered, Figure.Answered, Figure.AnsweredWithinTarget, Figure.Abandoned, Figure.ShortAbandoned, Figure.Diverted,
            Figure.Overflowed, Figure.Voicemail, Figure.Refused, Figure.ServiceLevelMissed, Figure.Handled, Figure.TransfersIn, Figure.TransfersOut];
        var f = ParseFigure(figure, allowed, errors);
        if (Validate(from, to, "15m", reader.Queues, options.Value, time, out var range, errors) is { } problem)
        {
            return problem;
        }
        var calls = await reader.QueueCallsAsync(queue!.Trim(), range.From, range.To, f, options.Value.MaxDrillDownCalls, ct);
        return WantsCsv(http) ? CsvResult(Api.Csv.Write(calls), $"calls-{queue}-{figure}.csv") : TypedResults.Ok(calls);
    }

    private static async Task<IResult> AgentCallsAsync(HttpContext http, ReportReader reader, IOptions<ReportingOptions> options, TimeProvider time, string? agent, string? from,
        string? to, string? figure, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(agent))
        {
            errors["agent"] = ["agent is required (the agent's login)"];
        }
        Figure[] allowed = [Figure.Answered, Figure.Handled, Figure.Rung, Figure.Missed, Figure.TransfersOut, Figure.Outbound];
        var f = ParseFigure(figure, allowed, errors);
        if (Validate(from, to, "15m", reader.Queues, options.Value, time, out var range, errors) is { } problem)
        {
            return problem;
        }
        var calls = await reader.AgentCallsAsync(agent!.Trim(), range.From, range.To, f, options.Value.MaxDrillDownCalls, ct);
        return WantsCsv(http) ? CsvResult(Api.Csv.Write(calls), $"calls-{agent}-{figure}.csv") : TypedResults.Ok(calls);
    }

    private static async Task<IResult> AgentStatesAsync(HttpContext http, ReportReader reader, IOptions<ReportingOptions> options, TimeProvider time, string? from, string? to,
        string? agent, CancellationToken ct)
    {
        if (Validate(from, to, "15m", reader.Queues, options.Value, time, out var range) is { } problem)
        {
            return problem;
        }
        var only = agent is { Length: > 0 } ? agent.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : null;
        var states = await reader.AgentStatesAsync(range.From, range.To, only, 100_000, ct);
        return WantsCsv(http) ? CsvResult(Api.Csv.Write(states), "agent-states.csv") : TypedResults.Ok(states);
    }

    private static async Task<IResult> CallAsync(Guid callId, ReportReader reader, CancellationToken ct) =>
        await reader.CallAsync(callId, ct) is { } history
            ? TypedResults.Ok(history)
            : TypedResults.Problem($"The reports hold no event of call {callId}.", statusCode: StatusCodes.Status404NotFound, title: "No such call.");

    private static async Task<IResult> StaffingAsync(HttpContext http, ReportReader reader, IOptions<ReportingOptions> options, TimeProvider time,
        string? queue, string? date, string? interval, int? weeks, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(queue))
        {
            errors["queue"] = ["queue is required"];
        }
        DateOnly day = default;
        if (date is not null && !DateOnly.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day))
        {
            errors["date"] = ["date must be a day, yyyy-MM-dd"];
        }
        if (!Periods.TryParse(interval, out var i) || i is ReportInterval.Day or ReportInterval.Week)
        {
            errors["interval"] = ["interval must be 15m or 1h"];
        }
        var w = weeks ?? options.Value.StaffingWeeks;
        if (w is < 1 or > 52)
        {
            errors["weeks"] = ["weeks must be from 1 to 52"];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var settings = reader.Queues.Get(queue!.Trim());
        if (date is null)
        {
            day = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(time.GetUtcNow(), settings.TimeZone).Date);
        }
        var report = await StaffingPlanner.PlanAsync(reader, settings, day, i, w, time.GetUtcNow(), ct);
        return WantsCsv(http) ? CsvResult(Api.Csv.Write(report.Rows), $"staffing-{settings.Name}-{day:yyyyMMdd}.csv") : TypedResults.Ok(report);
    }

    private static IResult Settings(ReportReader reader) => TypedResults.Ok<IReadOnlyList<ReportQueueSettings>>(
        [.. reader.Queues.Queues.Select(q => new ReportQueueSettings(q.Name, q.TimeZone.Id, q.TargetPercent / 100, q.Policy.Threshold.TotalSeconds,
            ReportQueues.Spelling(q.Policy.Denominator), q.Policy.ShortAbandon.TotalSeconds))]);

    // ------------------------------------------------------------------ helpers

    private static IResult? Validate(string? from, string? to, string? interval, ReportQueues queues, ReportingOptions options, TimeProvider time,
        out (Bound From, Bound To, ReportInterval Interval) range, Dictionary<string, string[]>? errors = null)
    {
        errors ??= [];
        range = default;
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(time.GetUtcNow(), queues.TimeZone).Date);
        Bound f = new(null, today), t = new(null, today.AddDays(1));
        if (from is not null && !Bound.TryParse(from, out f))
        {
            errors["from"] = ["from must be an ISO 8601 time with its offset (2026-03-02T09:00:00+01:00, or Z for UTC) or a day (2026-03-02)"];
        }
        if (to is not null && !Bound.TryParse(to, out t))
        {
            errors["to"] = ["to must be an ISO 8601 time with its offset (2026-03-03T00:00:00Z) or a day (2026-03-03)"];
        }
        if (!Periods.TryParse(interval, out var i))
        {
            errors["interval"] = [$"interval '{interval}' is not one of 15m, 1h, 1d, 1w"];
        }
        if (!errors.ContainsKey("from") && !errors.ContainsKey("to"))
        {
            var a = f.Resolve(queues.TimeZone);
            var b = t.Resolve(queues.TimeZone);
            if (b <= a)
            {
                errors["to"] = ["to must be after from"];
            }
            else if (TimeSpan.FromTicks(b - a) > options.MaxRange)
            {
                errors["to"] = [$"a report covers at most {options.MaxRange.TotalDays:0} days"];
            }
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        range = (f, t, i);
        return null;
    }

    private static Figure ParseFigure(string? text, Figure[] allowed, Dictionary<string, string[]> errors)
    {
        foreach (var f in allowed)
        {
            if (string.Equals(f.ToString(), text?.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                return f;
            }
        }
        errors["figure"] = [$"figure must be one of {string.Join(", ", allowed.Select(a => char.ToLowerInvariant(a.ToString()[0]) + a.ToString()[1..]))}"];
        return allowed[0];
    }

    private static bool WantsCsv(HttpContext http) =>
        string.Equals(http.Request.Query["format"], "csv", StringComparison.OrdinalIgnoreCase)
        || http.Request.Headers.Accept.Any(a => a is not null && a.Contains(Csv, StringComparison.OrdinalIgnoreCase));

    private static IResult CsvResult(string csv, string fileName) =>
        TypedResults.File(System.Text.Encoding.UTF8.GetBytes(csv), Csv + "; charset=utf-8", fileName.Replace(':', '-'));
}
