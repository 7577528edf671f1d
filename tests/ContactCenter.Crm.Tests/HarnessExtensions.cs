using MassTransit.Testing;

namespace ContactCenter.Crm.Tests;

internal static class HarnessExtensions
{
    /// <summary>Waits (bounded) for a published message that matches; fails with a clear message when none comes.</summary>
    public static async Task<T> PublishedAsync<T>(this ITestHarness harness, Func<T, bool> match, int seconds = 15)
        where T : class
    {
        var until = TimeProvider.System.GetUtcNow().AddSeconds(seconds);
        while (true)
        {
            var found = harness.Published.Select<T>().Select(m => m.Context.Message).FirstOrDefault(match);
            if (found is not null)
            {
                return found;
            }
            var faults = harness.Published.Select<MassTransit.Fault>()
                .Select(f => f.Context.Message.Exceptions.FirstOrDefault()?.Message).ToList();
            Assert.True(TimeProvider.System.GetUtcNow() < until,
                $"No {typeof(T).Name} published within {seconds} s. Faults: {string.Join(" | ", faults)}");
            await Task.Delay(20);
        }
    }
}
