using System.Reflection;
using MassTransit;

namespace ContactCenter.Telephony.Tests.Gateway.Session;

/// <summary>
/// An <see cref="IBus"/> that keeps every message published, in order, at the moment it is published (the sessions await
/// their publishes in their mailbox, so what a session did before a later event is here before that event's message).
/// Anything else asked of it fails the test.
/// </summary>
internal class RecordingBus : DispatchProxy
{
    private readonly List<object> published = [];

    public static (IBus Bus, RecordingBus Recorder) Create()
    {
        var proxy = DispatchProxy.Create<IBus, RecordingBus>();
        return (proxy, (RecordingBus)(object)proxy);
    }

    public IReadOnlyList<object> Published
    {
        get
        {
            lock (published)
            {
                return [.. published];
            }
        }
    }

    public IReadOnlyList<T> All<T>() => [.. Published.OfType<T>()];

    /// <summary>The names of the message types published, in order: <c>CallReceived, CallQueued, AgentNoAnswer...</c>.</summary>
    public string Sequence => string.Join(", ", Published.Select(m => m.GetType().Name));

    /// <summary>The first <typeparamref name="T"/> published (waits for it).</summary>
    public async Task<T> WaitForAsync<T>(Func<T, bool>? match = null)
    {
        T? found = default;
        await Wait.UntilAsync(() => (found = All<T>().FirstOrDefault(m => match?.Invoke(m) ?? true)) is not null, $"no {typeof(T).Name} was published (published: {Sequence})");
        return found!;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        if (targetMethod?.Name == nameof(IPublishEndpoint.Publish) && args is [{ } message, ..] && message is not Type)
        {
            lock (published)
            {
                published.Add(message);
            }

            return Task.CompletedTask;
        }

        throw new NotSupportedException($"the sessions only publish; {targetMethod?.Name} was called");
    }
}

/// <summary>An <see cref="IRequestClient{T}"/> whose requests time out at once (the CRM does not answer).</summary>
internal class SilentRequestClient : DispatchProxy
{
    public static IRequestClient<T> Create<T>()
        where T : class => DispatchProxy.Create<IRequestClient<T>, SilentRequestClient>();

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        if (targetMethod?.Name == "GetResponse" && targetMethod.ReturnType.IsGenericType)
        {
            var fromException = typeof(Task).GetMethod(nameof(Task.FromException), 1, [typeof(Exception)])!
                .MakeGenericMethod(targetMethod.ReturnType.GetGenericArguments()[0]);
            return fromException.Invoke(null, [new RequestTimeoutException("the test's CRM does not answer")]);
        }

        throw new NotSupportedException(targetMethod?.Name);
    }
}

internal static class Wait
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    /// <summary>Polls <paramref name="condition"/> until it holds; fails the test with <paramref name="what"/> after 10 s.</summary>
    public static async Task UntilAsync(Func<bool> condition, string what)
    {
        var deadline = TimeProvider.System.GetTimestamp() + (long)(Limit.TotalSeconds * TimeProvider.System.TimestampFrequency);
        while (!condition())
        {
            Assert.True(TimeProvider.System.GetTimestamp() < deadline, what);
            await Task.Delay(5);
        }
    }
}
