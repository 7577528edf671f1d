using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace ContactCenter.Crm.Data;

/// <summary>
/// Sets <c>synchronous=NORMAL</c> once per SQLite connection (the database runs in WAL mode): commits no
/// longer wait for an fsync each, and WAL keeps the file consistent after a crash. Pooled connections
/// keep their handle, so the pragma runs once per physical connection, not per query.
/// </summary>
internal sealed class SqlitePragmaInterceptor : DbConnectionInterceptor
{
    private const string Pragmas = "PRAGMA synchronous=NORMAL;";
    private readonly ConditionalWeakTable<object, object> configured = [];

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        if (NeedsPragmas(connection, out var handle))
        {
            using var command = connection.CreateCommand();
            command.CommandText = Pragmas;
            command.ExecuteNonQuery();
            configured.AddOrUpdate(handle, handle);
        }
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        if (NeedsPragmas(connection, out var handle))
        {
            await using var command = connection.CreateCommand();
            command.CommandText = Pragmas;
            await command.ExecuteNonQueryAsync(cancellationToken);
            configured.AddOrUpdate(handle, handle);
        }
    }

    private bool NeedsPragmas(DbConnection connection, out object handle)
    {
        handle = connection;
        if (connection is SqliteConnection { Handle: { } h })
        {
            handle = h;
            return !configured.TryGetValue(h, out _);
        }
        return false;
    }
}
