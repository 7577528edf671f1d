using ContactCenter.Contracts;
using ContactCenter.Crm.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ContactCenter.Crm.Tests;

/// <summary>A callback given up after its last attempt becomes a note on the customer's open case, once.</summary>
public abstract class CallbackGivenUpTests(CrmTestHost host)
{
    [Fact]
    public async Task The_last_failed_attempt_is_noted_on_adas_open_case_once()
    {
        var callId = Guid.NewGuid();
        var ended = new CallEnded
        {
            CallId = callId, AgentId = "alice", Queue = "support", Outcome = CallOutcome.Busy, EndedBy = CallParty.System,
            Reason = "customer busy (486 Busy Here)", Direction = CallDirection.Callback, Dialled = "+442079460018", Attempt = 3,
            RetryAt = null, OccurredAt = host.Time.GetUtcNow(),
        };
        await host.Harness.Bus.Publish(ended);
        await host.Harness.Bus.Publish(ended); // redelivered

        var note = await WaitForNoteAsync(callId);
        Assert.Equal("system", note.AuthorId);
        Assert.Equal("Callback to +442079460018 given up after attempt 3: busy (customer busy (486 Busy Here)).", note.Text);
        await using var scope = host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CrmDbContext>();
        var owner = await db.Cases.Where(c => c.Id == note.CaseId).Select(c => c.CustomerId).SingleAsync();
        Assert.Equal("Ada Lovelace", await db.Customers.Where(c => c.Id == owner).Select(c => c.Name).SingleAsync());
        Assert.Equal(1, await db.CaseNotes.CountAsync(n => n.Id == callId));
    }

    [Fact]
    public async Task An_attempt_that_will_be_retried_or_that_reached_the_customer_adds_no_note()
    {
        var retried = Guid.NewGuid();
        var answered = Guid.NewGuid();
        var inbound = Guid.NewGuid();
        var now = host.Time.GetUtcNow();
        await host.Harness.Bus.Publish(new CallEnded
        {
            CallId = retried, Outcome = CallOutcome.NoAnswer, EndedBy = CallParty.System, Reason = "no answer", Direction = CallDirection.Callback,
            Dialled = "+442079460018", Attempt = 1, RetryAt = now.AddMinutes(5), OccurredAt = now,
        });
        await host.Harness.Bus.Publish(new CallEnded
        {
            CallId = answered, Outcome = CallOutcome.Answered, EndedBy = CallParty.Caller, Reason = "customer hung up", Direction = CallDirection.Callback,
            Dialled = "+442079460018", Attempt = 2, OccurredAt = now,
        });
        await host.Harness.Bus.Publish(new CallEnded
        {
            CallId = inbound, Outcome = CallOutcome.Abandoned, EndedBy = CallParty.Caller, Reason = "caller hung up", OccurredAt = now,
        });

        // A given-up callback published after them on the same endpoint is the positive signal that they were handled.
        var marker = Guid.NewGuid();
        await host.Harness.Bus.Publish(new CallEnded
        {
            CallId = marker, Outcome = CallOutcome.Failed, EndedBy = CallParty.System, Reason = "503", Direction = CallDirection.Callback,
            Dialled = "+442079460018", Attempt = 1, OccurredAt = now,
        });
        await WaitForNoteAsync(marker);
        await using var scope = host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CrmDbContext>();
        Assert.False(await db.CaseNotes.AnyAsync(n => n.Id == retried || n.Id == answered || n.Id == inbound));
    }

    private async Task<CaseNote> WaitForNoteAsync(Guid id)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            await using (var scope = host.Services.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<CrmDbContext>();
                if (await db.CaseNotes.AsNoTracking().SingleOrDefaultAsync(n => n.Id == id, timeout.Token) is { } note)
                {
                    return note;
                }
            }

            await Task.Delay(50, timeout.Token);
        }
    }
}

public sealed class CallbackGivenUpTestsOnSqlite(SqliteCrmTestHost host) : CallbackGivenUpTests(host), IClassFixture<SqliteCrmTestHost>;

public sealed class CallbackGivenUpTestsOnPostgreSql(PostgreSqlCrmTestHost host) : CallbackGivenUpTests(host), IClassFixture<PostgreSqlCrmTestHost>;
