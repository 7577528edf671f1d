using ContactCenter.Crm.Customers;
using Microsoft.Extensions.DependencyInjection;

namespace ContactCenter.Crm.Tests;

/// <summary>The customer-360 behind every screen pop, read by many consumers at once on the shared read contexts.</summary>
public abstract class Customer360ConcurrencyTests(CrmProvider provider) : IAsyncLifetime
{
    private TestDatabase db = null!;

    public async Task InitializeAsync() => db = await TestDatabase.CreateAsync(provider, seed: true);

    public async Task DisposeAsync() => await db.DisposeAsync();

    [Fact]
    public async Task Concurrent_lookups_by_phone_all_find_the_customer()
    {
        string[] phones = ["+442079460018", "+441614960000"];
        var expected = new Dictionary<string, Guid>();
        foreach (var phone in phones)
        {
            var view = await db.WithAsync((_, sp) => sp.GetRequiredService<Customer360Query>().ByPhoneAsync(phone, Guid.Empty, CancellationToken.None));
            Assert.NotNull(view);
            expected[phone] = view.Customer.Id;
        }

        var misses = 0;
        var wrong = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, 400), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            var phone = phones[i % phones.Length];
            await using var scope = db.Services.CreateAsyncScope();
            var view = await scope.ServiceProvider.GetRequiredService<Customer360Query>().ByPhoneAsync(phone, Guid.NewGuid(), ct);
            if (view is null)
            {
                Interlocked.Increment(ref misses);
            }
            else if (view.Customer.Id != expected[phone])
            {
                Interlocked.Increment(ref wrong);
            }
        });
        Assert.Equal(0, misses);
        Assert.Equal(0, wrong);
    }
}

public sealed class Customer360ConcurrencyTestsOnSqlite() : Customer360ConcurrencyTests(CrmProvider.Sqlite);

public sealed class Customer360ConcurrencyTestsOnPostgreSql() : Customer360ConcurrencyTests(CrmProvider.PostgreSql);
