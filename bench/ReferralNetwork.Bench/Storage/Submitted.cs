extern alias referrals;

using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using ReferralNetwork.Contracts;
using ReferralNetwork.PartnerApi;
using referrals::ReferralNetwork.Referrals.Referrals;
using referrals::ReferralNetwork.Referrals.Referrals.Read;

namespace ReferralNetwork.Bench.Storage;

/// <summary>
/// One referral as <c>ReferralsApi.SubmitAsync</c> has it just before its save: the first event, the
/// Idempotency-Key's stored response (the 201's body, serialized as the partner API does) and the trace
/// the request ran in. The same person the intake benchmark sends, so the rows are the size intake writes.
/// </summary>
public sealed record Submitted(ReferralRequested Requested, IdempotentResponse Response, string TraceParent)
{
    private static readonly JsonSerializerOptions WebJson = PartnerJson();

    private static readonly PersonDetails Person = new(
        "Ada", "Lovelace", new DateOnly(1950, 12, 10), "9434765919", "L1 8JQ", "07700900123", null, "phone", "en", null);

    private static readonly Consent Consent = new(true, new DateTimeOffset(2026, 11, 20, 10, 0, 0, TimeSpan.Zero), ShareWithReferrer.Full);

    private static readonly string BodyHash = Convert.ToHexStringLower(SHA256.HashData("the request's body"u8));

    public static Submitted Next(Guid referrer)
    {
        var id = Guid.CreateVersion7();
        var now = DateTimeOffset.UtcNow;
        var requested = new ReferralRequested(id, Pathway.Gp, "bench-append", new Actor(referrer, OrganisationKind.GpPractice), "Bench Surgery",
            ["loneliness", "physical-activity"], Urgency.Routine, "Recently bereaved, isolated since moving.", Person, Consent, now);
        var view = ReferralView.From(Referral.Create(requested) with { Version = 1 });
        var location = $"/api/referrals/{id}";
        var response = new IdempotentResponse($"{referrer}|/api/referrals|{Guid.NewGuid()}", BodyHash, 201, location,
            JsonSerializer.Serialize(view, WebJson), now);
        return new Submitted(requested, response, $"00-{ActivityTraceId.CreateRandom()}-{ActivitySpanId.CreateRandom()}-01");
    }

    private static JsonSerializerOptions PartnerJson()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        PartnerApiExtensions.ConfigureJson(options);
        return options;
    }
}
