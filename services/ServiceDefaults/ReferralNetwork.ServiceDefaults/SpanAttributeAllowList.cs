using System.Collections.Frozen;
using System.Diagnostics;
using System.Reflection;
using OpenTelemetry;

namespace ReferralNetwork.ServiceDefaults;

/// <summary>
/// Keeps personal data inside the service, whichever collector receives its spans. When a span ends,
/// every attribute whose key is not in <see cref="Keys"/> is removed, from the span and from its
/// events; links lose their attributes and the status keeps its code but not its description.
/// Allowing rather than refusing keys means a library that starts recording something new (a query,
/// a URL, an exception message echoing a database value such as an NHS number) is dropped until
/// someone decides it is safe and adds it here.
/// </summary>
public sealed class SpanAttributeAllowList : BaseProcessor<Activity>
{
    /// <summary>
    /// The attribute keys an operator needs that cannot carry personal data: templates, methods,
    /// status codes, ids, type names and queue addresses. Deliberately absent: url.full, url.path and
    /// url.query (paths and query strings can carry search terms), db.query.text and db.statement (a
    /// statement could embed a literal), user_agent.original, client.address, enduser.* and headers.
    /// </summary>
    public static readonly IReadOnlySet<string> Keys = new[]
    {
        // HTTP, server and client side.
        "http.route",
        "http.request.method",
        "http.response.status_code",
        "url.scheme",
        "server.address",
        "server.port",
        "network.protocol.version",
        "error.type",

        // Messaging, as MassTransit records it.
        "messaging.system",
        "messaging.operation",
        "messaging.operation.type",
        "messaging.operation.name",
        "messaging.destination.name",
        "messaging.message.id",
        "messaging.message.conversation_id",
        "messaging.message.body.size",
        "messaging.rabbitmq.destination.routing_key",
        "messaging.masstransit.message_id",
        "messaging.masstransit.correlation_id",
        "messaging.masstransit.initiator_id",
        "messaging.masstransit.request_id",
        "messaging.masstransit.saga_id",
        "messaging.masstransit.tracking_number",
        "messaging.masstransit.source_address",
        "messaging.masstransit.destination_address",
        "messaging.masstransit.input_address",
        "messaging.masstransit.message_types",
        "messaging.masstransit.consumer_type",
        // MassTransit puts the consumed message's type here (urn:message:...), not a network peer.
        "peer.address",

        // Database: which one and what kind of operation, never the statement.
        "db.system",
        "db.system.name",
        "db.namespace",
        "db.operation.name",
        "db.response.status_code",

        // The gateway's route to a service.
        "proxy.route_id",
        "proxy.cluster_id",
        "proxy.destination_id",

        // Our own.
        // Parsed as a W3C trace id, so it can only be hex. Not correlation.id: a partner may send any text there.
        "partner.trace_id",
        "event.type",
        "event.sequence",
        "otel.status_code",

        // On exception events: the type says what went wrong; message and stack trace can echo values.
        "exception.type",
        "exception.escaped",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>What a database command's span is called, instead of whatever a span name provider chose.</summary>
    internal const string DatabaseSpanName = "postgresql";

    private const string DatabaseSource = "Npgsql";

    // .NET copies an event's or link's attributes into a list of its own and offers no way to change
    // it or to remove an event, so cleaned copies replace the originals through these fields.
    private static readonly FieldInfo? EventsField = typeof(Activity).GetField("_events", BindingFlags.Instance | BindingFlags.NonPublic);
    private static readonly FieldInfo? LinksField = typeof(Activity).GetField("_links", BindingFlags.Instance | BindingFlags.NonPublic);

    public override void OnEnd(Activity data)
    {
        RemoveUnlistedTags(data);

        // The description is free text (MassTransit and Npgsql put exception messages there).
        data.SetStatus(data.Status);

        // Npgsql names command spans after the database system unless given a span name provider,
        // which could name them after the SQL; pin the name so no configuration can do that.
        if (data.Source.Name == DatabaseSource)
        {
            data.DisplayName = data.GetTagItem("db.operation.name") as string ?? DatabaseSpanName;
        }

        if (!TryCleanEvents(data) || !TryCleanLinks(data))
        {
            // A runtime without the fields above: better to lose the span than to export what it carries.
            data.ActivityTraceFlags &= ~ActivityTraceFlags.Recorded;
        }
    }

    private static void RemoveUnlistedTags(Activity span)
    {
        // One removal per occurrence: AddTag allows the same key more than once.
        var unlisted = new List<string>();
        foreach (var tag in span.TagObjects)
        {
            if (!Keys.Contains(tag.Key))
            {
                unlisted.Add(tag.Key);
            }
        }

        foreach (var key in unlisted)
        {
            span.SetTag(key, null);
        }
    }

    private static bool TryCleanEvents(Activity span)
    {
        if (!span.Events.Any(e => e.Tags.Any(t => !Keys.Contains(t.Key))))
        {
            return true;
        }

        if (EventsField is null)
        {
            return false;
        }

        var cleaned = span.Events
            .Select(e => new ActivityEvent(e.Name, e.Timestamp, new ActivityTagsCollection(e.Tags.Where(t => Keys.Contains(t.Key)))))
            .ToList();
        EventsField.SetValue(span, null);
        foreach (var e in cleaned)
        {
            span.AddEvent(e);
        }

        return true;
    }

    private static bool TryCleanLinks(Activity span)
    {
        // A link's attributes are free-form, so none are kept; the linked context is what matters.
        if (!span.Links.Any(l => l.Tags?.Any() == true))
        {
            return true;
        }

        if (LinksField is null)
        {
            return false;
        }

        var contexts = span.Links.Select(l => l.Context).ToList();
        LinksField.SetValue(span, null);
        foreach (var context in contexts)
        {
            span.AddLink(new ActivityLink(context));
        }

        return true;
    }
}
