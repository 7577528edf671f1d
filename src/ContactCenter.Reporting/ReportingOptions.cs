using ContactCenter.Reporting.Configuration;
using ContactCenter.Reporting.Data;
using Microsoft.Extensions.Options;

namespace ContactCenter.Reporting;

/// <summary>Reporting settings (section <c>Reporting</c>); the database comes from <c>Database:Provider</c> and the connection strings.</summary>
internal sealed class ReportingOptions
{
    /// <summary>
    /// The queues file the reports read each queue's time zone and service-level settings from (the file routing reads):
    /// <c>Reporting:QueuesFile</c>, default <c>{Telephony:ConfigPath}/queues.yaml</c>.
    /// </summary>
    public string? QueuesFile { get; set; }

    /// <summary>How often the time of agents in their current state is brought up to date in the aggregates (the current interval's lag).</summary>
    public TimeSpan AgentTimeInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Most events recorded (and folded into the aggregates) in one transaction.</summary>
    public int MaxBatch { get; set; } = 1000;

    /// <summary>Recent weeks of history (same weekday) the staffing forecast averages over.</summary>
    public int StaffingWeeks { get; set; } = 4;

    /// <summary>Longest range one report may cover.</summary>
    public TimeSpan MaxRange { get; set; } = TimeSpan.FromDays(400);

    /// <summary>Most calls one drill-down lists.</summary>
    public int MaxDrillDownCalls { get; set; } = 5000;

    /// <summary><c>Sqlite</c>, <c>SqlServer</c> or <c>PostgreSql</c> (<c>Database:Provider</c>).</summary>
    public string DatabaseProvider { get; set; } = "Sqlite";

    /// <summary><c>ConnectionStrings:Reporting</c>, else <c>ConnectionStrings:ContactCenter</c>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Which key the connection string came from (for error messages).</summary>
    public string ConnectionStringKey { get; set; } = "ConnectionStrings:ContactCenter";
}

internal sealed class ReportingOptionsValidator : IValidateOptions<ReportingOptions>
{
    public ValidateOptionsResult Validate(string? name, ReportingOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.QueuesFile))
        {
            errors.Add("Reporting:QueuesFile: must name the queues.yaml file");
        }
        else if (!File.Exists(options.QueuesFile))
        {
            errors.Add($"Reporting:QueuesFile: file '{options.QueuesFile}' not found (set Telephony:ConfigPath or Reporting:QueuesFile)");
        }
        else
        {
            try
            {
                ReportQueues.LoadFile(options.QueuesFile);
            }
            catch (ReportQueuesException ex)
            {
                errors.Add($"Reporting:QueuesFile: {ex.Message}");
            }
        }
        if (options.AgentTimeInterval < TimeSpan.FromMilliseconds(100) || options.AgentTimeInterval > TimeSpan.FromMinutes(1))
        {
            errors.Add($"Reporting:AgentTimeInterval: must be between 00:00:00.1 and 00:01:00 (was {options.AgentTimeInterval})");
        }
        if (options.MaxBatch is < 1 or > 10000)
        {
            errors.Add($"Reporting:MaxBatch: must be between 1 and 10000 (was {options.MaxBatch})");
        }
        if (options.StaffingWeeks is < 1 or > 52)
        {
            errors.Add($"Reporting:StaffingWeeks: must be between 1 and 52 (was {options.StaffingWeeks})");
        }
        if (options.MaxRange < TimeSpan.FromDays(1))
        {
            errors.Add("Reporting:MaxRange: must be at least one day");
        }
        if (options.MaxDrillDownCalls is < 1 or > 100000)
        {
            errors.Add($"Reporting:MaxDrillDownCalls: must be between 1 and 100000 (was {options.MaxDrillDownCalls})");
        }
        if (!ReportingDatabase.IsKnownProvider(options.DatabaseProvider))
        {
            errors.Add($"Database:Provider: '{options.DatabaseProvider}' is not Sqlite, SqlServer or PostgreSql");
        }
        else if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            errors.Add($"{options.ConnectionStringKey}: is empty; set a connection string for the reports' database");
        }
        else if (ReportingDatabase.CheckConnectionString(options.DatabaseProvider, options.ConnectionString) is { } problem)
        {
            errors.Add($"{options.ConnectionStringKey}: {problem}");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
