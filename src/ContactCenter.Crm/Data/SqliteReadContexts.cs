using System.Collections.Concurrent;
using System.Data;
using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ContactCenter.Crm.Data;

/// <summary>
/// Read-only EF contexts for the hot reads (the customer-360 behind every screen pop) on SQLite.
/// SQLite compiles a statement's SQL into its byte code on every new command, and Microsoft.Data.Sqlite
/// keeps compiled statements only as long as the command object (dotnet/efcore#14044), while EF creates a
/// command per query and a pooled context a new connection per lease; for the 360's statements the
/// compilation costs more than running them. Each context here keeps its own connection open for its
/// lifetime, and <see cref="SqliteStatementCache"/> hands EF a compiled statement for SQL it has already seen
/// on that connection. Queries stay EF queries (LINQ, compiled, projected, untracked); only the SQLite
/// statement under them is reused. Writes never go through these contexts.
/// </summary>
internal sealed class SqliteReadContexts : IDisposable
{
    private readonly ConcurrentBag<SqliteCrmDbContext> idle = [];
    private readonly SqliteStatementCache statements = new();
    private readonly string connectionString;
    private readonly int keep = Math.Max(4, Environment.ProcessorCount * 2);
    private volatile bool disposed;

    private readonly ILoggerFactory loggerFactory;

    public SqliteReadContexts(IOptions<CrmDatabaseOptions> database, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(database);
        connectionString = database.Value.ConnectionString;
        this.loggerFactory = loggerFactory;
    }

    /// <summary>An idle context with its connection open, or a new one.</summary>
    public async ValueTask<SqliteCrmDbContext> RentAsync(CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (idle.TryTake(out var context))
        {
            return context;
        }
        var connection = new SqliteConnection(connectionString);
        try
        {
            await connection.OpenAsync(ct);
            var options = new DbContextOptionsBuilder<SqliteCrmDbContext>()
                .UseSqlite(connection)
                .UseLoggerFactory(loggerFactory)
                .UseQueryTrackingBehavior(QueryTrackingBehavior.NoTracking)
                // A read context serves one lookup at a time by construction (rented, returned).
                .EnableThreadSafetyChecks(false)
                .AddInterceptors(statements)
                .Options;
            return new SqliteCrmDbContext(options);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Back to the idle set, or closed when enough are idle, the pool is gone or the connection broke.</summary>
    public void Return(SqliteCrmDbContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!disposed && idle.Count < keep && context.Database.GetDbConnection().State == ConnectionState.Open)
        {
            idle.Add(context);
            if (!disposed)
            {
                return;
            }
            // Disposed meanwhile: take back whatever is left.
            while (idle.TryTake(out var left))
            {
                Close(left);
            }
            return;
        }
        Close(context);
    }

    /// <summary>How many compiled statements a read context's connection keeps.</summary>
    public int CompiledStatements(DbConnection connection) => statements.Count(connection);

    public void Dispose()
    {
        disposed = true;
        while (idle.TryTake(out var context))
        {
            Close(context);
        }
    }

    private void Close(SqliteCrmDbContext context)
    {
        var connection = context.Database.GetDbConnection();
        statements.Forget(connection);
        context.Dispose();
        // The context does not own a connection it was given.
        connection.Dispose();
    }
}

/// <summary>
/// Keeps one compiled SQLite command per SQL text per connection and executes EF's commands through it.
/// Only for contexts whose connection stays open (<see cref="SqliteReadContexts"/>): closing a SQLite
/// connection finalizes its statements.
/// </summary>
internal sealed class SqliteStatementCache : DbCommandInterceptor
{
    private readonly ConditionalWeakTable<DbConnection, Dictionary<string, ReusedCommand>> perConnection = [];

    public override DbCommand CommandInitialized(CommandEndEventData eventData, DbCommand result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result is not SqliteCommand { Connection: { State: ConnectionState.Open } connection, Transaction: null } fresh)
        {
            return result;
        }
        // A connection serves one context, and a context one query at a time: no locking needed.
        var commands = perConnection.GetValue(connection, _ => new Dictionary<string, ReusedCommand>(StringComparer.Ordinal));
        if (!commands.TryGetValue(fresh.CommandText, out var reused))
        {
            var compiled = connection.CreateCommand();
            compiled.CommandText = fresh.CommandText;
            compiled.Prepare();
            reused = new ReusedCommand(compiled);
            commands.Add(fresh.CommandText, reused);
        }
        if (!reused.TryLease(fresh))
        {
            // Already executing (a nested query with the same SQL): let EF run its own command.
            return result;
        }
        fresh.Dispose();
        return reused;
    }

    public int Count(DbConnection connection) => perConnection.TryGetValue(connection, out var commands) ? commands.Count : 0;

    /// <summary>Drops (and finalizes) the compiled statements of a connection about to close.</summary>
    public void Forget(DbConnection connection)
    {
        if (perConnection.TryGetValue(connection, out var commands))
        {
            foreach (var command in commands.Values)
            {
                command.Compiled.Dispose();
            }
            perConnection.Remove(connection);
        }
    }

    /// <summary>
    /// What EF gets instead of its new command: runs the compiled one with EF's parameters, and on
    /// <see cref="Dispose(bool)"/> (EF disposes every command after its query) keeps it for the next time.
    /// </summary>
    private sealed class ReusedCommand(SqliteCommand compiled) : DbCommand
    {
        private bool leased;

        public SqliteCommand Compiled { get; } = compiled;

        public bool TryLease(SqliteCommand fresh)
        {
            if (leased)
            {
                return false;
            }
            leased = true;
            Compiled.Parameters.Clear();
            var parameters = fresh.Parameters.Cast<SqliteParameter>().ToArray();
            fresh.Parameters.Clear();
            Compiled.Parameters.AddRange(parameters);
            Compiled.CommandTimeout = fresh.CommandTimeout;
            return true;
        }

        [AllowNull]
        public override string CommandText
        {
            get => Compiled.CommandText;
            set
            {
                if (!string.Equals(value, Compiled.CommandText, StringComparison.Ordinal))
                {
                    throw new NotSupportedException("A reused command keeps its SQL.");
                }
            }
        }

        public override int CommandTimeout { get => Compiled.CommandTimeout; set => Compiled.CommandTimeout = value; }

        public override CommandType CommandType { get => Compiled.CommandType; set => Compiled.CommandType = value; }

        public override bool DesignTimeVisible { get => Compiled.DesignTimeVisible; set => Compiled.DesignTimeVisible = value; }

        public override UpdateRowSource UpdatedRowSource { get => Compiled.UpdatedRowSource; set => Compiled.UpdatedRowSource = value; }

        protected override DbConnection? DbConnection
        {
            get => Compiled.Connection;
            set
            {
                if (!ReferenceEquals(value, Compiled.Connection))
                {
                    throw new NotSupportedException("A reused command keeps its connection.");
                }
            }
        }

        protected override DbParameterCollection DbParameterCollection => Compiled.Parameters;

        protected override DbTransaction? DbTransaction
        {
            get => Compiled.Transaction;
            set
            {
                if (value is not null)
                {
                    throw new NotSupportedException("A reused command runs outside transactions.");
                }
            }
        }

        public override void Cancel() => Compiled.Cancel();

        public override int ExecuteNonQuery() => Compiled.ExecuteNonQuery();

        public override object? ExecuteScalar() => Compiled.ExecuteScalar();

        public override void Prepare()
        {
            // Already compiled.
        }

        protected override DbParameter CreateDbParameter() => Compiled.CreateParameter();

        protected override DbDataReader ExecuteDbDataReader(CommandBehavior behavior) => Compiled.ExecuteReader(behavior);

        protected override async Task<DbDataReader> ExecuteDbDataReaderAsync(CommandBehavior behavior, CancellationToken cancellationToken) =>
            await Compiled.ExecuteReaderAsync(behavior, cancellationToken);

        public override Task<int> ExecuteNonQueryAsync(CancellationToken cancellationToken) => Compiled.ExecuteNonQueryAsync(cancellationToken);

        public override Task<object?> ExecuteScalarAsync(CancellationToken cancellationToken) => Compiled.ExecuteScalarAsync(cancellationToken);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                // EF is done with it: keep the compiled statement for the next query, drop the parameters.
                Compiled.Parameters.Clear();
                leased = false;
            }
            // Component's disposal only detaches it from a designer container: harmless to repeat.
            base.Dispose(disposing);
        }
    }
}
