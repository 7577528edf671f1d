using System.Text.Json;
using ContactCenter.Contracts;
using ContactCenter.Routing.Engine;
using ContactCenter.Routing.Service;
using Microsoft.Extensions.Time.Testing;

namespace ContactCenter.Routing.Tests.Engine;

/// <summary>Journal compaction: a snapshot restored into a new engine behaves exactly like the engine it was taken from.</summary>
public class SnapshotTests
{
    [Theory]
    [InlineData(42, 0.3)]
    [InlineData(7, 0.5)]
    [InlineData(2026, 0.8)]
    public void A_snapshot_restored_mid_day_makes_exactly_the_decisions_of_the_original(int seed, double cut)
    {
        var day = ReplayTests.Day(seed);
        var at = (int)(day.Log.Count * cut);
        var clock = new FakeTimeProvider(day.Log[0].At);
        var original = new RoutingEngine(day.Config, clock);
        for (var i = 0; i < at; i++)
        {
            clock.SetUtcNow(day.Log[i].At);
            original.Handle(day.Log[i].Input);
            original.Outputs.Clear();
        }
        var json = JsonSerializer.Serialize(original.Capture(), EngineJournal.SnapshotJson);
        var restoredClock = new FakeTimeProvider(day.Log[at].At);
        var restored = new RoutingEngine(day.Config, restoredClock);
        restored.Restore(JsonSerializer.Deserialize<EngineState>(json, EngineJournal.SnapshotJson)!);
        Assert.Empty(restored.CheckInvariants());
        Assert.Equal(json, JsonSerializer.Serialize(restored.Capture(), EngineJournal.SnapshotJson));

        var expected = new List<RoutingDecision>();
        var actual = new List<RoutingDecision>();
        for (var i = at; i < day.Log.Count; i++)
        {
            clock.SetUtcNow(day.Log[i].At);
            restoredClock.SetUtcNow(day.Log[i].At);
            original.Handle(day.Log[i].Input);
            restored.Handle(day.Log[i].Input);
            expected.AddRange(original.Outputs.OfType<ReservationMade>().Select(r => r.Decision));
            actual.AddRange(restored.Outputs.OfType<ReservationMade>().Select(r => r.Decision));
            Assert.Equal(Json(original.Outputs), Json(restored.Outputs));
            original.Outputs.Clear();
            restored.Outputs.Clear();
        }
        Assert.True(expected.Count > 20, $"only {expected.Count} decisions after the cut");
        Assert.Equal(Json(expected), Json(actual));
        Assert.Equal(JsonSerializer.Serialize(original.Capture(), EngineJournal.SnapshotJson), JsonSerializer.Serialize(restored.Capture(), EngineJournal.SnapshotJson));
        Assert.Equal(Json(original.Statistics(original.QueueCount)), Json(restored.Statistics(restored.QueueCount)));
        var someCall = expected[0].CallId;
        Assert.Equal(Json(original.DecisionsFor(someCall)), Json(restored.DecisionsFor(someCall)));
        Assert.Empty(restored.CheckInvariants());
    }

    [Fact]
    public void A_snapshot_is_only_restored_into_a_new_engine()
    {
        var day = ReplayTests.Day(1);
        var state = day.Engine.Capture();
        Assert.Throws<InvalidOperationException>(() => day.Engine.Restore(state));
    }

    [Fact]
    public void Compaction_empties_the_journal_and_a_restart_resumes_from_the_snapshot_and_the_entries_after_it()
    {
        var day = ReplayTests.Day(11);
        var path = Path.Combine(Path.GetTempPath(), $"routing-journal-{Guid.NewGuid():N}.jsonl");
        try
        {
            var half = day.Log.Count / 2;
            var clock = new FakeTimeProvider(day.Log[0].At);
            var live = new RoutingEngine(day.Config, clock);
            byte[] beforeCompaction;
            using (var journal = new EngineJournal(path))
            {
                Assert.Null(journal.ReadSnapshot());
                journal.ReadAll();
                for (var i = 0; i < day.Log.Count; i++)
                {
                    var (at, input) = day.Log[i];
                    journal.Append(at, input);
                    clock.SetUtcNow(at);
                    live.Handle(input);
                    live.Outputs.Clear();
                    if (i == half)
                    {
                        Assert.Equal(half + 1, journal.EntriesSinceSnapshot);
                        beforeCompaction = File.ReadAllBytes(path);
                        journal.Compact(at, live.Capture());
                        Assert.Equal(0, new FileInfo(path).Length);
                        Assert.Equal(0, journal.EntriesSinceSnapshot);
                        Assert.True(File.Exists(journal.SnapshotPath));
                        // A crash between the snapshot's rename and the truncation would leave these entries: they must be skipped.
                        File.WriteAllBytes(path + ".crashed", beforeCompaction);
                    }
                }
            }
            var tail = day.Log.Count - half - 1;
            Assert.True(new FileInfo(path).Length > 0);
            var expected = JsonSerializer.Serialize(live.Capture(), EngineJournal.SnapshotJson);
            Assert.Equal(expected, Resume(path, day, out var replayed));
            Assert.Equal(tail, replayed);

            // The crash case: the old entries are still in front of the new ones.
            File.WriteAllBytes(path, [.. File.ReadAllBytes(path + ".crashed"), .. File.ReadAllBytes(path)]);
            Assert.Equal(expected, Resume(path, day, out replayed));
            Assert.Equal(tail, replayed);
        }
        finally
        {
            foreach (var f in Directory.GetFiles(Path.GetDirectoryName(path)!, Path.GetFileName(path) + "*"))
            {
                File.Delete(f);
            }
        }
    }

    private static string Resume(string path, EngineFixture day, out int replayed)
    {
        using var journal = new EngineJournal(path);
        var snapshot = journal.ReadSnapshot();
        Assert.NotNull(snapshot);
        var clock = new ReplayClock(new FakeTimeProvider(snapshot.At));
        var engine = new RoutingEngine(day.Config, clock);
        clock.Set(snapshot.At);
        engine.Restore(snapshot.State);
        var entries = journal.ReadAll().FindAll(e => e.Seq > snapshot.JournalSeq);
        replayed = entries.Count;
        EngineJournal.Replay(entries, engine, clock);
        Assert.Empty(engine.CheckInvariants());
        return JsonSerializer.Serialize(engine.Capture(), EngineJournal.SnapshotJson);
    }

    [Fact]
    public async Task Only_one_instance_holds_the_journal_lease_and_a_standby_takes_over_when_it_is_released()
    {
        var path = Path.Combine(Path.GetTempPath(), $"routing-journal-{Guid.NewGuid():N}.jsonl");
        try
        {
            var active = JournalLease.TryAcquire(path);
            Assert.NotNull(active);
            Assert.Null(JournalLease.TryAcquire(path));
            var standby = JournalLease.AcquireAsync(path, TimeSpan.FromMilliseconds(20), TimeProvider.System,
                Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, CancellationToken.None);
            await Task.Delay(200);
            Assert.False(standby.IsCompleted);
            active.Dispose();
            using var taken = await standby.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Null(JournalLease.TryAcquire(path));
        }
        finally
        {
            File.Delete(JournalLease.LockPath(path));
        }
    }

    private static string Json<T>(T value) => JsonSerializer.Serialize(value);
}
