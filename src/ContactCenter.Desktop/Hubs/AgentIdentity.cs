using System.Security.Claims;
using Microsoft.AspNetCore.SignalR;

namespace ContactCenter.Desktop.Hubs;

/// <summary>Reads the agent's login from the token's <c>sub</c> claim.</summary>
internal static class AgentIdentity
{
    /// <summary>The login, or null when the principal has no <c>sub</c>.</summary>
    /// <remarks>Falls back to <see cref="ClaimTypes.NameIdentifier"/> for hosts that keep the JWT handler's inbound claim mapping on.</remarks>
    public static string? AgentId(ClaimsPrincipal? user) =>
        user?.FindFirst("sub")?.Value ?? user?.FindFirst(ClaimTypes.NameIdentifier)?.Value;

    /// <summary>The display name (<c>name</c> claim), when present.</summary>
    public static string? DisplayName(ClaimsPrincipal? user) =>
        user?.FindFirst("name")?.Value ?? user?.FindFirst(ClaimTypes.Name)?.Value;

    /// <summary>
    /// The queues a supervisor supervises (the CRM directory puts one <c>supervises</c> claim per queue in their token);
    /// empty when the directory names none, meaning every queue.
    /// </summary>
    public static IReadOnlySet<string> SupervisedQueues(ClaimsPrincipal? user) =>
        user?.FindAll("supervises").Select(c => c.Value).ToHashSet(StringComparer.OrdinalIgnoreCase)
        ?? (IReadOnlySet<string>)new HashSet<string>();
}

/// <summary>SignalR user id = the <c>sub</c> claim, so <c>Clients.User(login)</c> addresses an agent.</summary>
internal sealed class SubUserIdProvider : IUserIdProvider
{
    public string? GetUserId(HubConnectionContext connection) => AgentIdentity.AgentId(connection.User);
}
