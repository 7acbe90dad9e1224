using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Xunit.Abstractions;

namespace ReferralNetwork.EndToEndTests;

/// <summary>What an operator sees in the AppHost's dashboard: the network's traces and its resources.</summary>
[Collection(RunningNetworkCollection.Name)]
public class TelemetryTests(RunningNetwork network, ITestOutputHelper output)
{
    private sealed record Span(string SpanId, string? ParentSpanId, string Name, string Kind, string Service, string Scope, IReadOnlyDictionary<string, string?> Attributes);

    [Fact]
    public async Task A_submitted_referral_is_one_trace_from_the_gateway_through_the_relay_to_the_link_worker_consumer()
    {
        var area = "telemetry-" + Guid.NewGuid().ToString("N")[..6];
        var gp = await network.RegisterAsync("Riverside Surgery", "gp-practice", area);
        await network.RegisterAsync("North Link Workers", "link-worker-service", area);

        // A partner that traces its own calls sends its traceparent; the gateway starts our trace
        // anyway (partners are outside the trust boundary) and answers with the trace id to quote.
        var partnerTraceId = ActivityTraceId.CreateRandom().ToHexString();
        using var submit = new HttpRequestMessage(HttpMethod.Post, "/api/referrals") { Content = JsonContent.Create(ReferralJourneyTests.Referral()) };
        submit.Headers.Add("traceparent", $"00-{partnerTraceId}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
        var submitted = await gp.Client.SendAsync(submit);
        Assert.Equal(HttpStatusCode.Created, submitted.StatusCode);
        Assert.True(submitted.Headers.TryGetValues("traceresponse", out var traceResponse), "The gateway's answer has no traceresponse header.");
        Assert.True(ActivityContext.TryParse(traceResponse.Single(), null, out var answered), $"Unreadable traceresponse '{traceResponse.Single()}'.");
        var traceId = answered.TraceId.ToHexString();
        Assert.NotEqual(partnerTraceId, traceId);

        IReadOnlyList<Span> spans = [];
        Span? consume = null;
        try
        {
            consume = await Eventually.GetAsync(async () =>
            {
                spans = await TraceAsync(traceId);
                var candidate = spans.FirstOrDefault(s => s is { Service: "linkworkers", Scope: "MassTransit", Kind: "consumer" });
                if (candidate is null)
                {
                    return null;
                }

                // Each service exports in its own batches, so wait until the chain up to the gateway has arrived.
                var chain = Ancestry(candidate, spans.GroupBy(s => s.SpanId).ToDictionary(g => g.Key, g => g.First()));
                return chain.Any(s => s is { Service: "gateway", Kind: "server" }) ? candidate : null;
            }, "the link-worker service's consume span, and the spans above it up to the gateway, in the submit's trace", seconds: 60);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message} Spans received in that trace:{Environment.NewLine}{Describe(spans)}", e);
        }

        // Not merely the same trace id: each step descends from the one before it.
        var byId = spans.ToDictionary(s => s.SpanId);
        var ancestry = Ancestry(consume, byId);
        output.WriteLine($"trace {traceId}, {spans.Count} spans; the consume span and its ancestors:{Environment.NewLine}{Describe([consume, .. ancestry])}");
        var relay = ancestry.FirstOrDefault(s => s.Service == "referrals" && s.Name.StartsWith("relay ", StringComparison.Ordinal));
        Assert.True(relay is { Kind: "producer" }, $"No relay producer span above the consumer:{Environment.NewLine}{Describe(ancestry)}");
        var relayAncestry = Ancestry(relay!, byId);
        Assert.True(relayAncestry.Any(s => s is { Service: "referrals", Kind: "server" }),
            $"The relay span does not descend from the referral service's request:{Environment.NewLine}{Describe(relayAncestry)}");
        Assert.True(relayAncestry.Any(s => s is { Service: "gateway", Kind: "server" }),
            $"The referral service's request does not descend from the gateway's:{Environment.NewLine}{Describe(relayAncestry)}");

        // The trace starts at the gateway, which notes the partner's own trace id for cross-reference.
        var root = Assert.Single(spans, s => s.ParentSpanId is null);
        Assert.Equal(("gateway", "server"), (root.Service, root.Kind));
        Assert.Equal(partnerTraceId, root.Attributes.GetValueOrDefault("partner.trace_id"));
    }

    [Fact]
    public async Task The_dashboard_lists_every_resource_healthy_with_its_console_output()
    {
        var resources = await Eventually.GetAsync(async () =>
        {
            var listed = await network.Dashboard.GetFromJsonAsync<JsonElement>("/api/resources");
            return listed.EnumerateArray().All(r => r.GetProperty("health").GetString() == "healthy") ? (JsonElement?)listed : null;
        }, "every resource healthy on the dashboard", seconds: 20);
        var names = resources!.Value.EnumerateArray().Select(r => r.GetProperty("name").GetString()).ToList();
        Assert.Equal(["postgres", "rabbitmq", "linkworkers", "communityproviders", "feedback", "referrals", "gateway"], names);

        var console = await network.Dashboard.GetFromJsonAsync<JsonElement>("/api/resources/gateway/console?search=started");
        Assert.Contains(console.GetProperty("lines").EnumerateArray(), l => l.GetString()!.Contains("started", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Dashboard_actions_need_the_dashboards_own_header()
    {
        // A page on another site can post a form to loopback, but cannot add this header.
        var response = await network.Dashboard.PostAsync("/api/resources/feedback/stop", null);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var feedback = (await network.Dashboard.GetFromJsonAsync<JsonElement>("/api/resources")).EnumerateArray()
            .Single(r => r.GetProperty("name").GetString() == "feedback");
        Assert.Equal("running", feedback.GetProperty("state").GetString());
    }

    private async Task<IReadOnlyList<Span>> TraceAsync(string traceId)
    {
        using var response = await network.Dashboard.GetAsync($"/api/traces/{traceId}");
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return [];
        }
        var trace = await response.Content.ReadFromJsonAsync<JsonElement>();
        return
        [
            .. trace.GetProperty("spans").EnumerateArray().Select(s => new Span(
                s.GetProperty("spanId").GetString()!,
                s.GetProperty("parentSpanId").GetString(),
                s.GetProperty("name").GetString()!,
                s.GetProperty("kind").GetString()!,
                s.GetProperty("service").GetString()!,
                s.GetProperty("scope").GetString()!,
                s.GetProperty("attributes").EnumerateObject().ToDictionary(a => a.Name, a => a.Value.ValueKind == JsonValueKind.String ? a.Value.GetString() : a.Value.GetRawText()))),
        ];
    }

    private static List<Span> Ancestry(Span span, IReadOnlyDictionary<string, Span> byId)
    {
        var ancestors = new List<Span>();
        for (var parent = span.ParentSpanId; parent is not null && byId.TryGetValue(parent, out var found) && ancestors.Count < 100; parent = found.ParentSpanId)
        {
            ancestors.Add(found);
        }
        return ancestors;
    }

    private static string Describe(IEnumerable<Span> spans) =>
        string.Join(Environment.NewLine, spans.Select(s => $"  {s.Service} {s.Kind} {s.Scope}: {s.Name}"));
}
