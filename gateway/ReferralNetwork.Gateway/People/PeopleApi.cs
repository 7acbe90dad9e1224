using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using ReferralNetwork.Gateway.Organisations;
using ReferralNetwork.Gateway.RateLimiting;
using ReferralNetwork.Gateway.Tokens;
using ReferralNetwork.PartnerApi;
using ReferralNetwork.PartnerApi.Authentication;

namespace ReferralNetwork.Gateway.People;

/// <summary>An organisation's people (partner-api.md §2, added in v1.1): the operator or the organisation's administrators invite them and end their access.</summary>
public static class PeopleApi
{
    public static IEndpointRouteBuilder MapPeopleApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/organisations/{id:guid}/people")
            .RequireAuthorization()
            .RequireRateLimiting(RateLimits.PartnerPolicy)
            .WithTags("People")
            .WithRequestValidation();

        api.MapPost("/", InvitePerson).WithName("InvitePerson");
        api.MapGet("/", ListPeople).WithName("ListPeople");
        api.MapGet("/{personId:guid}", GetPerson).WithName("GetPerson");
        api.MapDelete("/{personId:guid}", EndAccess).WithName("EndPersonsAccess");
        return app;
    }

    public static async Task<Results<Created<InvitedPerson>, ProblemHttpResult>> InvitePerson(
        Guid id, InvitePersonRequest request, Caller caller, PeopleAuthority authority, UserManager<PersonAccount> accounts, TimeProvider clock, CancellationToken ct)
    {
        if (await authority.RefusalAsync(caller, id, ct) is { } refused)
        {
            return refused;
        }

        var email = PeopleRules.Email(request.Email!);
        if (await accounts.FindByEmailAsync(email) is not null)
        {
            // An email is the person's user name across the whole network, so it can have one account.
            return Problems.Invalid("email", "This email already has an account in the network.");
        }

        var code = Invitation.NewCode();
        var now = clock.GetUtcNow();
        var account = new PersonAccount
        {
            Id = Guid.CreateVersion7(),
            OrganisationId = id,
            Name = request.Name!.Trim(),
            UserName = email,
            Email = email,
            Role = request.Role!,
            InvitedAt = now,
            InvitationCodeHash = Invitation.Hash(code),
            InvitationExpiresAt = now + Invitation.Lifetime,
            LockoutEnabled = true,
        };

        // No password: the person chooses one when they accept the invitation.
        var created = await accounts.CreateAsync(account);
        if (!created.Succeeded)
        {
            // The only failure left after the checks above is a concurrent invitation of the same email.
            return Problems.Invalid("email", "This email already has an account in the network.");
        }

        return TypedResults.Created(
            $"/api/organisations/{id}/people/{account.Id}",
            new InvitedPerson(account.Id, id, account.Name, email, account.Role, code, account.InvitationExpiresAt.Value));
    }

    public static async Task<Results<Ok<Paged<PersonView>>, ProblemHttpResult>> ListPeople(
        Guid id, Caller caller, PeopleAuthority authority, PeopleDb db, [AsParameters] PageRequest paging, CancellationToken ct)
    {
        if (await authority.RefusalAsync(caller, id, ct) is { } refused)
        {
            return refused;
        }

        var (page, total) = await db.PeopleOfAsync(id, paging.Offset, paging.Size, ct);
        return TypedResults.Ok(new Paged<PersonView>(page.Select(PersonView.From).ToList(), paging.Number, paging.Size, total));
    }

    public static async Task<Results<Ok<PersonView>, ProblemHttpResult>> GetPerson(
        Guid id, Guid personId, Caller caller, PeopleAuthority authority, PeopleDb db, CancellationToken ct)
    {
        if (await authority.RefusalAsync(caller, id, ct) is { } refused)
        {
            return refused;
        }

        var account = await db.PersonOfAsync(id, personId, ct);
        return account is null ? Problems.NotFound("person") : TypedResults.Ok(PersonView.From(account));
    }

    /// <summary>Ends the person's access for good: no sign-in, and the tokens they hold stop working at once. Ending it again changes nothing.</summary>
    public static async Task<Results<Ok<PersonView>, ProblemHttpResult>> EndAccess(
        Guid id, Guid personId, Caller caller, PeopleAuthority authority, UserManager<PersonAccount> accounts, TokenRevocation revocation, TimeProvider clock, CancellationToken ct)
    {
        if (await authority.RefusalAsync(caller, id, ct) is { } refused)
        {
            return refused;
        }

        var account = await accounts.FindByIdAsync(personId.ToString());
        if (account is null || account.OrganisationId != id)
        {
            return Problems.NotFound("person");
        }

        if (!account.AccessEnded)
        {
            account.AccessEndedAt = clock.GetUtcNow();
            // An unused invitation dies with the access.
            account.InvitationCodeHash = null;
            account.InvitationExpiresAt = null;
            // A new stamp ends any sign-in cookie the person holds.
            await accounts.UpdateSecurityStampAsync(account);
            revocation.ForgetPerson(personId);
        }

        return TypedResults.Ok(PersonView.From(account));
    }
}

/// <summary>Who may manage an organisation's people: the operator, and the organisation's own administrators.</summary>
public sealed class PeopleAuthority(PeopleDb db, IQuerySession registry)
{
    /// <summary>Null when <paramref name="caller"/> may manage the people of <paramref name="organisationId"/>; otherwise the answer to give.</summary>
    public async Task<ProblemHttpResult?> RefusalAsync(Caller caller, Guid organisationId, CancellationToken ct)
    {
        // Another organisation's people are not there for the caller: 404, as for any other organisation's data.
        if (!caller.IsOperator && caller.OrganisationId != organisationId)
        {
            return Problems.NotFound("organisation");
        }

        if (await registry.LoadAsync<Organisation>(organisationId, ct) is null)
        {
            return Problems.NotFound("organisation");
        }

        if (caller.IsOperator)
        {
            return null;
        }

        // The role is read now, not taken from the token, so a change of role counts at once.
        var administrator = caller.PersonId is { } personId && await db.IsAdministratorAsync(organisationId, personId, ct);
        return administrator ? null : Problems.Forbidden("Only the operator and the organisation's administrators may manage its people.");
    }
}
