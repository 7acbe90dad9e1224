extern alias referrals;

using JasperFx.Events;
using Marten;
using Npgsql;
using NpgsqlTypes;
using ReferralNetwork.EventSourcing;
using ReferralNetwork.PartnerApi;
using referrals::ReferralNetwork.Referrals.Referrals;

namespace ReferralNetwork.Bench.Storage;

/// <summary>
/// The hand-written path Marten's append is measured against: the rows Marten writes for a new referral, into
/// tables Marten created from the service's configuration (same columns, indexes and constraints), with the
/// same values: the <c>mt_streams</c> row, the <c>mt_events</c> row (the event's JSON from the same serializer,
/// the trace in its headers), the inline snapshot's <c>mt_doc_referral</c> row with its duplicated columns, and
/// the stored response's <c>mt_doc_idempotentresponse</c> row. What a competent hand-written path does: the four
/// inserts as one batch of prepared statements, one round trip, which PostgreSQL runs as one implicit transaction
/// (all or nothing, one commit, <c>synchronous_commit</c> as the server has it). The sequence number is drawn by
/// the insert itself rather than asked for beforehand. <see cref="Unprepared"/> sends the same batch the way Marten
/// sends its own (an explicit transaction, so a second round trip for the commit, and unprepared statements), to
/// tell what those choices cost from what Marten's own work costs.
/// </summary>
public sealed class RawAppend
{
    private readonly NpgsqlDataSource dataSource;
    private readonly ISerializer json;
    private readonly string schema;
    private readonly string streamType = typeof(Referral).GetEventTypeName();
    private readonly string eventType = typeof(ReferralRequested).GetEventTypeName();
    private readonly string eventDotNetType = DotNetTypeName(typeof(ReferralRequested));
    // Marten names an event's type with its assembly, a document's without.
    private readonly string referralDotNetType = typeof(Referral).FullName!;
    private readonly string responseDotNetType = typeof(IdempotentResponse).FullName!;

    private readonly bool unprepared;

    private RawAppend(NpgsqlDataSource dataSource, IDocumentStore tables, bool unprepared)
    {
        this.dataSource = dataSource;
        this.unprepared = unprepared;
        json = tables.Options.Serializer();
        schema = tables.Options.DatabaseSchemaName;
    }

    /// <summary>The raw path on <paramref name="dataSource"/>, writing into the tables <paramref name="tables"/> created.</summary>
    public static RawAppend For(NpgsqlDataSource dataSource, IDocumentStore tables) => new(dataSource, tables, unprepared: false);

    /// <summary>The same batch in an explicit transaction, unprepared: as Marten's session sends its statements.</summary>
    public static RawAppend Unprepared(NpgsqlDataSource dataSource, IDocumentStore tables) => new(dataSource, tables, unprepared: true);

    public async Task AppendAsync(Guid referrer, CancellationToken ct)
    {
        var submitted = Submitted.Next(referrer);
        var requested = submitted.Requested;
        var referral = Referral.Create(requested) with { Version = 1 };
        var id = requested.ReferralId;

        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                Command($"insert into {schema}.mt_streams (id, type, version) values ($1, $2, 1)",
                    Value(id), Value(streamType)),
                Command($"""
                    insert into {schema}.mt_events (seq_id, id, stream_id, version, data, type, timestamp, mt_dotnet_type, headers)
                    values (nextval('{schema}.mt_events_sequence'), $1, $2, 1, $3, $4, $5, $6, $7)
                    """,
                    Value(Guid.CreateVersion7()), Value(id), Jsonb(json.ToJson(requested)), Value(eventType), Value(requested.At),
                    Value(eventDotNetType), Jsonb(json.ToJson(new Dictionary<string, object> { [TracedSessionFactory.TraceParentHeader] = submitted.TraceParent }))),
                Command($"""
                    insert into {schema}.mt_doc_referral (id, data, mt_version, mt_dotnet_type, referrer_id, updated_at, link_worker_service_id)
                    values ($1, $2, 1, $3, $4, $5, $6)
                    """,
                    Value(id), Jsonb(json.ToJson(referral)), Value(referralDotNetType), Value(referral.ReferrerId), Value(referral.UpdatedAt),
                    new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Uuid, Value = DBNull.Value }),
                Command($"insert into {schema}.mt_doc_idempotentresponse (id, data, mt_version, mt_dotnet_type) values ($1, $2, $3, $4)",
                    Value(submitted.Response.Id), Jsonb(json.ToJson(submitted.Response)), Value(Guid.CreateVersion7()), Value(responseDotNetType)),
            },
        };
        if (unprepared)
        {
            await using var transaction = await connection.BeginTransactionAsync(ct);
            batch.Transaction = transaction;
            await batch.ExecuteNonQueryAsync(ct);
            await transaction.CommitAsync(ct);
            return;
        }

        // Prepared once per physical connection: Npgsql keeps a connection's prepared statements when it returns to the pool.
        await batch.PrepareAsync(ct);
        await batch.ExecuteNonQueryAsync(ct);
    }

    private static NpgsqlBatchCommand Command(string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddRange(parameters);
        return command;
    }

    private static NpgsqlParameter<T> Value<T>(T value) => new() { TypedValue = value };

    private static NpgsqlParameter<string> Jsonb(string value) => new() { TypedValue = value, NpgsqlDbType = NpgsqlDbType.Jsonb };

    private static string DotNetTypeName(Type type) => $"{type.FullName}, {type.Assembly.GetName().Name}";
}
