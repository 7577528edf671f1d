using MassTransit;

namespace ContactCenter.Telephony.Gateway.Admission;

/// <summary>Bus publishes started and not yet confirmed by the transport: the bus's back-pressure, for overload control.</summary>
internal sealed class BusPublishGauge : IPublishObserver
{
    private int inFlight;

    public int InFlight => Math.Max(0, Volatile.Read(ref inFlight));

    public Task PrePublish<T>(PublishContext<T> context) where T : class
    {
        Interlocked.Increment(ref inFlight);
        return Task.CompletedTask;
    }

    public Task PostPublish<T>(PublishContext<T> context) where T : class
    {
        Interlocked.Decrement(ref inFlight);
        return Task.CompletedTask;
    }

    public Task PublishFault<T>(PublishContext<T> context, Exception exception) where T : class
    {
        Interlocked.Decrement(ref inFlight);
        return Task.CompletedTask;
    }
}
