using ContactCenter.Contracts;
using ContactCenter.Routing.Engine;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ContactCenter.Routing.Service;

/// <summary>Starts the actor (journal replay) and loads agent profiles from the CRM, retrying until it answers, without blocking host start.</summary>
internal sealed class RoutingHostedService(
    RoutingActor actor,
    IServiceScopeFactory scopes,
    IOptions<RoutingOptions> options,
    TimeProvider time,
    ILogger<RoutingHostedService> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        await actor.StartAsync(stoppingToken).ConfigureAwait(false);
        var delay = TimeSpan.FromSeconds(1);
        var attempt = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            attempt++;
            try
            {
                using var scope = scopes.CreateScope();
                var client = scope.ServiceProvider.GetRequiredService<IRequestClient<GetAgentProfiles>>();
                var response = await client.GetResponse<AgentProfiles>(new GetAgentProfiles { OccurredAt = time.GetUtcNow() }, stoppingToken,
                    RequestTimeout.After(ms: (int)options.Value.ProfileRequestTimeout.TotalMilliseconds)).ConfigureAwait(false);
                foreach (var profile in response.Message.Profiles)
                {
                    await actor.Submit(new UpsertAgent(profile), stoppingToken).ConfigureAwait(false);
                }
                log.LogInformation("Routing loaded {Count} agent profiles from the CRM", response.Message.Profiles.Count);
                return;
            }
            catch (Exception ex) when (ex is RequestTimeoutException or RequestFaultException or InvalidOperationException)
            {
                log.LogWarning("Agent profiles not loaded yet (attempt {Attempt}): {Message}; retrying in {Delay}", attempt, ex.Message, delay);
            }
            try
            {
                await Task.Delay(delay, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, options.Value.ProfileRetryMaxDelay.Ticks));
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }
}
