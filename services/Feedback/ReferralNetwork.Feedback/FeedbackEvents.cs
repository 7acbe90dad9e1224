using JasperFx.Events;
using ReferralNetwork.Contracts;
using ReferralNetwork.EventSourcing;
using ReferralNetwork.Feedback.Outcomes;
using ReferralNetwork.Messaging;
using Published = ReferralNetwork.Contracts.Feedback;

namespace ReferralNetwork.Feedback;

/// <summary>What the feedback service tells the rest of the network: scores only, never the person.</summary>
public sealed class FeedbackEvents : IIntegrationEventMap
{
    public object? ToIntegrationEvent(IEvent @event) => @event.Data switch
    {
        MeasureRecorded e => new Published.OutcomeRecorded(
            e.OutcomeId, e.ReferralId, e.Instrument.ToWire(), e.Timepoint.ToWire(),
            OutcomeChange.Values(new Measure(e.OutcomeId, e.Instrument, e.Timepoint, e.Responses, e.Goals, e.At)), e.At),
        _ => null,
    };
}
