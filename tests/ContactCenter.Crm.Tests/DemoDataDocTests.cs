using Microsoft.EntityFrameworkCore;

namespace ContactCenter.Crm.Tests;

/// <summary>docs/demo-data.md tells people what to type; it must match the seed.</summary>
public sealed class DemoDataDocTests
{
    [Fact]
    public async Task Every_customer_number_in_the_demo_doc_exists_in_the_seed_with_that_name()
    {
        var doc = await File.ReadAllTextAsync(FindDoc());
        await using var db = await TestDatabase.CreateAsync(seed: true);
        var customers = await db.WithAsync((ctx, _) => ctx.CustomerPhones
            .Join(ctx.Customers, p => p.CustomerId, c => c.Id, (p, c) => new { c.Name, p.E164 }).ToListAsync());
        var rows = doc.Split('\n').Where(l => l.StartsWith("| ", StringComparison.Ordinal) && l.Contains("| +", StringComparison.Ordinal)).ToList();
        Assert.True(rows.Count >= 10, "the doc lists the demo customers");
        foreach (var row in rows)
        {
            var cells = row.Split('|', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            var name = cells[0];
            var e164 = cells[1].Replace(" ", "", StringComparison.Ordinal);
            Assert.Contains(customers, c => c.Name == name && c.E164 == e164);
        }
    }

    private static string FindDoc()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "docs", "demo-data.md");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new FileNotFoundException("docs/demo-data.md not found above " + AppContext.BaseDirectory);
    }
}
