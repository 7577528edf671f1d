using ContactCenter.Contracts;
using ContactCenter.Crm.Interactions;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ContactCenter.Crm.Tests;

/// <summary>Agents' outbound calls: the CRM says whether a number may be called, and every call is an interaction in the customer's history.</summary>
public abstract class OutboundCallTests(CrmTestHost host)
{
    [Fact]
    public async Task A_customer_who_may_be_called_is_allowed_and_named()
    {
        var ada = await CustomerIdAsync("+442079460018");
        var checkedNumber = await CheckAsync("020 7946 0018", null);
        Assert.True(checkedNumber.Allowed);
        Assert.Null(checkedNumber.Reason);
        Assert.Equal(ada, checkedNumber.CustomerId);
        Assert.Equal("Ada Lovelace", checkedNumber.CustomerName);
    }

    [Fact]
    public async Task A_do_not_call_customer_is_refused_with_the_reason_by_number_and_by_id()
    {
        var phone = "+44207946" + Random.Shared.Next(1000, 9999).ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(4, '0')[..3] + "7";
        var barred = await host.WithDbAsync(async db =>
        {
            var customer = new Data.Customer { Id = Guid.NewGuid(), Name = "Nora Nocall", DoNotCall = true, CreatedAt = host.Time.GetUtcNow(), UpdatedAt = host.Time.GetUtcNow() };
            customer.Phones.Add(new Data.CustomerPhone { Id = Guid.NewGuid(), CustomerId = customer.Id, E164 = phone });
            db.Customers.Add(customer);
            await db.SaveChangesAsync();
            return new { customer.Id, customer.Name, Phone = phone };
        });

        var byNumber = await CheckAsync(barred.Phone, null);
        Assert.False(byNumber.Allowed);
        Assert.Equal($"{barred.Name} asked not to be called (do not call)", byNumber.Reason);

        var byId = await CheckAsync("+15550100", barred.Id);
        Assert.False(byId.Allowed);
        Assert.Contains("do not call", byId.Reason);
    }

    [Fact]
    public async Task A_do_not_call_refusal_is_a_failed_outbound_interaction_in_the_customers_history_with_the_reason()
    {
        var phone = "+4420794612" + Random.Shared.Next(10, 99).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var barred = await host.WithDbAsync(async db =>
        {
            var customer = new Data.Customer { Id = Guid.NewGuid(), Name = "Dora Donotcall", DoNotCall = true, CreatedAt = host.Time.GetUtcNow(), UpdatedAt = host.Time.GetUtcNow() };
            customer.Phones.Add(new Data.CustomerPhone { Id = Guid.NewGuid(), CustomerId = customer.Id, E164 = phone });
            db.Customers.Add(customer);
            await db.SaveChangesAsync();
            return customer.Id;
        });
        var callId = Guid.NewGuid();
        var answer = await CheckAsync(phone, null, callId);
        Assert.False(answer.Allowed);

        // Written before the answer: the row is there as soon as the agent hears no.
        var row = await host.WithDbAsync(db => db.Interactions.AsNoTracking().SingleAsync(i => i.CallId == callId));
        Assert.Equal((CallDirection.Outbound, CallOutcome.Failed, CallParty.System), (row.Direction, row.Outcome, row.EndedBy));
        Assert.Equal("refused: Dora Donotcall asked not to be called (do not call)", row.EndReason);
        Assert.Equal((barred, "alice", phone), (row.CustomerId, row.AgentId, row.Dialled));

        // An allowed number leaves no row until the call is placed.
        var allowed = Guid.NewGuid();
        Assert.True((await CheckAsync("+442079460018", null, allowed)).Allowed);
        Assert.False(await host.WithDbAsync(db => db.Interactions.AnyAsync(i => i.CallId == allowed)));
    }

    [Fact]
    public async Task An_unknown_customer_id_is_refused_and_a_number_no_customer_has_is_allowed()
    {
        Assert.Equal("unknown customer", (await CheckAsync("+442079460018", Guid.NewGuid())).Reason);
        var stranger = await CheckAsync("+442079469999", null);
        Assert.True(stranger.Allowed);
        Assert.Null(stranger.CustomerId);
    }

    [Fact]
    public async Task An_outbound_call_is_an_interaction_in_the_history_of_the_customer_who_has_the_number()
    {
        var ada = await CustomerIdAsync("+442079460018");
        var callId = Guid.NewGuid();
        var t0 = host.Time.GetUtcNow();
        await using (var scope = host.Services.CreateAsyncScope())
        {
            var recorder = scope.ServiceProvider.GetRequiredService<InteractionRecorder>();
            // Out of order on purpose: the end before the dial.
            await recorder.RecordAsync(new CallEnded
            {
                CallId = callId, AgentId = "alice", Outcome = CallOutcome.Answered, EndedBy = CallParty.Caller, Reason = "customer hung up (BYE)",
                Direction = CallDirection.Outbound, Dialled = "+442079460018", OccurredAt = t0.AddSeconds(70),
            }, CancellationToken.None);
            await recorder.RecordAsync(new PlaceOutboundCall { CallId = callId, AgentId = "alice", Number = "+442079460018", OccurredAt = t0 }, CancellationToken.None);
            await recorder.RecordAsync(new CallConnected { CallId = callId, AgentId = "alice", Queue = "", Direction = CallDirection.Outbound, OccurredAt = t0.AddSeconds(10) }, CancellationToken.None);
            await recorder.RecordAsync(new CompleteWrapUp { CallId = callId, AgentId = "alice", Disposition = "sale", OccurredAt = t0.AddSeconds(80) }, CancellationToken.None);
        }

        var row = await host.WithDbAsync(db => db.Interactions.AsNoTracking().SingleAsync(i => i.CallId == callId));
        Assert.Equal(CallDirection.Outbound, row.Direction);
        Assert.Equal(ada, row.CustomerId);
        Assert.Equal("+442079460018", row.Dialled);
        Assert.Equal("alice", row.AgentId);
        Assert.Equal(CallOutcome.Answered, row.Outcome);
        Assert.Equal(60, row.TalkSeconds);
        Assert.Equal("sale", row.Disposition);
        Assert.Null(row.Queue);
    }

    [Fact]
    public async Task A_refused_outbound_call_is_in_the_history_as_failed_with_the_reason()
    {
        var ada = await CustomerIdAsync("+442079460018");
        var callId = Guid.NewGuid();
        var t0 = host.Time.GetUtcNow();
        await host.Harness.Bus.Publish(new PlaceOutboundCall { CallId = callId, AgentId = "bob", Number = "+442079460018", CustomerId = ada, OccurredAt = t0 });
        await host.Harness.Bus.Publish(new OutboundCallRefused { CallId = callId, AgentId = "bob", Number = "+442079460018", Reason = "you are already on a call", OccurredAt = t0 });

        var row = await WaitForAsync(callId, r => r.Outcome is not null && r.AgentId is not null);
        Assert.Equal(CallDirection.Outbound, row.Direction);
        Assert.Equal(ada, row.CustomerId);
        Assert.Equal(CallOutcome.Failed, row.Outcome);
        Assert.Equal("refused: you are already on a call", row.EndReason);
    }

    private async Task<Data.Interaction> WaitForAsync(Guid callId, Func<Data.Interaction, bool> done)
    {
        var until = TimeProvider.System.GetUtcNow().AddSeconds(15);
        while (true)
        {
            var row = await host.WithDbAsync(db => db.Interactions.AsNoTracking().SingleOrDefaultAsync(i => i.CallId == callId));
            if (row is not null && done(row))
            {
                return row;
            }

            Assert.True(TimeProvider.System.GetUtcNow() < until, $"interaction {callId} not recorded as expected");
            await Task.Delay(50);
        }
    }

    private async Task<OutboundNumberChecked> CheckAsync(string number, Guid? customerId, Guid? callId = null)
    {
        await using var scope = host.Services.CreateAsyncScope();
        var client = scope.ServiceProvider.GetRequiredService<IRequestClient<CheckOutboundNumber>>();
        return (await client.GetResponse<OutboundNumberChecked>(new CheckOutboundNumber
        {
            CallId = callId ?? Guid.NewGuid(),
            AgentId = "alice",
            Number = number,
            CustomerId = customerId,
            OccurredAt = host.Time.GetUtcNow(),
        })).Message;
    }

    private Task<Guid> CustomerIdAsync(string e164) =>
        host.WithDbAsync(db => db.CustomerPhones.AsNoTracking().Where(p => p.E164 == e164).Select(p => p.CustomerId).SingleAsync());
}

public sealed class OutboundCallTestsOnSqlite(SqliteCrmTestHost host) : OutboundCallTests(host), IClassFixture<SqliteCrmTestHost>;

public sealed class OutboundCallTestsOnPostgreSql(PostgreSqlCrmTestHost host) : OutboundCallTests(host), IClassFixture<PostgreSqlCrmTestHost>;
