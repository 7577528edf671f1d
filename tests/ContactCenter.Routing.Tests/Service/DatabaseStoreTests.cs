using ContactCenter.Contracts;
using ContactCenter.Routing.Engine;
using ContactCenter.Routing.Service;
using ContactCenter.Routing.Service.Database;
using ContactCenter.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Time.Testing;

namespace ContactCenter.Routing.Tests.Service;

/// <summary>
/// Routing:JournalStore=Database: two routing processes (each its own service provider, as two hosts would be) on one database
/// (a SQLite file, or a database of its own on the test run's PostgreSQL server), sharing nothing else. The journal, snapshot
/// and lease are rows; appends are fenced by the lease's token.
/// </summary>
public abstract class DatabaseStoreTests : IAsyncLifetime
{
    /// <summary>The value of <c>Database:Provider</c>.</summary>
    private protected abstract string Provider { get; }

    /// <summary>The value of <c>ConnectionStrings:Routing</c>, set by <see cref="InitializeAsync"/>.</summary>
    private protected string ConnectionString { get; set; } = "";

    /// <summary>SQL giving the names of the tables (<c>Value</c>).</summary>
    private protected abstract string TablesSql { get; }

    public abstract Task InitializeAsync();

    public abstract Task DisposeAsync();

    private Dictionary<string, string?> Settings() => RoutingInstance.ProviderDatabaseSettings(Provider, ConnectionString);

    private RoutingDatabase Database() => new(Provider, ConnectionString);

    private DatabaseJournalStore Store(RoutingDatabase database, string partition, TimeSpan leaseDuration, TimeProvider time) =>
        new(partition, database, leaseDuration, TimeSpan.FromMilliseconds(20), time, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);

    [Fact]
    public async Task A_standby_on_another_host_takes_over_a_frozen_active_instance_with_every_call_and_agent_and_the_deposed_append_is_fenced()
    {
        var settings = Settings();
        // Compaction every few inputs: the standby restores a snapshot row and replays the journal rows after it.
        settings["Routing:CompactAfterEntries"] = "5";
        var start = TimeProvider.System.GetUtcNow();
        // The active instance's clock is driven by the test: while it runs, the instance renews its lease; when it stops, the
        // instance is frozen as a process paused by the OS or a long GC is (it neither renews nor notices anything).
        var clock = new FakeTimeProvider(start);
        using var pump = new CancellationTokenSource();
        var pumping = Task.Run(async () =>
        {
            // Follows the real clock (a late wake-up catches up rather than slowing the instance's time down).
            var elapsed = System.Diagnostics.Stopwatch.StartNew();
            while (!pump.IsCancellationRequested)
            {
                await Task.Delay(10, CancellationToken.None);
                if (start + elapsed.Elapsed is var now && now > clock.GetUtcNow())
                {
                    clock.SetUtcNow(now);
                }
            }
        });

        await using var active = await RoutingInstance.StartAsync(settings, clock);
        var a = active.Default;
        await a.FirstActive.WaitAsync(TimeSpan.FromSeconds(10));
        foreach (var profile in DemoDirectoryConsumer.Profiles)
        {
            await RoutingInstance.Submit(a, new UpsertAgent(profile));
        }
        await RoutingInstance.Submit(a, new ChangeAgentState("alice", AgentState.NotReady, "lunch", "alice"));
        await RoutingInstance.Submit(a, new ChangeAgentState("carol", AgentState.NotReady, "training", "sam"));
        await RoutingInstance.Submit(a, new ChangeAgentState("bob", AgentState.Available, null, "bob"));
        var ringing = Guid.NewGuid();
        var waiting = new[] { Guid.NewGuid(), Guid.NewGuid() };
        var billing = Guid.NewGuid();
        await RoutingInstance.Submit(a, RoutingInstance.Call(ringing, "support", clock.GetUtcNow()));
        await RoutingInstance.Submit(a, RoutingInstance.Call(waiting[0], "support", start.AddSeconds(-42)));
        await RoutingInstance.Submit(a, RoutingInstance.Call(waiting[1], "support", start.AddSeconds(-30)));
        await RoutingInstance.Submit(a, RoutingInstance.Call(billing, "billing", start.AddSeconds(-10)));
        var before = await RoutingInstance.Query(a, Describe);
        Assert.Equal((AgentState.Reserved, (Guid?)ringing), (before.Agents["bob"].State, before.Agents["bob"].CallId));
        Assert.Equal([.. waiting], before.Waiting["support"]);

        await using var standby = await RoutingInstance.StartAsync(settings);
        var b = standby.Default;
        // While the active instance renews, the standby waits (more than a lease duration).
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.False(b.IsActive, "the standby took a lease that was being renewed");
        Assert.True(a.IsActive);

        await pump.CancelAsync();
        await pumping;
        var frozen = System.Diagnostics.Stopwatch.StartNew();
        await b.FirstActive.WaitAsync(TimeSpan.FromSeconds(10));
        var takeOver = frozen.Elapsed;
        // Budget: the lease duration (2 s here) for the standby to see it unrenewed, then the 2 s restart budget.
        Assert.True(takeOver < TimeSpan.FromSeconds(2 + 2), $"took over in {takeOver}");

        var after = await RoutingInstance.Query(b, Describe);
        Assert.Empty(await RoutingInstance.Query(b, e => e.CheckInvariants()));
        foreach (var (id, agent) in before.Agents)
        {
            Assert.Equal((agent.State, agent.Reason, agent.CallId), (after.Agents[id].State, after.Agents[id].Reason, after.Agents[id].CallId));
        }
        Assert.Equal(before.Waiting["support"], after.Waiting["support"]);
        Assert.Equal(before.Waiting["billing"], after.Waiting["billing"]);
        var waits = await RoutingInstance.Query(b, e => e.QueueSnapshots()[0].Waiting.ToDictionary(w => w.CallId, w => w.Waited));
        Assert.InRange(waits[waiting[0]], TimeSpan.FromSeconds(42), TimeSpan.FromSeconds(60));
        Assert.InRange(waits[waiting[1]], TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(48));

        // The deposed instance still believes it is active: its next append is refused by the fencing token, nothing is
        // journaled, and it steps down.
        var deposed = a.Actor;
        Assert.NotNull(deposed);
        var refused = await Assert.ThrowsAsync<PartitionInactiveException>(() =>
            deposed.Submit(new ChangeAgentState("alice", AgentState.Available, null, "alice")));
        Assert.IsType<LeaseLostException>(refused.InnerException);
        var deadline = System.Diagnostics.Stopwatch.StartNew();
        while (a.IsActive)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(10), "the deposed instance did not step down");
            await Task.Delay(20);
        }
        Assert.Equal(AgentState.NotReady, (await RoutingInstance.Query(b, e => e.Agent("alice")))!.State);

        // The new active instance carries on: alice takes the call that waited longest; bob keeps his; no call has two agents.
        await RoutingInstance.Submit(b, new ChangeAgentState("alice", AgentState.Available, null, "alice"));
        var alice = (await RoutingInstance.Query(b, e => e.Agent("alice")))!;
        Assert.Equal((AgentState.Reserved, (Guid?)waiting[0]), (alice.State, alice.CallId));
        Assert.Equal(ringing, (await RoutingInstance.Query(b, e => e.Agent("bob")))!.CallId);
        Assert.Empty(await RoutingInstance.Query(b, e => e.CheckInvariants()));

        await using var db = Database().Create();
        var lease = await db.Leases.AsNoTracking().SingleAsync(l => l.Partition == "default");
        Assert.Equal(2, lease.Token);
        Assert.NotNull(await db.Snapshots.AsNoTracking().SingleOrDefaultAsync(s => s.Partition == "default"));
        var rows = await db.Journal.AsNoTracking().Where(r => r.Partition == "default").ToListAsync();
        Assert.All(rows, r => Assert.True(r.Seq <= lease.LastSeq));
        Assert.InRange(rows.Count, 0, 5);
    }

    [Fact]
    public async Task A_graceful_stop_hands_the_partition_over_at_once_and_the_standby_resumes_within_two_seconds()
    {
        var settings = Settings();
        var call = Guid.NewGuid();
        var queuedAt = TimeProvider.System.GetUtcNow().AddSeconds(-42);
        await using var first = await RoutingInstance.StartAsync(settings);
        await first.Default.FirstActive.WaitAsync(TimeSpan.FromSeconds(10));
        foreach (var profile in DemoDirectoryConsumer.Profiles)
        {
            await RoutingInstance.Submit(first.Default, new UpsertAgent(profile));
        }
        await RoutingInstance.Submit(first.Default, new ChangeAgentState("bob", AgentState.NotReady, "training", "sam"));
        await RoutingInstance.Submit(first.Default, RoutingInstance.Call(call, "support", queuedAt));

        await using var second = await RoutingInstance.StartAsync(settings);
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        Assert.False(second.Default.IsActive);

        var stopped = System.Diagnostics.Stopwatch.StartNew();
        await first.StopAsync();
        await second.Default.FirstActive.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(stopped.Elapsed < TimeSpan.FromSeconds(2), $"resumed {stopped.Elapsed} after the active instance stopped");
        var w = Assert.Single(await RoutingInstance.Query(second.Default, e => e.QueueSnapshots()[0].Waiting));
        Assert.Equal(call, w.CallId);
        Assert.InRange(w.Waited, TimeSpan.FromSeconds(42), TimeSpan.FromSeconds(60));
        Assert.Equal(("training", AgentState.NotReady), await RoutingInstance.Query(second.Default, e => (e.Agent("bob")!.Reason, e.Agent("bob")!.State)));
    }

    [Fact]
    public async Task The_database_journal_commits_a_batch_in_one_transaction_and_refuses_a_stale_token()
    {
        var database = Database();
        await database.MigrateAsync(CancellationToken.None);
        var store = new DatabaseJournalStore("east", database, TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(50), TimeProvider.System,
            Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        var first = await store.AcquireAsync(() => true, CancellationToken.None);
        using var journal = store.Open(first);
        var at = TimeProvider.System.GetUtcNow();
        journal.Write(at, new Tick());
        journal.Write(at, new ChangeAgentState("alice", AgentState.Available, null, "alice"));
        Assert.Empty(store.Open(first).ReadAll());
        journal.Commit();
        Assert.Equal(2, store.Open(first).ReadAll().Count);

        // A second holder takes the lease over (the first is released here, as a graceful stop does; expiry is the other way).
        await first.DisposeAsync();
        var second = await store.AcquireAsync(() => true, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
        journal.Write(at, new Tick());
        Assert.Throws<LeaseLostException>(journal.Commit);
        journal.Discard();
        var entries = store.Open(second).ReadAll();
        Assert.Equal([1L, 2L], entries.Select(e => e.Seq));
        await second.DisposeAsync();
    }

    [Fact]
    public async Task A_commit_that_fails_while_the_journal_holds_its_entries_steps_down_instead_of_reusing_their_numbers()
    {
        var database = Database();
        await database.MigrateAsync(CancellationToken.None);
        var store = new DatabaseJournalStore("east", database, TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(50), TimeProvider.System,
            Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        await using var lease = await store.AcquireAsync(() => true, CancellationToken.None);
        using var journal = store.Open(lease);
        var at = TimeProvider.System.GetUtcNow();
        journal.Write(at, new Tick());
        journal.Commit();

        // Entry 2 reached the table although this instance saw its commit fail (the connection dropped after the server
        // committed): the next batch, numbered from 2 again, fails on the key. It must not keep failing under a live lease.
        await using (var db = database.Create())
        {
            db.Journal.Add(new JournalRow { Partition = "east", Seq = 2, At = at, Input = System.Text.Json.JsonSerializer.Serialize<EngineInput>(new Tick(), EngineJournal.Json) });
            await db.SaveChangesAsync();
        }
        journal.Write(at, new ChangeAgentState("alice", AgentState.Available, null, "alice"));
        var error = Assert.Throws<LeaseLostException>(journal.Commit);
        Assert.Contains("may hold entry 2 or later", error.Message, StringComparison.Ordinal);
        Assert.True(lease.Lost.IsCancellationRequested, "the term must end so that the next one replays the journal");
        journal.Discard();
        Assert.Equal([1L, 2L], store.Open(lease).ReadAll().Select(e => e.Seq));
    }

    [Fact]
    public async Task Migrations_match_the_model_and_keep_their_own_history_beside_the_crms()
    {
        var database = Database();
        await database.MigrateAsync(CancellationToken.None);
        await database.MigrateAsync(CancellationToken.None);
        await using var ctx = database.Create();
        Assert.Empty(await ctx.Database.GetPendingMigrationsAsync());
        Assert.False(ctx.Database.HasPendingModelChanges(), $"routing's model changed without a {Provider} migration: run Service/Database/Migrations/add-migration.sh");
        var tables = await ctx.Database.SqlQueryRaw<string>(TablesSql).ToListAsync();
        Assert.Subset(tables.ToHashSet(), new HashSet<string> { "RoutingJournal", "RoutingSnapshot", "RoutingLease", RoutingDbContext.HistoryTable });
    }

    [Fact]
    public async Task Racers_for_a_new_or_released_lease_get_it_one_at_a_time_with_a_growing_fencing_token()
    {
        var database = Database();
        await database.MigrateAsync(CancellationToken.None);
        const int racers = 4;
        // A lease long enough that a renewal delayed by a loaded machine is not taken for a dead holder.
        var leaseDuration = TimeSpan.FromSeconds(3);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var stores = Enumerable.Range(0, racers).Select(_ => Store(database, "race", leaseDuration, TimeProvider.System)).ToList();
        // All start at once on a partition with no lease row yet: they race to insert it, then (each release) to take it.
        // (A gate the racers await, not a Barrier: blocked pool threads would starve the other tests' lease renewals.)
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var pending = stores.Select(store => Task.Run(async () =>
        {
            await start.Task;
            return await store.AcquireAsync(() => true, stop.Token);
        })).ToList();
        start.SetResult();
        var tokens = new List<long>();
        while (pending.Count > 0)
        {
            var won = await Task.WhenAny(pending);
            pending.Remove(won);
            var lease = (DatabaseLease)await won;
            tokens.Add(lease.Token);
            // While it renews (a renewal: the others polled the row every 20 ms meanwhile), nobody else holds it.
            var row = await LeaseRowAsync(database, "race", r => r.Token == lease.Token && r.Heartbeat >= 1, stop.Token);
            Assert.Equal((lease.Holder, lease.Token), (row.Holder, row.Token));
            Assert.DoesNotContain(pending, t => t.IsCompleted);
            Assert.False(lease.Lost.IsCancellationRequested);
            // The holder journals under its token.
            using (var journal = stores[0].Open(lease))
            {
                journal.ReadAll();
                journal.Write(TimeProvider.System.GetUtcNow(), new Tick());
                journal.Commit();
            }
            await lease.DisposeAsync();
        }
        Assert.Equal([1L, 2L, 3L, 4L], tokens);
        // Each holder appended one entry after the ones before it: no number taken twice, none lost.
        await using var db = database.Create();
        Assert.Equal([1L, 2L, 3L, 4L], await db.Journal.AsNoTracking().Where(r => r.Partition == "race").OrderBy(r => r.Seq).Select(r => r.Seq).ToListAsync());
    }

    [Fact]
    public async Task Standbys_racing_to_take_over_a_frozen_holder_elect_exactly_one_and_the_frozen_holder_is_fenced()
    {
        var database = Database();
        await database.MigrateAsync(CancellationToken.None);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var leaseDuration = TimeSpan.FromSeconds(3);
        // The holder's clock never moves: it never renews, as a process paused by the OS or a long GC.
        var frozenClock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var frozen = (DatabaseLease)await Store(database, "frozen", leaseDuration, frozenClock).AcquireAsync(() => true, stop.Token);
        using var frozenJournal = Store(database, "frozen", leaseDuration, frozenClock).Open(frozen);
        frozenJournal.ReadAll();
        frozenJournal.Write(frozenClock.GetUtcNow(), new Tick());
        frozenJournal.Commit();

        const int standbys = 4;
        var pending = Enumerable.Range(0, standbys)
            .Select(_ => Task.Run(() => Store(database, "frozen", leaseDuration, TimeProvider.System).AcquireAsync(() => true, stop.Token)))
            .ToList();
        var won = await Task.WhenAny(pending).WaitAsync(TimeSpan.FromSeconds(15));
        pending.Remove(won);
        await using var winner = (DatabaseLease)await won;
        Assert.Equal(2, winner.Token);
        // The winner renews; the other standbys see it renewed and stay standbys.
        var row = await LeaseRowAsync(database, "frozen", r => r.Token == 2 && r.Heartbeat >= 2, stop.Token);
        Assert.Equal((winner.Holder, 2L), (row.Holder, row.Token));
        Assert.DoesNotContain(pending, t => t.IsCompleted);

        // The frozen holder wakes up and appends: refused by the fencing token, nothing written.
        frozenJournal.Write(frozenClock.GetUtcNow(), new ChangeAgentState("alice", AgentState.Available, null, "alice"));
        Assert.Throws<LeaseLostException>(frozenJournal.Commit);
        Assert.True(frozen.Lost.IsCancellationRequested);
        using var winnerJournal = Store(database, "frozen", leaseDuration, TimeProvider.System).Open(winner);
        Assert.Equal([1L], winnerJournal.ReadAll().Select(e => e.Seq));

        await stop.CancelAsync();
        foreach (var loser in pending)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => loser);
        }
    }

    /// <summary>Polls the partition's lease row until <paramref name="until"/> holds (a positive signal, bounded by the token).</summary>
    private static async Task<LeaseRow> LeaseRowAsync(RoutingDatabase database, string partition, Func<LeaseRow, bool> until, CancellationToken ct)
    {
        while (true)
        {
            await using (var db = database.Create())
            {
                var row = await db.Leases.AsNoTracking().SingleAsync(l => l.Partition == partition, ct);
                if (until(row))
                {
                    return row;
                }
            }
            await Task.Delay(20, ct);
        }
    }

    private sealed record EngineView(Dictionary<string, AgentSnapshot> Agents, Dictionary<string, Guid[]> Waiting);

    private static EngineView Describe(RoutingEngine e) => new(
        e.AgentSnapshots().ToDictionary(a => a.AgentId),
        e.QueueSnapshots().ToDictionary(q => q.Queue, q => q.Waiting.Select(w => w.CallId).ToArray()));
}

public sealed class DatabaseStoreTestsOnSqlite : DatabaseStoreTests
{
    private readonly string _folder = Directory.CreateTempSubdirectory("cc-routing-db-").FullName;

    private protected override string Provider => "Sqlite";

    private protected override string TablesSql => "SELECT name AS Value FROM sqlite_master WHERE type = 'table'";

    public override Task InitializeAsync()
    {
        ConnectionString = $"Data Source={Path.Combine(_folder, "routing.db")}";
        return Task.CompletedTask;
    }

    public override Task DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }
}

public sealed class DatabaseStoreTestsOnPostgreSql : DatabaseStoreTests
{
    private TestPostgres? _database;

    private protected override string Provider => "PostgreSql";

    private protected override string TablesSql => "SELECT tablename AS \"Value\" FROM pg_tables WHERE schemaname = 'public'";

    public override async Task InitializeAsync()
    {
        _database = await TestPostgres.CreateAsync();
        ConnectionString = _database.ConnectionString;
    }

    public override async Task DisposeAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}

/// <summary>Routing's SQL Server migrations (no SQL Server runs here: the script is checked).</summary>
public sealed class SqlServerRoutingMigrationTests
{
    [Fact]
    public void Sql_server_migration_script_has_routings_tables()
    {
        var options = new DbContextOptionsBuilder<SqlServerRoutingDbContext>()
            .UseSqlServer("Server=nowhere;Database=ContactCenter;Trusted_Connection=True;TrustServerCertificate=True",
                o => o.MigrationsHistoryTable(RoutingDbContext.HistoryTable))
            .Options;
        using var ctx = new SqlServerRoutingDbContext(options);
        Assert.Contains(ctx.Database.GetMigrations(), m => m.EndsWith("_InitialRouting", StringComparison.Ordinal));
        Assert.False(ctx.Database.HasPendingModelChanges(), "routing's model changed without a SQL Server migration: run Service/Database/Migrations/add-migration.sh");
        var script = ctx.GetService<IMigrator>().GenerateScript(options: MigrationsSqlGenerationOptions.Idempotent);
        Assert.Contains("CREATE TABLE [RoutingJournal]", script, StringComparison.Ordinal);
        Assert.Contains("CONSTRAINT [PK_RoutingJournal] PRIMARY KEY ([Partition], [Seq])", script, StringComparison.Ordinal);
        Assert.Contains("[Input] nvarchar(max) NOT NULL", script, StringComparison.Ordinal);
        Assert.Contains("CREATE TABLE [RoutingSnapshot]", script, StringComparison.Ordinal);
        Assert.Contains("CREATE TABLE [RoutingLease]", script, StringComparison.Ordinal);
        Assert.Contains("[Token] bigint NOT NULL", script, StringComparison.Ordinal);
        Assert.Contains("[Partition] nvarchar(40) NOT NULL", script, StringComparison.Ordinal);
        Assert.Contains("__RoutingMigrationsHistory", script, StringComparison.Ordinal);
        Assert.DoesNotContain("__EFMigrationsHistory", script, StringComparison.Ordinal);
    }
}
