using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ReferralNetwork.Contracts;
using ReferralNetwork.Gateway.People;
using ReferralNetwork.IntegrationTests.Infrastructure;

namespace ReferralNetwork.IntegrationTests;

/// <summary>An organisation's people at the gateway (partner-api.md §2, v1.1): invited by the operator or its administrators, ended at once.</summary>
[Collection(RealInfrastructureCollection.Name)]
public class PeopleTests(RealInfrastructure infrastructure)
{
    private readonly GatewayPeople people = new(infrastructure);

    [Fact]
    public async Task The_operator_invites_an_administrator_who_invites_a_member_and_ends_their_access_and_their_token_stops_at_once()
    {
        var organisation = await people.RegisterAsync();
        var administrator = await people.InviteAsync(await people.OperatorAsync(), organisation, "Ada Admin", PersonRoles.Administrator);
        var asAdministrator = people.PersonClient(organisation, administrator.Id);

        var member = await people.InviteAsync(asAdministrator, organisation, "Mo Member", PersonRoles.Member);
        Assert.NotEqual(administrator.Code, member.Code);

        // The code is shown once and kept only as its hash.
        await using (var scope = infrastructure.Gateway.Services.CreateAsyncScope())
        {
            var stored = await scope.ServiceProvider.GetRequiredService<PeopleDb>().Users.AsNoTracking().SingleAsync(a => a.Id == member.Id);
            Assert.Equal(Invitation.Hash(member.Code), stored.InvitationCodeHash);
            Assert.DoesNotContain(member.Code, JsonSerializer.Serialize(stored));
            Assert.Equal(organisation.Id, stored.OrganisationId);
        }

        var listed = await asAdministrator.GetAsync($"/api/organisations/{organisation.Id}/people");
        var text = await listed.Content.ReadAsStringAsync();
        Assert.True(listed.IsSuccessStatusCode, text);
        Assert.DoesNotContain(member.Code, text);
        Assert.DoesNotContain("invitationCode", text);
        var items = JsonDocument.Parse(text).RootElement.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["Ada Admin", "Mo Member"], items.Select(p => p.GetProperty("name").GetString()));
        Assert.All(items, p => Assert.Equal("invited", p.GetProperty("status").GetString()));

        // A member may work, but not manage the organisation's people.
        var asMember = people.PersonClient(organisation, member.Id);
        Assert.Equal(HttpStatusCode.Forbidden, (await asMember.GetAsync($"/api/organisations/{organisation.Id}/people")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await asMember.PostAsJsonAsync(
            $"/api/organisations/{organisation.Id}/people", new { name = "Not Allowed", email = GatewayPeople.NewEmail(), role = "member" })).StatusCode);

        var ended = await asAdministrator.DeleteAsync($"/api/organisations/{organisation.Id}/people/{member.Id}");
        Assert.True(ended.IsSuccessStatusCode, await ended.Content.ReadAsStringAsync());
        Assert.Equal("ended", (await ended.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());

        // The member's token is refused at once (401, not the 403 a live member gets).
        Assert.Equal(HttpStatusCode.Unauthorized, (await asMember.GetAsync($"/api/organisations/{organisation.Id}/people")).StatusCode);
        // Ending it again changes nothing.
        Assert.Equal(HttpStatusCode.OK, (await asAdministrator.DeleteAsync($"/api/organisations/{organisation.Id}/people/{member.Id}")).StatusCode);
    }

    [Fact]
    public async Task Another_organisations_administrator_finds_no_people_and_changes_nothing()
    {
        var organisation = await people.RegisterAsync();
        var operatorClient = await people.OperatorAsync();
        var member = await people.InviteAsync(operatorClient, organisation, "Mo Member", PersonRoles.Member);

        var other = await people.RegisterAsync();
        var otherAdministrator = await people.InviteAsync(operatorClient, other, "Other Admin", PersonRoles.Administrator);
        var asOther = people.PersonClient(other, otherAdministrator.Id);

        Assert.Equal(HttpStatusCode.NotFound, (await asOther.GetAsync($"/api/organisations/{organisation.Id}/people")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await asOther.PostAsJsonAsync(
            $"/api/organisations/{organisation.Id}/people", new { name = "Intruder", email = GatewayPeople.NewEmail(), role = "administrator" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await asOther.DeleteAsync($"/api/organisations/{organisation.Id}/people/{member.Id}")).StatusCode);
        // Its own organisation's address does not reach another's person either.
        Assert.Equal(HttpStatusCode.NotFound, (await asOther.DeleteAsync($"/api/organisations/{other.Id}/people/{member.Id}")).StatusCode);

        var still = await people.ListAsync(operatorClient, organisation);
        Assert.Equal("invited", Assert.Single(still).GetProperty("status").GetString());
    }

    [Fact]
    public async Task An_organisations_system_with_client_credentials_may_not_manage_its_people()
    {
        var organisation = await people.RegisterAsync();
        var system = infrastructure.Gateway.CreateClient();
        system.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", infrastructure.TokenFor(organisation.Id, organisation.Kind, generation: 0));
        Assert.Equal(HttpStatusCode.Forbidden, (await system.GetAsync($"/api/organisations/{organisation.Id}/people")).StatusCode);
    }

    [Theory]
    [InlineData("", "ok@example.org", "member", "name")]
    [InlineData("Sam", "not-an-email", "member", "email")]
    [InlineData("Sam", "Sam <sam@example.org>", "member", "email")]
    [InlineData("Sam", "ok@example.org", "boss", "role")]
    [InlineData("Sam", "ok@example.org", null, "role")]
    public async Task Bad_input_is_a_422_naming_the_field_and_invites_no_one(string name, string email, string? role, string field)
    {
        var organisation = await people.RegisterAsync();
        var operatorClient = await people.OperatorAsync();
        var response = await operatorClient.PostAsJsonAsync($"/api/organisations/{organisation.Id}/people", new { name, email, role });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.GetRawText());
        Assert.Empty(await people.ListAsync(operatorClient, organisation));
    }

    [Fact]
    public async Task An_email_has_one_account_in_the_network_and_malformed_json_is_a_400()
    {
        var organisation = await people.RegisterAsync();
        var operatorClient = await people.OperatorAsync();
        var first = await people.InviteAsync(operatorClient, organisation, "Sam", PersonRoles.Member);

        var again = await operatorClient.PostAsJsonAsync(
            $"/api/organisations/{organisation.Id}/people", new { name = "Sam Again", email = first.Email.ToUpperInvariant(), role = "member" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, again.StatusCode);
        Assert.True((await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("email", out _));

        var malformed = await operatorClient.PostAsync(
            $"/api/organisations/{organisation.Id}/people", new StringContent("{\"name\":", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Single(await people.ListAsync(operatorClient, organisation));
    }

    [Fact]
    public async Task An_unknown_organisation_is_a_404_even_for_the_operator()
    {
        var operatorClient = await people.OperatorAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await operatorClient.GetAsync($"/api/organisations/{Guid.NewGuid()}/people")).StatusCode);
    }
}

/// <summary>Drives the gateway as the operator and as people: registrations, invitations, person tokens.</summary>
public sealed class GatewayPeople(RealInfrastructure infrastructure)
{
    public sealed record RegisteredOrganisation(Guid Id, OrganisationKind Kind, string Area);

    public sealed record Invited(Guid Id, string Email, string Code);

    public static string NewEmail() => $"person-{Guid.NewGuid():N}@example.org";

    public async Task<HttpClient> OperatorAsync()
    {
        var client = infrastructure.Gateway.CreateClient();
        var response = await client.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = "operator",
            ["client_secret"] = infrastructure.OperatorSecret,
        }));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        var token = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public async Task<RegisteredOrganisation> RegisterAsync(OrganisationKind kind = OrganisationKind.CommunityProvider)
    {
        var area = "people-" + Guid.NewGuid().ToString("N")[..8];
        var response = await (await OperatorAsync()).PostAsJsonAsync("/api/admin/organisations", new { name = "Green Steps " + area, kind = kind.ToWire(), area });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return new RegisteredOrganisation((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid(), kind, area);
    }

    public async Task<Invited> InviteAsync(HttpClient inviter, RegisteredOrganisation organisation, string name, string role)
    {
        var email = NewEmail();
        var response = await inviter.PostAsJsonAsync($"/api/organisations/{organisation.Id}/people", new { name, email, role });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        var body = JsonDocument.Parse(text).RootElement;
        Assert.Equal(name, body.GetProperty("name").GetString());
        Assert.Equal(role, body.GetProperty("role").GetString());
        var id = body.GetProperty("id").GetGuid();
        Assert.EndsWith($"/api/organisations/{organisation.Id}/people/{id}", response.Headers.Location!.ToString());
        return new Invited(id, email, body.GetProperty("invitationCode").GetString()!);
    }

    public async Task<IReadOnlyList<JsonElement>> ListAsync(HttpClient client, RegisteredOrganisation organisation)
    {
        var response = await client.GetAsync($"/api/organisations/{organisation.Id}/people");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("items").EnumerateArray().Select(e => e.Clone()).ToList();
    }

    /// <summary>A person's token, as the gateway's OpenID Connect server will issue it (generation 0: the organisation was just registered).</summary>
    public HttpClient PersonClient(RegisteredOrganisation organisation, Guid person)
    {
        var client = infrastructure.Gateway.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Bearer", infrastructure.TokenFor(organisation.Id, organisation.Kind, organisation.Area, person: person, generation: 0));
        return client;
    }
}
