using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Context.Propagation;

namespace ReferralNetwork.Gateway.Tracing;

/// <summary>
/// The gateway is where partners' calls cross into the network, so every journey's trace starts
/// here. A partner's own <c>traceparent</c> is not trusted: its trace id could be chosen to join or
/// collide with another organisation's trace, and its sampled flag could switch our tracing off. The
/// partner's trace id is kept as a tag on the gateway's span for cross-reference, and every response
/// carries ours in <c>traceresponse</c> (W3C Trace Context level 2), so a partner can quote it.
/// Inside the network, from the gateway onwards, trace context flows as usual.
/// </summary>
public static class EdgeTraceContext
{
    public const string ResponseHeader = "traceresponse";

    /// <summary>The tag on the gateway's server span holding the trace id the partner sent, if any.</summary>
    public const string PartnerTraceIdTag = "partner.trace_id";

    public static IHostApplicationBuilder AddEdgeTraceContext(this IHostApplicationBuilder builder)
    {
        // ASP.NET Core takes the propagator for incoming requests from DI; outgoing calls (YARP,
        // HttpClient) use DistributedContextPropagator.Current, which stays as it is.
        builder.Services.AddSingleton<DistributedContextPropagator>(new OutgoingOnlyPropagator(DistributedContextPropagator.Current));
        // OpenTelemetry's ASP.NET Core instrumentation extracts again with its own default
        // propagator; one that extracts nothing leaves ASP.NET Core's fresh root in place.
        Sdk.SetDefaultTextMapPropagator(new CompositeTextMapPropagator([]));
        return builder;
    }

    public static WebApplication UseEdgeTraceContext(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            var activity = Activity.Current;
            if (activity is not null)
            {
                if (ActivityContext.TryParse(context.Request.Headers.TraceParent, null, out var partner))
                {
                    activity.SetTag(PartnerTraceIdTag, partner.TraceId.ToHexString());
                }
                context.Response.OnStarting(() =>
                {
                    context.Response.Headers[ResponseHeader] =
                        $"00-{activity.TraceId.ToHexString()}-{activity.SpanId.ToHexString()}-{(activity.Recorded ? "01" : "00")}";
                    return Task.CompletedTask;
                });
            }
            return next(context);
        });
        return app;
    }

    /// <summary>Injects trace context into outgoing calls but reads none from incoming ones.</summary>
    internal sealed class OutgoingOnlyPropagator(DistributedContextPropagator outgoing) : DistributedContextPropagator
    {
        public override IReadOnlyCollection<string> Fields => outgoing.Fields;

        public override void Inject(Activity? activity, object? carrier, PropagatorSetterCallback? setter) =>
            outgoing.Inject(activity, carrier, setter);

        public override void ExtractTraceIdAndState(object? carrier, PropagatorGetterCallback? getter, out string? traceId, out string? traceState)
        {
            traceId = null;
            traceState = null;
        }

        public override IEnumerable<KeyValuePair<string, string?>>? ExtractBaggage(object? carrier, PropagatorGetterCallback? getter) => null;
    }
}
