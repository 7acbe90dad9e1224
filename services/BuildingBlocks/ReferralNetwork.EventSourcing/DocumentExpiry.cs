using System.Diagnostics.Metrics;
using System.Linq.Expressions;
using System.Reflection;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using ReferralNetwork.ServiceDefaults;

namespace ReferralNetwork.EventSourcing;

/// <summary>How long records of one kind are kept, and how their cleaner deletes the older ones.</summary>
public interface IExpiryPolicy
{
    /// <summary>A record is deleted once it is older than this.</summary>
    TimeSpan KeepFor { get; }

    /// <summary>How often the cleaner looks (also once at start), so a record lives at most <see cref="KeepFor"/> plus this.</summary>
    TimeSpan CheckEvery { get; }

    /// <summary>Rows deleted per statement (each its own short transaction), so a backlog never holds long locks.</summary>
    int DeleteBatchSize { get; }
}

public static class DocumentExpiryExtensions
{
    /// <summary>
    /// Deletes <typeparamref name="TDocument"/>s whose <paramref name="timestamp"/> is older than
    /// <typeparamref name="TPolicy"/>'s <see cref="IExpiryPolicy.KeepFor"/>, in a background service. The timestamp
    /// is duplicated into an indexed column, which the cleaner queries by. <paramref name="kind"/> names the records
    /// in logs and in the <see cref="DocumentExpiry{TDocument,TPolicy}.CounterName"/> metric.
    /// </summary>
    public static IServiceCollection AddDocumentExpiry<TDocument, TPolicy>(
        this IServiceCollection services, string kind, Expression<Func<TDocument, object?>> timestamp)
        where TDocument : notnull
        where TPolicy : class, IExpiryPolicy
    {
        services.ConfigureMarten(opts => opts.Schema.For<TDocument>().Duplicate(timestamp, partOfPrimaryKey: false));
        services.AddSingleton(new ExpiringTimestamp<TDocument>(kind, MemberOf(timestamp)));
        services.AddSingleton<DocumentExpiry<TDocument, TPolicy>>();
        services.AddHostedService(sp => sp.GetRequiredService<DocumentExpiry<TDocument, TPolicy>>());
        return services;
    }

    /// <summary>Validation shared by every expiry policy, naming the settings under <paramref name="section"/>.</summary>
    public static OptionsBuilder<TPolicy> ValidateExpiry<TPolicy>(this OptionsBuilder<TPolicy> options, string section)
        where TPolicy : class, IExpiryPolicy =>
        options
            .Validate(o => o.KeepFor > TimeSpan.Zero, $"{section}:KeepFor must be a positive time span.")
            .Validate(o => o.CheckEvery > TimeSpan.Zero && o.CheckEvery <= TimeSpan.FromDays(1),
                $"{section}:CheckEvery must be a positive time span of at most a day.")
            .Validate(o => o.DeleteBatchSize is >= 1 and <= 100_000, $"{section}:DeleteBatchSize must be 1 to 100000.");

    private static MemberInfo MemberOf<TDocument>(Expression<Func<TDocument, object?>> timestamp)
    {
        var body = timestamp.Body is UnaryExpression { NodeType: ExpressionType.Convert } boxed ? boxed.Operand : timestamp.Body;
        return body is MemberExpression { Expression: ParameterExpression } member
            ? member.Member
            : throw new ArgumentException("The timestamp must be a member of the document, such as d => d.At.", nameof(timestamp));
    }
}

/// <summary>Which member of <typeparamref name="TDocument"/> says when it was written.</summary>
public sealed record ExpiringTimestamp<TDocument>(string Kind, MemberInfo Member);

/// <summary>
/// Deletes expired <typeparamref name="TDocument"/>s once at start and every <see cref="IExpiryPolicy.CheckEvery"/>
/// after, in batches of <see cref="IExpiryPolicy.DeleteBatchSize"/> by the indexed timestamp column, oldest first,
/// until none is left.
/// </summary>
public sealed class DocumentExpiry<TDocument, TPolicy> : BackgroundService
    where TDocument : notnull
    where TPolicy : class, IExpiryPolicy
{
    public const string CounterName = "referral_network.records.expired";

    private readonly IDocumentStore store;
    private readonly IOptions<TPolicy> policy;
    private readonly TimeProvider clock;
    private readonly IHostApplicationLifetime lifetime;
    private readonly ILogger<DocumentExpiry<TDocument, TPolicy>> logger;
    private readonly ExpiringTimestamp<TDocument> timestamp;
    private readonly Counter<long> expired;
    private readonly IBackgroundWork work;
    private string? deleteSql;

    public DocumentExpiry(
        IDocumentStore store, IOptions<TPolicy> policy, TimeProvider clock, IHostApplicationLifetime lifetime,
        ExpiringTimestamp<TDocument> timestamp, IMeterFactory meters, ILogger<DocumentExpiry<TDocument, TPolicy>> logger, IBackgroundWork work)
    {
        this.store = store;
        this.work = work;
        this.policy = policy;
        this.clock = clock;
        this.lifetime = lifetime;
        this.timestamp = timestamp;
        this.logger = logger;
        expired = meters.Create(Telemetry.SourceName).CreateCounter<long>(CounterName, unit: "{record}",
            description: "Records deleted because they were older than their retention, by kind.");
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await lifetime.WhenStartedAsync(stoppingToken);
            using var timer = new PeriodicTimer(policy.Value.CheckEvery, clock);
            do
            {
                try
                {
                    // Once per service, where its background work runs.
                    if (work.IsMine)
                    {
                        await ExpireAsync(stoppingToken);
                    }
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    logger.LogWarning(ex, "Deleting expired {Kind} records failed; trying again in {Interval}", timestamp.Kind, policy.Value.CheckEvery);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    /// <summary>One pass: deletes every record older than the retention, a batch at a time; returns how many.</summary>
    public async Task<long> ExpireAsync(CancellationToken ct)
    {
        var options = policy.Value;
        var cutoff = clock.GetUtcNow() - options.KeepFor;
        var sql = deleteSql ??= await PrepareAsync(ct);
        long total = 0;
        int deleted;
        do
        {
            await using var connection = store.Storage.Database.CreateConnection();
            await connection.OpenAsync(ct);
            await using var delete = new NpgsqlCommand(sql, connection);
            delete.Parameters.AddWithValue("cutoff", cutoff);
            delete.Parameters.AddWithValue("batch", options.DeleteBatchSize);
            deleted = await delete.ExecuteNonQueryAsync(ct);
            total += deleted;
        }
        while (deleted == options.DeleteBatchSize);

        if (total > 0)
        {
            expired.Add(total, new KeyValuePair<string, object?>("kind", timestamp.Kind));
            logger.LogInformation("Deleted {Count} {Kind} records older than {Cutoff:u}", total, timestamp.Kind, cutoff);
        }

        return total;
    }

    private async Task<string> PrepareAsync(CancellationToken ct)
    {
        // The table and the duplicated column as Marten named them; the table is created if nothing has written one yet.
        await store.Storage.Database.EnsureStorageExistsAsync(typeof(TDocument), ct);
        var mapping = store.Options.FindOrResolveDocumentType(typeof(TDocument));
        var column = mapping.DuplicatedFields.SingleOrDefault(f => f.Members.Length == 1 && f.Members[0].Name == timestamp.Member.Name)?.ColumnName
            ?? throw new InvalidOperationException($"{typeof(TDocument).Name}.{timestamp.Member.Name} is not duplicated into a column.");
        var table = mapping.TableName.QualifiedName;
        return $"""delete from {table} where id in (select id from {table} where "{column}" < @cutoff order by "{column}" limit @batch)""";
    }
}
