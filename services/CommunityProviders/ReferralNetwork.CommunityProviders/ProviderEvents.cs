using JasperFx.Events;
using ReferralNetwork.CommunityProviders.Directory;
using ReferralNetwork.CommunityProviders.Inbox;
using ReferralNetwork.Contracts;
using ReferralNetwork.EventSourcing;
using ReferralNetwork.Messaging;
using Published = ReferralNetwork.Contracts.CommunityProviders;

namespace ReferralNetwork.CommunityProviders;

/// <summary>What the community-provider service tells the rest of the network.</summary>
public sealed class ProviderEvents : IIntegrationEventMap
{
    public object? ToIntegrationEvent(IEvent @event) => @event.Data switch
    {
        ServiceListed e => Listed(e.ServiceId, e.ProviderId, e.ProviderName, new Listing(e.Details, ServiceStatus.Active, Waitlist.None, e.At), e.At),
        IListingChange e => Listed(e.ServiceId, e.ProviderId, e.ProviderName, e.Listing, e.At),
        // Ids and the time only: the person stays with the provider. Arrivals stored before ArrivedAt arrived when referred.
        OnwardReferralArrived e => new Published.OnwardReferralArrived(e.OnwardReferralId, e.ReferralId, e.ProviderId, e.ArrivedAt ?? e.At),
        OnwardReferralAcknowledged e => new Published.OnwardReferralAcknowledged(e.OnwardReferralId, e.ReferralId, e.ProviderId, e.At),
        OnwardReferralAccepted e => Progressed(e.OnwardReferralId, e.ReferralId, e.ProviderId, Published.OnwardReferralStep.Accepted, OnwardReferralStatus.Accepted, e.At),
        OnwardReferralRejected e => Progressed(e.OnwardReferralId, e.ReferralId, e.ProviderId, Published.OnwardReferralStep.Rejected, OnwardReferralStatus.Rejected, e.At) with
        {
            Reason = e.Reason.ToWire(),
            Note = e.Note,
        },
        AttendanceRecorded e => Progressed(e.OnwardReferralId, e.ReferralId, e.ProviderId, Published.OnwardReferralStep.AttendanceRecorded, e.Status, e.At) with
        {
            AttendanceDate = e.Date,
            Attended = e.Attended,
        },
        OnwardReferralCompleted e => Progressed(e.OnwardReferralId, e.ReferralId, e.ProviderId, Published.OnwardReferralStep.Completed, OnwardReferralStatus.Completed, e.At) with
        {
            Note = e.Summary,
        },
        OnwardReferralFailed e => Progressed(e.OnwardReferralId, e.ReferralId, e.ProviderId, Published.OnwardReferralStep.Failed, OnwardReferralStatus.Failed, e.At) with
        {
            Reason = e.Reason,
        },
        // Reminders and escalations only happen while it is still requested, and change nothing.
        OnwardReferralReminded e => Progressed(e.OnwardReferralId, e.ReferralId, e.ProviderId, Published.OnwardReferralStep.Reminded, OnwardReferralStatus.Requested, e.At),
        OnwardReferralEscalated e => Progressed(e.OnwardReferralId, e.ReferralId, e.ProviderId, Published.OnwardReferralStep.Escalated, OnwardReferralStatus.Requested, e.At),
        OnwardReferralExpired e => Progressed(e.OnwardReferralId, e.ReferralId, e.ProviderId, Published.OnwardReferralStep.Failed, OnwardReferralStatus.Failed, e.At) with
        {
            Reason = ProviderReferral.NoResponse,
        },
        OnwardReferralCancelled e => Progressed(e.OnwardReferralId, e.ReferralId, e.ProviderId, Published.OnwardReferralStep.Cancelled, OnwardReferralStatus.Cancelled, e.At) with
        {
            Reason = e.Reason,
        },
        _ => null,
    };

    /// <summary>The whole listing as it now stands, so the network's copies never need to merge changes.</summary>
    internal static Published.CommunityServiceListed Listed(Guid serviceId, Guid providerId, string providerName, Listing listing, DateTimeOffset at)
    {
        var d = listing.Details;
        return new Published.CommunityServiceListed(
            serviceId, providerId, providerName, d.Name, d.Categories, d.Area, d.ReferralMode.ToWire(), d.Capacity.Maximum, d.Capacity.Available, at,
            d.Description, d.Postcode, d.Schedule, d.Cost.ToWire(), d.Eligibility.MinAge, d.Eligibility.MaxAge, d.Accessibility,
            listing.Status.ToWire(), listing.Waitlist.ToWire(), listing.ConfirmedAt);
    }

    private static Published.OnwardReferralProgressed Progressed(
        Guid onwardReferralId, Guid referralId, Guid providerId, Published.OnwardReferralStep step, OnwardReferralStatus status, DateTimeOffset at) =>
        new(onwardReferralId, referralId, providerId, step, status, null, null, null, null, at);
}
