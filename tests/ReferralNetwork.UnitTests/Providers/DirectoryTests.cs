using System.Text.Json;
using ReferralNetwork.CommunityProviders;
using ReferralNetwork.CommunityProviders.Directory;
using ReferralNetwork.CommunityProviders.Inbox;
using ReferralNetwork.CommunityProviders.OpenReferral;
using ReferralNetwork.Contracts;
using ReferralNetwork.EventSourcing;
using ReferralNetwork.PartnerApi;
using ReferralNetwork.UnitTests.EventSourcing;

namespace ReferralNetwork.UnitTests.Providers;

public class DirectoryTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    private static ServiceDetails WalkingGroup(int maximum = 12, int available = 5) => new(
        "Stanley Park walking group", "Gentle walks, tea afterwards.", ["physical-activity", "loneliness"], "liverpool-north", "L4 0TD",
        "Tuesdays 10:00", Cost.Free, new Eligibility(18, 80), ["step-free"], ReferralMode.Direct, new Capacity(maximum, available));

    private static CommunityService Listed(int maximum = 12, int available = 5) =>
        Evolution.Start<CommunityService>(new ServiceListed(Guid.NewGuid(), Guid.NewGuid(), "Green Steps", WalkingGroup(maximum, available), At));

    private static ServiceRequest Request(Capacity? capacity = null, ServiceStatus? status = null) => new(
        "Stanley Park walking group", null, ["physical-activity"], "liverpool-north", "l4 0td", null, Cost.Free, null, [], ReferralMode.Direct,
        capacity ?? new Capacity(12, 5), status);

    [Theory]
    [InlineData("liverpool-north", true)]
    [InlineData(" liverpool-north ", true)]
    [InlineData("wirral", false)]
    [InlineData("Liverpool-North", false)]
    public void A_provider_lists_only_in_its_own_area(string area, bool allowed)
    {
        var caller = new ReferralNetwork.PartnerApi.Authentication.Caller(Guid.NewGuid(), OrganisationKind.CommunityProvider, "liverpool-north", "Green Steps");
        var request = Request() with { Area = area };
        if (allowed)
        {
            DirectoryApi.InOwnArea(request, caller);
        }
        else
        {
            Assert.Equal("area", Assert.Throws<InvalidCommand>(() => DirectoryApi.InOwnArea(request, caller)).Field);
        }
    }

    [Theory]
    [InlineData(12, 0, 7, 5)]
    [InlineData(12, 4, 7, 1)]
    [InlineData(12, 5, 7, 0)]
    [InlineData(12, 6, 7, 0)]
    [InlineData(0, 0, 0, 0)]
    public void Free_places_are_the_maximum_less_those_held_and_held_back_and_never_below_zero(int maximum, int held, int heldBack, int available) =>
        Assert.Equal(available, Places.Available(maximum, held, heldBack));

    [Theory]
    [InlineData(12, 5, 0, 7)]
    [InlineData(12, 5, 3, 4)]
    [InlineData(12, 5, 7, 0)]
    [InlineData(1, 0, 2, 0)]
    public void The_providers_figure_holds_back_what_is_neither_free_nor_held(int maximum, int available, int held, int heldBack) =>
        Assert.Equal(heldBack, Places.HeldBack(new Capacity(maximum, available), held));

    [Fact]
    public void An_acceptance_takes_a_place_and_a_completion_gives_it_back()
    {
        var service = Listed(available: 1);
        var onward = Guid.NewGuid();
        var taken = CommunityServiceDecider.FollowOnwardReferral(service, [new OnwardReferralAccepted(onward, Guid.NewGuid(), service.ProviderId, At)]);
        var full = service.Then(taken);
        Assert.Equal(0, full.Details.Capacity.Available);
        Assert.Equal(onward, Assert.IsType<PlaceTaken>(Assert.Single(taken)).OnwardReferralId);

        var freed = CommunityServiceDecider.FollowOnwardReferral(full, [new OnwardReferralCompleted(onward, Guid.NewGuid(), service.ProviderId, "Went weekly", At)]);
        Assert.Equal(1, full.Then(freed).Details.Capacity.Available);
    }

    [Fact]
    public void Only_an_onward_referral_that_held_a_place_frees_one()
    {
        var service = Listed(available: 3);
        var cancelledBeforeAcceptance = new OnwardReferralCancelled(Guid.NewGuid(), Guid.NewGuid(), service.ProviderId, "withdrawn", At);
        Assert.Empty(CommunityServiceDecider.FollowOnwardReferral(service, [cancelledBeforeAcceptance]));

        var onward = Guid.NewGuid();
        var holding = service.Then(CommunityServiceDecider.FollowOnwardReferral(service, [new OnwardReferralAccepted(onward, Guid.NewGuid(), service.ProviderId, At)]));
        Assert.Equal(2, holding.Details.Capacity.Available);
        var failedWhileAccepted = new OnwardReferralFailed(onward, Guid.NewGuid(), service.ProviderId, "stopped coming", At);
        var freed = CommunityServiceDecider.FollowOnwardReferral(holding, [failedWhileAccepted]);
        Assert.Equal(3, holding.Then(freed).Details.Capacity.Available);
    }

    [Fact]
    public void At_capacity_rejections_are_counted_and_other_rejections_are_not()
    {
        var service = Listed();
        var events = CommunityServiceDecider.FollowOnwardReferral(service,
        [
            new OnwardReferralAcknowledged(Guid.NewGuid(), Guid.NewGuid(), service.ProviderId, At),
            new OnwardReferralRejected(Guid.NewGuid(), Guid.NewGuid(), service.ProviderId, RejectionReason.AtCapacity, null, At),
        ]);
        var after = service.Then(events);
        Assert.Equal(1, after.AtCapacityRejections);
        Assert.Equal(service.Details.Capacity, after.Details.Capacity);

        Assert.Empty(CommunityServiceDecider.FollowOnwardReferral(service,
            [new OnwardReferralRejected(Guid.NewGuid(), Guid.NewGuid(), service.ProviderId, RejectionReason.OutOfArea, null, At)]));
    }

    [Fact]
    public void Every_listing_change_republishes_the_whole_listing()
    {
        var service = Listed();
        var edited = service.Then(CommunityServiceDecider.Decide(
            service, new EditService(WalkingGroup() with { Name = "Sefton Park walking group" }, ServiceStatus.TemporarilyClosed, At.AddDays(1))));
        var capacity = Assert.IsType<CapacityChanged>(Assert.Single(CommunityServiceDecider.Decide(edited, new ChangeCapacity(2, Waitlist.OneToThreeMonths, At.AddDays(2)))));
        var published = Assert.IsType<Contracts.CommunityProviders.CommunityServiceListed>(new ProviderEvents().ToIntegrationEvent(new JasperFx.Events.Event<CapacityChanged>(capacity)));
        Assert.Equal("Sefton Park walking group", published.Name);
        Assert.Equal("temporarily-closed", published.Status);
        Assert.Equal("1-3-months", published.Waitlist);
        Assert.Equal(2, published.CapacityAvailable);
        Assert.Equal("free", published.Cost);
        Assert.Equal(18, published.MinAge);
        Assert.Equal(80, published.MaxAge);
        Assert.Equal("L4 0TD", published.Postcode);
        Assert.Equal(["step-free"], published.Accessibility!);
        Assert.Equal(At, published.ConfirmedAt);
    }

    [Fact]
    public void Confirming_sets_confirmed_at_and_a_defunct_service_cannot_change()
    {
        var service = Listed();
        Assert.Equal(At.AddDays(30), service.Then(CommunityServiceDecider.Decide(service, new ConfirmListing(At.AddDays(30)))).ConfirmedAt);
        var defunct = service.Then(CommunityServiceDecider.Decide(service, new EditService(service.Details, ServiceStatus.Defunct, At)));
        Assert.Throws<RuleViolation>(() => CommunityServiceDecider.Decide(defunct, new ConfirmListing(At)));
        Assert.Throws<RuleViolation>(() => CommunityServiceDecider.Decide(defunct, new ChangeCapacity(1, Waitlist.None, At)));
        Assert.Throws<RuleViolation>(() => CommunityServiceDecider.Decide(defunct, new EditService(service.Details, ServiceStatus.Active, At)));
    }

    [Fact]
    public void The_version_is_left_to_the_stream()
    {
        // Marten sets Version from the stream; an Apply that counted too would drift from the ETag.
        var listed = CommunityService.Create(new ServiceListed(Guid.NewGuid(), Guid.NewGuid(), "Green Steps", WalkingGroup(), At));
        Assert.Equal(0, listed.Version);
        Assert.Equal(0, listed.Apply(new AtCapacityRejectionCounted(listed.Id, Guid.NewGuid(), At)).Version);
        Assert.Equal(0, listed.Apply(new ListingConfirmed(listed.Id, listed.ProviderId, listed.ProviderName, listed.CurrentListing(), At)).Version);
    }

    [Fact]
    public void An_edit_is_the_listing_trimmed_and_its_status_defaults_to_active()
    {
        var edit = Request().ToEdit(At);
        Assert.Equal(ServiceStatus.Active, edit.Status);
        Assert.Equal("L4 0TD", edit.Details.Postcode);
        Assert.Equal(new Eligibility(null, null), edit.Details.Eligibility);
        Assert.Equal(ServiceStatus.Inactive, Request(status: ServiceStatus.Inactive).ToEdit(At).Status);
    }

    [Theory]
    [InlineData(0, true)]
    [InlineData(12, true)]
    [InlineData(13, false)]
    [InlineData(-1, false)]
    public void Available_places_are_between_zero_and_the_maximum(int available, bool valid)
    {
        var service = Listed(maximum: 12);
        var command = new ChangeCapacity(available, Waitlist.None, At);
        if (valid)
        {
            Assert.Equal(available, service.Then(CommunityServiceDecider.Decide(service, command)).Details.Capacity.Available);
        }
        else
        {
            Assert.Equal("available", Assert.Throws<InvalidCommand>(() => CommunityServiceDecider.Decide(service, command)).Field);
        }
    }

    [Fact]
    public void The_maximum_checked_is_the_listing_as_it_stands()
    {
        var service = Listed(maximum: 12);
        var lowered = service.Then(CommunityServiceDecider.Decide(service, new EditService(WalkingGroup(maximum: 3, available: 3), ServiceStatus.Active, At)));
        var refused = Assert.Throws<InvalidCommand>(() => CommunityServiceDecider.Decide(lowered, new ChangeCapacity(5, Waitlist.None, At)));
        Assert.Contains("(3)", refused.Message);
    }

    [Fact]
    public void Waitlist_bands_have_their_documented_wire_names()
    {
        var options = new JsonSerializerOptions();
        ReferralNetwork.PartnerApi.PartnerApiExtensions.ConfigureJson(options);
        Assert.Equal("\"1-3-months\"", JsonSerializer.Serialize(Waitlist.OneToThreeMonths, options));
        Assert.Equal(Waitlist.UnderOneMonth, JsonSerializer.Deserialize<Waitlist>("\"under-1-month\"", options));
        Assert.Equal(["none", "under-1-month", "1-3-months", "over-3-months"], Enum.GetValues<Waitlist>().Select(w => w.ToWire()));
    }

    [Fact]
    public void A_listing_maps_to_hsds_with_snake_case_names_and_no_person_data()
    {
        var service = Listed() with { Waitlist = Waitlist.UnderOneMonth };
        using var json = JsonDocument.Parse(JsonSerializer.Serialize(OrukMapping.ToService(service), OpenReferralApi.Json));
        var s = json.RootElement;
        Assert.Equal(service.Id.ToString(), s.GetProperty("id").GetString());
        Assert.Equal("Stanley Park walking group", s.GetProperty("name").GetString());
        Assert.Equal("Gentle walks, tea afterwards.", s.GetProperty("description").GetString());
        Assert.Equal("active", s.GetProperty("status").GetString());
        Assert.Equal(service.ProviderId.ToString(), s.GetProperty("organization").GetProperty("id").GetString());
        Assert.Equal("Green Steps", s.GetProperty("organization").GetProperty("name").GetString());
        Assert.Equal(18, s.GetProperty("minimum_age").GetInt32());
        Assert.Equal(80, s.GetProperty("maximum_age").GetInt32());
        Assert.Equal(18, s.GetProperty("eligibilitys")[0].GetProperty("minimum_age").GetInt32());
        var cost = s.GetProperty("cost_options")[0];
        Assert.Equal("free", cost.GetProperty("option").GetString());
        Assert.False(cost.TryGetProperty("amount", out _));
        Assert.Equal("Tuesdays 10:00", s.GetProperty("schedules")[0].GetProperty("description").GetString());
        Assert.Equal("liverpool-north", s.GetProperty("service_areas")[0].GetProperty("name").GetString());
        var location = s.GetProperty("service_at_locations")[0].GetProperty("location");
        Assert.Equal("L4 0TD", location.GetProperty("physical_addresses")[0].GetProperty("postal_code").GetString());
        Assert.Equal("step-free", location.GetProperty("accessibility_for_disabilities")[0].GetProperty("accessibility").GetString());
        var terms = s.GetProperty("taxonomy_terms").EnumerateArray().ToList();
        Assert.Equal(["physical-activity", "loneliness"], terms.Select(t => t.GetProperty("name").GetString()));
        Assert.All(terms, t => Assert.Equal("referral-network-needs", t.GetProperty("vocabulary").GetString()));
        var capacity = s.GetProperty("service_capacity")[0];
        Assert.Equal(5, capacity.GetProperty("available").GetInt32());
        Assert.Equal(12, capacity.GetProperty("maximum").GetInt32());
        Assert.Equal("places", capacity.GetProperty("unit").GetProperty("name").GetString());
        Assert.Equal(At, capacity.GetProperty("updated").GetDateTimeOffset());
        Assert.Equal("Waiting list: under 1 month.", capacity.GetProperty("description").GetString());
        Assert.All(json.RootElement.EnumerateObject(), p => Assert.Equal(p.Name.ToLowerInvariant(), p.Name));

        // The same ids on every read, so an ORUK client can follow them.
        Assert.Equal(capacity.GetProperty("id").GetString(), JsonSerializer.SerializeToElement(OrukMapping.ToService(service), OpenReferralApi.Json)
            .GetProperty("service_capacity")[0].GetProperty("id").GetString());
    }

    [Fact]
    public void Only_active_and_temporarily_closed_services_are_published_with_the_hsds_spelling()
    {
        Assert.Equal("temporarily closed", OrukMapping.Status(ServiceStatus.TemporarilyClosed));
        Assert.True(OrukMapping.IsPublished(ServiceStatus.Active));
        Assert.True(OrukMapping.IsPublished(ServiceStatus.TemporarilyClosed));
        Assert.False(OrukMapping.IsPublished(ServiceStatus.Inactive));
        Assert.False(OrukMapping.IsPublished(ServiceStatus.Defunct));
    }

    [Theory]
    [InlineData(0, 1, 50, 0, true, true)]
    [InlineData(1, 1, 50, 1, true, true)]
    [InlineData(50, 1, 50, 1, true, true)]
    [InlineData(51, 1, 50, 2, true, false)]
    [InlineData(51, 2, 50, 2, false, true)]
    [InlineData(5, 2, 2, 3, false, false)]
    public void Pages_count_from_one_and_say_whether_they_are_first_or_last(long total, int page, int perPage, long pages, bool first, bool last)
    {
        var result = OrukPaging.Of(Array.Empty<int>(), total, page, perPage);
        Assert.Equal(total, result.TotalElements);
        Assert.Equal(pages, result.TotalPages);
        Assert.Equal(page, result.Number);
        Assert.Equal(perPage, result.Size);
        Assert.Equal(first, result.First);
        Assert.Equal(last, result.Last);
    }

    [Theory]
    [InlineData(null, null, 1, 50)]
    [InlineData("3", "500", 3, 500)]
    [InlineData("1", "1", 1, 1)]
    public void Paging_defaults_to_fifty_per_page(string? page, string? perPage, int number, int size)
    {
        var read = OrukPaging.Read(page, perPage);
        Assert.Null(read.Error);
        Assert.Equal((number, size), (read.Page, read.PerPage));
    }

    [Theory]
    [InlineData("0", null)]
    [InlineData("-1", null)]
    [InlineData("x", null)]
    [InlineData(null, "0")]
    [InlineData(null, "501")]
    [InlineData(null, "ten")]
    public void Paging_outside_the_bounds_is_refused(string? page, string? perPage) =>
        Assert.NotNull(OrukPaging.Read(page, perPage).Error);

    [Fact]
    public void The_page_envelope_keeps_the_oruk_camel_case_names()
    {
        var json = JsonSerializer.SerializeToElement(OrukPaging.Of(Array.Empty<int>(), 0, 1, 50), OpenReferralApi.Json);
        Assert.Equal(["totalElements", "totalPages", "number", "size", "first", "last", "content"], json.EnumerateObject().Select(p => p.Name));
    }
}
