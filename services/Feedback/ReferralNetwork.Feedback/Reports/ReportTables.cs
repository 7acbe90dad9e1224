using System.Text;
using Marten;
using Npgsql;
using ReferralNetwork.Feedback.Journeys;
using ReferralNetwork.Feedback.Outcomes;
using ReferralNetwork.Feedback.UserFeedback;

namespace ReferralNetwork.Feedback.Reports;

/// <summary>
/// Narrow tables the summary report is counted from: one row per referral (its journey's figures and its
/// outcome changes), one per onward referral, one per rating. Reading a million journey documents took
/// seconds; these rows are counted and ranked by PostgreSQL in a fraction of one.
/// </summary>
/// <remarks>
/// Triggers on the documents' tables fill them from the figures each document carries in its JSON
/// (<see cref="ReferralJourney.ReportFigures"/>, <see cref="ReferralOutcomes.ReportFigures"/>,
/// <see cref="ServiceUserFeedback.ReportAtTicks"/>), in the same transaction, whatever wrote the document:
/// the inline projections, an erasure's re-stored snapshots, a rebuild, a bulk load. Documents written before
/// the tables existed (or by an older version, without the figures) are rewritten once by <see cref="FillAsync"/>.
/// Everything here is idempotent and runs at every start, after Marten has applied its own schema.
/// </remarks>
public static class ReportTables
{
    public const string Referrals = "report_referrals";
    public const string Onward = "report_onward";
    public const string Ratings = "report_ratings";

    // Any number will do; it only keeps two instances starting at once from creating the same objects together.
    private const long InstallLock = 0x5245504f5254;

    public static async Task InstallAsync(IDocumentStore store, CancellationToken ct)
    {
        foreach (var type in new[] { typeof(ReferralJourney), typeof(ReferralOutcomes), typeof(ServiceUserFeedback) })
        {
            await store.Storage.Database.EnsureStorageExistsAsync(type, ct);
        }

        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var command = new NpgsqlCommand(InstallSql(store), connection, transaction))
        {
            command.Parameters.AddWithValue("lock", InstallLock);
            await command.ExecuteNonQueryAsync(ct);
        }

        await transaction.CommitAsync(ct);
    }

    /// <summary>Rewrites, once, each document that has no row yet; returns how many were rewritten.</summary>
    public static async Task<long> FillAsync(IDocumentStore store, CancellationToken ct)
    {
        var schema = store.Options.DatabaseSchemaName;
        return await RewriteAsync<ReferralJourney>(store, $"not exists (select 1 from {schema}.{Referrals} r where r.journey_id = d.id)", ct)
            + await RewriteAsync<ReferralOutcomes>(store, $"not exists (select 1 from {schema}.{Referrals} r where r.referral_id = d.id and r.outcomes_recorded)", ct)
            + await RewriteAsync<ServiceUserFeedback>(store, $"not exists (select 1 from {schema}.{Ratings} r where r.feedback_id = d.id)", ct);
    }

    /// <summary>
    /// Serialises each document again, figures included, and writes it back only if it is still the document
    /// read; a writer that changed it meanwhile has filled the row itself.
    /// </summary>
    private static async Task<long> RewriteAsync<T>(IDocumentStore store, string missing, CancellationToken ct)
    {
        var table = store.Options.FindOrResolveDocumentType(typeof(T)).TableName.QualifiedName;
        var serializer = store.Options.Serializer();
        long rewritten = 0;
        var after = Guid.Empty;
        while (true)
        {
            await using var connection = store.Storage.Database.CreateConnection();
            await connection.OpenAsync(ct);
            var batch = new List<(Guid Id, string Data)>();
            await using (var select = new NpgsqlCommand(
                $"select d.id, d.data::text from {table} d where d.id > @after and {missing} order by d.id limit 500", connection))
            {
                select.Parameters.AddWithValue("after", after);
                await using var reader = await select.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    batch.Add((reader.GetGuid(0), reader.GetString(1)));
                }
            }

            if (batch.Count == 0)
            {
                return rewritten;
            }

            await using var transaction = await connection.BeginTransactionAsync(ct);
            foreach (var (id, data) in batch)
            {
                var document = serializer.FromJson<T>(new MemoryStream(Encoding.UTF8.GetBytes(data)));
                await using var update = new NpgsqlCommand($"update {table} set data = @data::jsonb where id = @id and data = @read::jsonb", connection, transaction);
                update.Parameters.AddWithValue("data", serializer.ToJson(document));
                update.Parameters.AddWithValue("id", id);
                update.Parameters.AddWithValue("read", data);
                rewritten += await update.ExecuteNonQueryAsync(ct);
            }

            await transaction.CommitAsync(ct);
            after = batch[^1].Id;
        }
    }

    private static string InstallSql(IDocumentStore store)
    {
        var s = store.Options.DatabaseSchemaName;
        string TableOf(Type type) => store.Options.FindOrResolveDocumentType(type).TableName.QualifiedName;
        return $$"""
            select pg_advisory_xact_lock(@lock);

            create table if not exists {{s}}.{{Referrals}} (
                referral_id uuid primary key,
                journey_id uuid,
                area text,
                requested_ticks bigint,
                pathway text,
                status text,
                accepted boolean,
                reached boolean,
                completed boolean,
                rejected_key text,
                failed_key text,
                cancelled_key text,
                to_acceptance_ticks bigint,
                to_first_contact_attempt_ticks bigint,
                to_first_reached_ticks bigint,
                link_worker_id uuid,
                link_worker_name text,
                accepted_ticks bigint,
                active boolean,
                outcomes_recorded boolean not null default false,
                swemwbs_metric numeric,
                wemwbs_total numeric,
                life_satisfaction numeric,
                worthwhile numeric,
                happiness numeric,
                anxiety numeric,
                goal_change_sum numeric,
                goal_count integer);
            create index if not exists {{Referrals}}_period on {{s}}.{{Referrals}} (area, requested_ticks);
            create index if not exists {{Referrals}}_journey on {{s}}.{{Referrals}} (journey_id);
            -- Caseloads counted along it, and each link worker's latest name read off its end.
            create index if not exists {{Referrals}}_caseload on {{s}}.{{Referrals}} (area, link_worker_id, accepted_ticks desc nulls last)
                include (active, link_worker_name) where link_worker_id is not null;
            -- Each wait in order within the area, so a percentile is a walk along an index rather than a sort.
            create index if not exists {{Referrals}}_to_acceptance on {{s}}.{{Referrals}} (area, to_acceptance_ticks) include (requested_ticks) where to_acceptance_ticks is not null;
            create index if not exists {{Referrals}}_to_first_contact_attempt on {{s}}.{{Referrals}} (area, to_first_contact_attempt_ticks) include (requested_ticks) where to_first_contact_attempt_ticks is not null;
            create index if not exists {{Referrals}}_to_first_reached on {{s}}.{{Referrals}} (area, to_first_reached_ticks) include (requested_ticks) where to_first_reached_ticks is not null;

            create table if not exists {{s}}.{{Onward}} (
                journey_id uuid not null,
                onward_id uuid not null,
                area text,
                requested_ticks bigint,
                status text not null,
                rejected_key text,
                to_acknowledgement_ticks bigint,
                primary key (journey_id, onward_id));
            create index if not exists {{Onward}}_period on {{s}}.{{Onward}} (area, requested_ticks);
            create index if not exists {{Onward}}_to_acknowledgement on {{s}}.{{Onward}} (area, to_acknowledgement_ticks) include (requested_ticks) where to_acknowledgement_ticks is not null;

            create table if not exists {{s}}.{{Ratings}} (
                feedback_id uuid primary key,
                area text,
                at_ticks bigint not null,
                rating integer not null);
            create index if not exists {{Ratings}}_period on {{s}}.{{Ratings}} (area, at_ticks) include (rating);

            create or replace function {{s}}.report_journey_written() returns trigger language plpgsql as $body$
            declare
                f jsonb;
                was jsonb;
            begin
                if tg_op = 'DELETE' then
                    delete from {{s}}.{{Onward}} where journey_id = old.id;
                    -- Out of every report; the outcome columns stay for when the journey is written again.
                    update {{s}}.{{Referrals}} set area = null, journey_id = null where journey_id = old.id;
                    return null;
                end if;
                f := new.data -> 'ReportFigures';
                -- Without figures (an older version wrote it): ReportTables.FillAsync rewrites it.
                if f is null then
                    return null;
                end if;
                insert into {{s}}.{{Referrals}} as r (
                    referral_id, journey_id, area, requested_ticks, pathway, status, accepted, reached, completed,
                    rejected_key, failed_key, cancelled_key, to_acceptance_ticks, to_first_contact_attempt_ticks, to_first_reached_ticks,
                    link_worker_id, link_worker_name, accepted_ticks, active)
                values (
                    (f ->> 'ReferralId')::uuid, new.id, f ->> 'Area', (f ->> 'RequestedTicks')::bigint, f ->> 'Pathway', f ->> 'Status',
                    (f ->> 'Accepted')::boolean, (f ->> 'Reached')::boolean, (f ->> 'Completed')::boolean,
                    f ->> 'RejectedKey', f ->> 'FailedKey', f ->> 'CancelledKey',
                    (f ->> 'ToAcceptanceTicks')::bigint, (f ->> 'ToFirstContactAttemptTicks')::bigint, (f ->> 'ToFirstReachedTicks')::bigint,
                    (f ->> 'LinkWorkerId')::uuid, f ->> 'LinkWorkerName', (f ->> 'AcceptedTicks')::bigint, (f ->> 'Active')::boolean)
                on conflict (referral_id) do update set
                    journey_id = excluded.journey_id, area = excluded.area, requested_ticks = excluded.requested_ticks,
                    pathway = excluded.pathway, status = excluded.status, accepted = excluded.accepted, reached = excluded.reached,
                    completed = excluded.completed, rejected_key = excluded.rejected_key, failed_key = excluded.failed_key,
                    cancelled_key = excluded.cancelled_key, to_acceptance_ticks = excluded.to_acceptance_ticks,
                    to_first_contact_attempt_ticks = excluded.to_first_contact_attempt_ticks, to_first_reached_ticks = excluded.to_first_reached_ticks,
                    link_worker_id = excluded.link_worker_id, link_worker_name = excluded.link_worker_name,
                    accepted_ticks = excluded.accepted_ticks, active = excluded.active;
                if tg_op = 'UPDATE' then
                    was := old.data -> 'ReportFigures';
                end if;
                -- Most steps of a journey leave its onward referrals as they were.
                if was is null or was -> 'Onward' is distinct from f -> 'Onward' or was -> 'Area' is distinct from f -> 'Area'
                    or was -> 'RequestedTicks' is distinct from f -> 'RequestedTicks' then
                    delete from {{s}}.{{Onward}} where journey_id = new.id;
                    insert into {{s}}.{{Onward}} (journey_id, onward_id, area, requested_ticks, status, rejected_key, to_acknowledgement_ticks)
                    select new.id, (o ->> 'Id')::uuid, f ->> 'Area', (f ->> 'RequestedTicks')::bigint, o ->> 'Status', o ->> 'RejectedKey',
                        (o ->> 'ToAcknowledgementTicks')::bigint
                    from jsonb_array_elements(f -> 'Onward') o;
                end if;
                return null;
            end;
            $body$;
            create or replace trigger report_journey_written after insert or update or delete on {{TableOf(typeof(ReferralJourney))}}
                for each row execute function {{s}}.report_journey_written();

            -- A truncate (Marten's clean-up, a rebuild) fires no row triggers.
            create or replace function {{s}}.report_journeys_truncated() returns trigger language plpgsql as $body$
            begin
                truncate {{s}}.{{Onward}};
                update {{s}}.{{Referrals}} set area = null, journey_id = null where journey_id is not null;
                return null;
            end;
            $body$;
            create or replace trigger report_journeys_truncated after truncate on {{TableOf(typeof(ReferralJourney))}}
                for each statement execute function {{s}}.report_journeys_truncated();

            create or replace function {{s}}.report_outcomes_written() returns trigger language plpgsql as $body$
            declare
                f jsonb;
            begin
                if tg_op = 'DELETE' then
                    update {{s}}.{{Referrals}} set outcomes_recorded = false, swemwbs_metric = null, wemwbs_total = null, life_satisfaction = null,
                        worthwhile = null, happiness = null, anxiety = null, goal_change_sum = null, goal_count = null
                    where referral_id = old.id;
                    return null;
                end if;
                f := new.data -> 'ReportFigures';
                if f is null then
                    return null;
                end if;
                insert into {{s}}.{{Referrals}} as r (
                    referral_id, outcomes_recorded, swemwbs_metric, wemwbs_total, life_satisfaction, worthwhile, happiness, anxiety, goal_change_sum, goal_count)
                values (
                    new.id, true, (f ->> 'SwemwbsMetric')::numeric, (f ->> 'WemwbsTotal')::numeric, (f ->> 'LifeSatisfaction')::numeric,
                    (f ->> 'Worthwhile')::numeric, (f ->> 'Happiness')::numeric, (f ->> 'Anxiety')::numeric,
                    (f ->> 'GoalChangeSum')::numeric, (f ->> 'GoalCount')::integer)
                on conflict (referral_id) do update set
                    outcomes_recorded = true, swemwbs_metric = excluded.swemwbs_metric, wemwbs_total = excluded.wemwbs_total,
                    life_satisfaction = excluded.life_satisfaction, worthwhile = excluded.worthwhile, happiness = excluded.happiness,
                    anxiety = excluded.anxiety, goal_change_sum = excluded.goal_change_sum, goal_count = excluded.goal_count;
                return null;
            end;
            $body$;
            create or replace trigger report_outcomes_written after insert or update or delete on {{TableOf(typeof(ReferralOutcomes))}}
                for each row execute function {{s}}.report_outcomes_written();

            create or replace function {{s}}.report_outcomes_truncated() returns trigger language plpgsql as $body$
            begin
                update {{s}}.{{Referrals}} set outcomes_recorded = false, swemwbs_metric = null, wemwbs_total = null, life_satisfaction = null,
                    worthwhile = null, happiness = null, anxiety = null, goal_change_sum = null, goal_count = null
                where outcomes_recorded;
                return null;
            end;
            $body$;
            create or replace trigger report_outcomes_truncated after truncate on {{TableOf(typeof(ReferralOutcomes))}}
                for each statement execute function {{s}}.report_outcomes_truncated();

            create or replace function {{s}}.report_rating_written() returns trigger language plpgsql as $body$
            begin
                if tg_op = 'DELETE' then
                    delete from {{s}}.{{Ratings}} where feedback_id = old.id;
                    return null;
                end if;
                if new.data -> 'ReportAtTicks' is null then
                    return null;
                end if;
                insert into {{s}}.{{Ratings}} (feedback_id, area, at_ticks, rating)
                values (new.id, new.data ->> 'Area', (new.data ->> 'ReportAtTicks')::bigint, (new.data ->> 'Rating')::integer)
                on conflict (feedback_id) do update set area = excluded.area, at_ticks = excluded.at_ticks, rating = excluded.rating;
                return null;
            end;
            $body$;
            create or replace trigger report_rating_written after insert or update or delete on {{TableOf(typeof(ServiceUserFeedback))}}
                for each row execute function {{s}}.report_rating_written();

            create or replace function {{s}}.report_ratings_truncated() returns trigger language plpgsql as $body$
            begin
                truncate {{s}}.{{Ratings}};
                return null;
            end;
            $body$;
            create or replace trigger report_ratings_truncated after truncate on {{TableOf(typeof(ServiceUserFeedback))}}
                for each statement execute function {{s}}.report_ratings_truncated();
            """;
    }
}

/// <summary>Whether every document written before the report tables existed has its rows: until then reports are composed in memory.</summary>
public sealed class ReportTablesState
{
    private volatile bool filled;

    public bool Filled => filled;

    internal void MarkFilled() => filled = true;
}

/// <summary>Installs the report tables at start (before the service answers), then fills them from older documents in the background.</summary>
public sealed class ReportTablesSetup(IDocumentStore store, ReportTablesState state, ILogger<ReportTablesSetup> logger) : BackgroundService
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await ReportTables.InstallAsync(store, cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var rewritten = await ReportTables.FillAsync(store, stoppingToken);
                if (rewritten > 0)
                {
                    logger.LogInformation("Report tables: {Count} documents written before them were rewritten into them", rewritten);
                }

                state.MarkFilled();
                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                logger.LogWarning(e, "Filling the report tables failed; trying again in 10 s (reports are composed in memory meanwhile)");
                await Task.Delay(TimeSpan.FromSeconds(10), stoppingToken);
            }
        }
    }
}
