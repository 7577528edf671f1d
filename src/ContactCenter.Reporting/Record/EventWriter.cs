using System.Threading.Channels;
using ContactCenter.Reporting.Aggregation;
using ContactCenter.Reporting.Data;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ContactCenter.Reporting.Record;

/// <summary>
/// Group commit for the record: consumers hand their event here and wait; one loop takes whatever is waiting (up to
/// <c>Reporting:MaxBatch</c>) and records it in one transaction with the aggregates it changes. A consumer's message is
/// acknowledged only after that commit; when it fails, every message of the batch fails and the bus redelivers it (the record's
/// keys make the second delivery harmless).
/// </summary>
internal sealed class EventWriter(ReportStore store, IOptions<ReportingOptions> options, ILogger<EventWriter> log)
{
    private readonly Channel<(ReportEvent Event, TaskCompletionSource Done)> _queue =
        Channel.CreateUnbounded<(ReportEvent, TaskCompletionSource)>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Records one event; completes once it is committed with the aggregates.</summary>
    public Task RecordAsync(ReportEvent e, CancellationToken ct)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_queue.Writer.TryWrite((e, done)))
        {
            throw new InvalidOperationException("the reports' event writer has stopped");
        }
        return done.Task.WaitAsync(ct);
    }

    /// <summary>The loop; runs until <paramref name="stopping"/>, then fails what still waits (the bus redelivers it).</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        var max = options.Value.MaxBatch;
        var batch = new List<(ReportEvent Event, TaskCompletionSource Done)>(max);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stopping).ConfigureAwait(false))
            {
                batch.Clear();
                while (batch.Count < max && _queue.Reader.TryRead(out var item))
                {
                    batch.Add(item);
                }
                try
                {
                    await store.RecordAsync([.. batch.Select(b => b.Event)], stopping).ConfigureAwait(false);
                    foreach (var (_, done) in batch)
                    {
                        done.TrySetResult();
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    log.LogError(ex, "Reports could not record {Count} events; the bus will redeliver them", batch.Count);
                    foreach (var (_, done) in batch)
                    {
                        done.TrySetException(ex);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopping.
        }
        finally
        {
            _queue.Writer.TryComplete();
            foreach (var (_, done) in batch)
            {
                done.TrySetCanceled(CancellationToken.None);
            }
            while (_queue.Reader.TryRead(out var left))
            {
                left.Done.TrySetCanceled(CancellationToken.None);
            }
        }
    }
}
