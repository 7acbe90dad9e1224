using System.Diagnostics;
using Marten;

namespace ReferralNetwork.EventSourcing;

/// <summary>
/// Lightweight sessions that stamp the current trace context into every appended event's headers,
/// so the relay can publish the integration event as part of the same trace.
/// </summary>
public sealed class TracedSessionFactory(IDocumentStore store) : ISessionFactory
{
    public const string TraceParentHeader = "traceparent";

    public IQuerySession QuerySession() => store.QuerySession();

    public IDocumentSession OpenSession()
    {
        var session = store.LightweightSession();
        if (Activity.Current is { } activity)
        {
            session.SetHeader(TraceParentHeader, activity.Id!);
            if (activity.TraceStateString is { } state)
            {
                session.SetHeader("tracestate", state);
            }
        }

        return session;
    }
}
