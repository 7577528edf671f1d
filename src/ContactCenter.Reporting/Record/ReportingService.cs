using ContactCenter.Reporting.Aggregation;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ContactCenter.Reporting.Record;

/// <summary>
/// Runs the record's writer loop, and every <c>Reporting:AgentTimeInterval</c> the tick that counts agents' current states up
/// to now and (SQLite) checkpoints the write-ahead log.
/// </summary>
internal sealed class ReportingService(EventWriter writer, ReportStore store, TimeProvider time, IOptions<ReportingOptions> options,
    ILogger<ReportingService> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var writing = writer.RunAsync(stoppingToken);
        using var timer = new PeriodicTimer(options.Value.AgentTimeInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await store.AdvanceAgentTimeAsync(time.GetUtcNow(), stoppingToken).ConfigureAwait(false);
                    await store.CheckpointAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The next tick counts the same time: nothing is lost, the current interval is only later.
                    log.LogWarning(ex, "Reports could not count agents' current states");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
        await writing.ConfigureAwait(false);
    }
}
