using Microsoft.Extensions.Options;

namespace ContactCenter.Routing.Service;

/// <summary>Settings of the routing service (section <c>Routing</c>).</summary>
public sealed class RoutingOptions
{
    /// <summary>The queue file; default <c>{Telephony:ConfigPath}/queues.yaml</c>.</summary>
    public string? QueuesFile { get; set; }

    /// <summary>Journal of engine inputs (JSON lines) used to resume after a restart; default <c>data/routing-journal.jsonl</c>.</summary>
    public string JournalPath { get; set; } = Path.Combine("data", "routing-journal.jsonl");

    /// <summary>Journal entries after which the engine's state is written to <c>{JournalPath}.snapshot</c> and the journal emptied.</summary>
    public int CompactAfterEntries { get; set; } = 50_000;

    /// <summary>How often a standby instance tries to take the journal's lease (<c>{JournalPath}.lock</c>) from the active one.</summary>
    public TimeSpan LeaseRetryInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long to wait for the CRM to answer GetAgentProfiles before asking again.</summary>
    public TimeSpan ProfileRequestTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest pause between two profile requests while the CRM does not answer.</summary>
    public TimeSpan ProfileRetryMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Coalescing period of QueueStatistics (250 ms = at most 4 per second per queue).</summary>
    public TimeSpan StatisticsInterval { get; set; } = TimeSpan.FromMilliseconds(250);
}

internal sealed class RoutingOptionsValidator : IValidateOptions<RoutingOptions>
{
    public ValidateOptionsResult Validate(string? name, RoutingOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.QueuesFile))
        {
            errors.Add("Routing:QueuesFile: must name the queues.yaml file");
        }
        else if (!File.Exists(options.QueuesFile))
        {
            errors.Add($"Routing:QueuesFile: file '{options.QueuesFile}' not found (set Telephony:ConfigPath or Routing:QueuesFile)");
        }
        if (string.IsNullOrWhiteSpace(options.JournalPath))
        {
            errors.Add("Routing:JournalPath: must name a file");
        }
        if (options.CompactAfterEntries < 1)
        {
            errors.Add("Routing:CompactAfterEntries: must be at least 1");
        }
        if (options.LeaseRetryInterval <= TimeSpan.Zero)
        {
            errors.Add("Routing:LeaseRetryInterval: must be positive");
        }
        if (options.ProfileRequestTimeout <= TimeSpan.Zero)
        {
            errors.Add("Routing:ProfileRequestTimeout: must be positive");
        }
        if (options.ProfileRetryMaxDelay <= TimeSpan.Zero)
        {
            errors.Add("Routing:ProfileRetryMaxDelay: must be positive");
        }
        if (options.StatisticsInterval < TimeSpan.FromMilliseconds(250))
        {
            errors.Add("Routing:StatisticsInterval: must be at least 00:00:00.250 (4 per second)");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
