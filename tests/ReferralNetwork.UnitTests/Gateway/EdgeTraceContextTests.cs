using System.Diagnostics;
using ReferralNetwork.Gateway.Tracing;

namespace ReferralNetwork.UnitTests.Gateway;

public class EdgeTraceContextTests
{
    private const string PartnerTraceId = "0af7651916cd43dd8448eb211c80319c";

    private static readonly Dictionary<string, string> FromPartner = new(StringComparer.OrdinalIgnoreCase)
    {
        ["traceparent"] = $"00-{PartnerTraceId}-b7ad6b7169203331-01",
        ["tracestate"] = "congo=t61rcWkgMzE",
        ["baggage"] = "tenant=partner-a,user=alice",
    };

    public static TheoryData<string> Outgoing => ["default", "w3c"];

    /// <summary>The propagators .NET has for <see cref="DistributedContextPropagator.Current"/> to be, which the gateway wraps.</summary>
    private static DistributedContextPropagator Inner(string name) => name switch
    {
        "w3c" => DistributedContextPropagator.CreateW3CPropagator(),
        _ => DistributedContextPropagator.CreateDefaultPropagator(),
    };

    private static void Get(object? carrier, string field, out string? value, out IEnumerable<string>? values)
    {
        values = null;
        ((Dictionary<string, string>)carrier!).TryGetValue(field, out value);
    }

    [Theory]
    [MemberData(nameof(Outgoing))]
    public void A_partners_trace_context_and_baggage_are_not_read(string outgoing)
    {
        // The wrapped propagator on its own does read them from this request.
        Inner(outgoing).ExtractTraceIdAndState(FromPartner, Get, out var theirs, out _);
        Assert.Contains(PartnerTraceId, theirs);
        Assert.NotEmpty(Inner(outgoing).ExtractBaggage(FromPartner, Get) ?? []);

        var edge = new EdgeTraceContext.OutgoingOnlyPropagator(Inner(outgoing));
        edge.ExtractTraceIdAndState(FromPartner, Get, out var traceId, out var traceState);

        Assert.Null(traceId);
        Assert.Null(traceState);
        Assert.Empty(edge.ExtractBaggage(FromPartner, Get) ?? []);
    }

    [Theory]
    [MemberData(nameof(Outgoing))]
    public void Calls_onward_carry_the_gateways_own_trace_context(string outgoing)
    {
        var edge = new EdgeTraceContext.OutgoingOnlyPropagator(Inner(outgoing));
        using var activity = new Activity("proxy to referrals").SetIdFormat(ActivityIdFormat.W3C).Start();
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

        edge.Inject(activity, headers, (carrier, field, value) => ((Dictionary<string, string>)carrier!)[field] = value);

        Assert.StartsWith($"00-{activity.TraceId.ToHexString()}-{activity.SpanId.ToHexString()}-", headers["traceparent"]);
        Assert.Contains("traceparent", edge.Fields, StringComparer.OrdinalIgnoreCase);
    }
}
