using System.Collections.Concurrent;
using System.Security.Claims;
using ContactCenter.Contracts;
using MassTransit;
using Microsoft.AspNetCore.SignalR;

namespace ContactCenter.Host.Composition;

/// <summary>
/// The security stamp check (ADR 0015): a token is good only while its <c>stamp</c> claim equals the person's current stamp,
/// which the CRM changes on deactivation, a role change or a new password. Stamps come from the CRM over the bus
/// (<see cref="GetSecurityStamp"/>, so every process of a split deployment checks the same way) and are kept here for at most
/// <see cref="CacheTime"/>, so a change takes effect within that (plus one hub sweep) everywhere.
/// </summary>
internal sealed class SecurityStamps(IClientFactory clients, TimeProvider time, ILogger<SecurityStamps> logger)
{
    /// <summary>How long a stamp answer is trusted.</summary>
    public static readonly TimeSpan CacheTime = TimeSpan.FromSeconds(2);

    /// <summary>When the CRM does not answer, the last known stamp is used for this long before every token is refused.</summary>
    public static readonly TimeSpan StaleGrace = TimeSpan.FromSeconds(60);

    private static readonly RequestTimeout AskTimeout = RequestTimeout.After(s: 3);

    private readonly ConcurrentDictionary<string, Known> known = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<Known>>> asking = new(StringComparer.Ordinal);

    /// <summary>True when <paramref name="user"/>'s token still carries its person's current stamp.</summary>
    public async ValueTask<bool> IsCurrentAsync(ClaimsPrincipal? user, CancellationToken ct)
    {
        var login = user?.FindFirst("sub")?.Value;
        var claimed = user?.FindFirst("stamp")?.Value;
        if (login is null || claimed is null)
        {
            return false;
        }

        var stamp = await CurrentAsync(login, ct);
        return stamp is not null && string.Equals(stamp, claimed, StringComparison.Ordinal);
    }

    /// <summary>The person's current stamp (null: unknown, inactive, or the CRM unreachable with nothing recent known).</summary>
    public async ValueTask<string?> CurrentAsync(string login, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (known.TryGetValue(login, out var entry) && now - entry.At < CacheTime)
        {
            return entry.Stamp;
        }

        var lazy = asking.GetOrAdd(login, l => new Lazy<Task<Known>>(() => AskAsync(l)));
        try
        {
            var answer = await lazy.Value.WaitAsync(ct);
            return answer.Stamp;
        }
        catch (Exception error) when (error is RequestTimeoutException or RequestException)
        {
            if (known.TryGetValue(login, out entry) && now - entry.At < StaleGrace)
            {
                logger.LogWarning("The CRM did not answer for {Login}'s security stamp; using the one known {Age:0} s ago", login, (now - entry.At).TotalSeconds);
                return entry.Stamp;
            }

            logger.LogWarning(error, "The CRM did not answer for {Login}'s security stamp; the token is refused", login);
            return null;
        }
        finally
        {
            asking.TryRemove(new KeyValuePair<string, Lazy<Task<Known>>>(login, lazy));
        }
    }

    private async Task<Known> AskAsync(string login)
    {
        var client = clients.CreateRequestClient<GetSecurityStamp>(AskTimeout);
        var response = await client.GetResponse<SecurityStamp>(new GetSecurityStamp { Login = login, OccurredAt = time.GetUtcNow() });
        var answer = new Known(response.Message.Stamp, time.GetUtcNow());
        known[login] = answer;
        return answer;
    }

    private readonly record struct Known(string? Stamp, DateTimeOffset At);
}

/// <summary>
/// Every hub call is checked against the security stamp, and every open hub connection is remembered so that
/// <see cref="HubConnectionSweeper"/> can close it when its token expires or is revoked.
/// </summary>
internal sealed class RevocationHubFilter(SecurityStamps stamps, HubConnections connections) : IHubFilter
{
    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        var context = invocationContext.Context;
        if (connections.Expired(context.User) || !await stamps.IsCurrentAsync(context.User, context.ConnectionAborted))
        {
            context.Abort();
            throw new HubException("Your sign-in is no longer valid; sign in again.");
        }

        return await next(invocationContext);
    }

    public Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        connections.Add(context.Context);
        return next(context);
    }

    public Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next)
    {
        connections.Remove(context.Context);
        return next(context, exception);
    }
}

/// <summary>The open hub connections of this process.</summary>
internal sealed class HubConnections(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, HubCallerContext> open = new(StringComparer.Ordinal);

    public int Count => open.Count;

    public void Add(HubCallerContext context) => open[context.ConnectionId] = context;

    public void Remove(HubCallerContext context) => open.TryRemove(context.ConnectionId, out _);

    public ICollection<HubCallerContext> Snapshot() => open.Values;

    public bool Expired(ClaimsPrincipal? user) =>
        !long.TryParse(user?.FindFirst("exp")?.Value, out var exp) || DateTimeOffset.FromUnixTimeSeconds(exp) <= time.GetUtcNow();
}

/// <summary>
/// The open SIP WebSockets (<c>/sip</c>) signed in with a token: a browser phone registered on its person's sign-in. Each is
/// served with a request-aborted token of ours, so <see cref="HubConnectionSweeper"/> can close it (its registration ends
/// with it: the gateway sees the phone gone) when the token expires or the person's stamp changes, as for hub connections.
/// </summary>
internal sealed class SignedInSipSockets
{
    private readonly ConcurrentDictionary<long, Entry> open = new();
    private long next;

    public int Count => open.Count;

    /// <summary>One signed-in socket: its person and the means to close it.</summary>
    internal sealed record Entry(long Id, ClaimsPrincipal User, CancellationTokenSource Close);

    public ICollection<Entry> Snapshot() => open.Values;

    public void Remove(Entry entry) => open.TryRemove(new KeyValuePair<long, Entry>(entry.Id, entry));

    /// <summary>
    /// For a WebSocket request to <c>/sip</c> by a signed-in person: the rest of the pipeline (the SIP WebSocket endpoint)
    /// sees a <see cref="HttpContext.RequestAborted"/> that also fires when the sweeper revokes the sign-in.
    /// </summary>
    public static Func<HttpContext, RequestDelegate, Task> Middleware => async (context, next) =>
    {
        // /sip serves nothing but the SIP WebSocket (its own branch runs the WebSockets middleware, after this one).
        if (!context.Request.Path.StartsWithSegments("/sip") || context.User.Identity?.IsAuthenticated != true)
        {
            await next(context);
            return;
        }

        var sockets = context.RequestServices.GetRequiredService<SignedInSipSockets>();
        using var close = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        var entry = new Entry(Interlocked.Increment(ref sockets.next), context.User, close);
        sockets.open[entry.Id] = entry;
        var aborted = context.RequestAborted;
        context.RequestAborted = close.Token;
        try
        {
            await next(context);
        }
        finally
        {
            context.RequestAborted = aborted;
            sockets.Remove(entry);
        }
    };
}

/// <summary>
/// Closes, once a second, every hub connection and signed-in SIP WebSocket whose token has expired or whose person's stamp
/// has changed.
/// </summary>
internal sealed class HubConnectionSweeper(
    HubConnections connections, SignedInSipSockets sipSockets, SecurityStamps stamps, TimeProvider time, ILogger<HubConnectionSweeper> logger)
    : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task SweepAsync(CancellationToken ct)
    {
        var open = connections.Snapshot().ToList();
        var sockets = sipSockets.Snapshot().ToList();
        if (open.Count == 0 && sockets.Count == 0)
        {
            return;
        }

        // One stamp look-up per person (cached), all at once; then each connection against its person's.
        var logins = open.Select(c => c.User?.FindFirst("sub")?.Value).Concat(sockets.Select(s => s.User.FindFirst("sub")?.Value))
            .OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        var current = await Task.WhenAll(logins.Select(async l => (Login: l, Stamp: await stamps.CurrentAsync(l, ct))));
        var byLogin = current.ToDictionary(x => x.Login, x => x.Stamp, StringComparer.Ordinal);
        foreach (var context in open)
        {
            if (Invalid(context.User, byLogin) is { } why)
            {
                logger.LogInformation("Closing hub connection {ConnectionId} of {Login}: its token {Why}", context.ConnectionId, context.User?.FindFirst("sub")?.Value, why);
                connections.Remove(context);
                context.Abort();
            }
        }

        foreach (var socket in sockets)
        {
            if (Invalid(socket.User, byLogin) is { } why)
            {
                logger.LogInformation("Closing the SIP WebSocket of {Login}: its token {Why}", socket.User.FindFirst("sub")?.Value, why);
                sipSockets.Remove(socket);
                try
                {
                    await socket.Close.CancelAsync();
                }
                catch (ObjectDisposedException)
                {
                    // It closed by itself meanwhile.
                }
            }
        }
    }

    /// <summary>"expired" or "was revoked" when the token may no longer be used; null when it may.</summary>
    private string? Invalid(ClaimsPrincipal? user, Dictionary<string, string?> byLogin)
    {
        if (connections.Expired(user))
        {
            return "expired";
        }

        var login = user?.FindFirst("sub")?.Value;
        var claimed = user?.FindFirst("stamp")?.Value;
        return login is null || claimed is null || !byLogin.TryGetValue(login, out var stamp) || !string.Equals(stamp, claimed, StringComparison.Ordinal)
            ? "was revoked"
            : null;
    }
}
