using ContactCenter.Crm.Customers;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace ContactCenter.Crm.ScreenPop;

/// <summary>What the CRM knew about a call's caller when the call arrived.</summary>
internal sealed record WarmPop(string Caller, Customer360? View);

/// <summary>The customer-360 warmed on CallReceived, waiting for the call's AgentReserved.</summary>
internal sealed class ScreenPopCache(IMemoryCache cache, IOptions<CrmOptions> options)
{
    public void Put(Guid callId, WarmPop pop) =>
        cache.Set(Key(callId), pop, options.Value.ScreenPopCacheTime);

    public WarmPop? Get(Guid callId) => cache.TryGetValue(Key(callId), out WarmPop? pop) ? pop : null;

    private static (string, Guid) Key(Guid callId) => ("crm-screen-pop", callId);
}
