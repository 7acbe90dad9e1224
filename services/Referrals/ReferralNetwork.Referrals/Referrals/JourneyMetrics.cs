using System.Diagnostics.Metrics;
using ReferralNetwork.Contracts;
using ReferralNetwork.ServiceDefaults;

namespace ReferralNetwork.Referrals.Referrals;

/// <summary>
/// The journey's instruments on the network's meter. The names are what the dashboard charts; the
/// attributes are vocabulary only (pathway, statuses), never a person, a referral or an organisation.
/// </summary>
public sealed class JourneyMetrics
{
    public const string Submitted = "referral_network.referrals.submitted";
    public const string StatusChanges = "referral_network.referrals.status_changes";
    public const string OnwardStatusChanges = "referral_network.onward_referrals.status_changes";
    public const string TimeToAcceptance = "referral_network.referrals.time_to_acceptance";
    public const string TimeToAcknowledgement = "referral_network.onward_referrals.time_to_acknowledgement";

    private readonly Counter<long> submitted;
    private readonly Counter<long> statusChanges;
    private readonly Counter<long> onwardStatusChanges;
    private readonly Histogram<double> timeToAcceptance;
    private readonly Histogram<double> timeToAcknowledgement;

    public JourneyMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(Telemetry.SourceName);
        submitted = meter.CreateCounter<long>(Submitted, "{referral}", "New referrals, from partners and self-referral.");
        statusChanges = meter.CreateCounter<long>(StatusChanges, "{change}", "Referral status changes; from is none for a new referral.");
        onwardStatusChanges = meter.CreateCounter<long>(OnwardStatusChanges, "{change}", "Onward referral status changes; from is none for a new one.");
        timeToAcceptance = meter.CreateHistogram<double>(TimeToAcceptance, "s", "From submission to a link worker accepting the referral.");
        timeToAcknowledgement = meter.CreateHistogram<double>(
            TimeToAcknowledgement, "s", "From an onward referral's request to the provider acknowledging it.");
    }

    public void Record(JourneyMeasurements measured)
    {
        foreach (var pathway in measured.Submitted)
        {
            submitted.Add(1, new KeyValuePair<string, object?>("pathway", pathway.ToWire()));
        }

        foreach (var change in measured.StatusChanges)
        {
            statusChanges.Add(1, new KeyValuePair<string, object?>("from", change.From), new KeyValuePair<string, object?>("to", change.To));
        }

        foreach (var change in measured.OnwardStatusChanges)
        {
            onwardStatusChanges.Add(1, new KeyValuePair<string, object?>("from", change.From), new KeyValuePair<string, object?>("to", change.To));
        }

        foreach (var elapsed in measured.TimesToAcceptance)
        {
            timeToAcceptance.Record(elapsed.TotalSeconds);
        }

        foreach (var elapsed in measured.TimesToAcknowledgement)
        {
            timeToAcknowledgement.Record(elapsed.TotalSeconds);
        }
    }
}
