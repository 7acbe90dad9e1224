using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace ReferralNetwork.Gateway.People;

/// <summary>
/// Identity's tables in the gateway's database, in their own schema so Marten's tables in public are
/// untouched. Changed only by migrations (Migrations/), applied when the gateway starts.
/// </summary>
public sealed class PeopleDb(DbContextOptions<PeopleDb> options)
    : IdentityDbContext<PersonAccount, IdentityRole<Guid>, Guid>(options), IDataProtectionKeyContext
{
    public const string Schema = "identity";

    /// <summary>The gateway's data protection keys (sign-in cookies, antiforgery), shared by its replicas.</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.HasDefaultSchema(Schema);
        // The OpenID Connect server's clients, authorizations and codes, beside the accounts.
        builder.UseOpenIddict<Guid>();
        builder.Entity<PersonAccount>(account =>
        {
            account.Property(a => a.Name).HasMaxLength(PeopleRules.MaxNameLength).IsRequired();
            account.Property(a => a.Role).HasMaxLength(32).IsRequired();
            account.Property(a => a.InvitationCodeHash).HasMaxLength(64);
            account.HasIndex(a => a.OrganisationId);
            // Accepting looks the invitation up by its code's hash.
            account.HasIndex(a => a.InvitationCodeHash).IsUnique();
            account.Ignore(a => a.AccessEnded);
        });
    }

    // The queries the gateway asks of the accounts live here, away from Marten's LINQ extensions of the same names.

    public async Task<(IReadOnlyList<PersonAccount> Page, int Total)> PeopleOfAsync(Guid organisationId, long offset, int size, CancellationToken ct)
    {
        var people = Users.AsNoTracking().Where(a => a.OrganisationId == organisationId);
        var total = await people.CountAsync(ct);
        if (offset >= total)
        {
            return ([], total);
        }

        return (await people.OrderBy(a => a.Name).ThenBy(a => a.Id).Skip((int)offset).Take(size).ToListAsync(ct), total);
    }

    public Task<PersonAccount?> PersonOfAsync(Guid organisationId, Guid personId, CancellationToken ct) =>
        Users.AsNoTracking().SingleOrDefaultAsync(a => a.Id == personId && a.OrganisationId == organisationId, ct);

    /// <summary>Whether the person is, now, an administrator of the organisation whose access has not ended.</summary>
    public Task<bool> IsAdministratorAsync(Guid organisationId, Guid personId, CancellationToken ct) =>
        Users.AsNoTracking().AnyAsync(
            a => a.Id == personId && a.OrganisationId == organisationId && a.Role == PersonRoles.Administrator && a.AccessEndedAt == null, ct);

    /// <summary>The organisation a person acts for and whether their access ended; null for no such account.</summary>
    public async Task<(Guid OrganisationId, bool Ended)?> StandingOfAsync(Guid personId, CancellationToken ct)
    {
        var account = await Users.AsNoTracking()
            .Where(a => a.Id == personId)
            .Select(a => new { a.OrganisationId, a.AccessEndedAt })
            .SingleOrDefaultAsync(ct);
        return account is null ? null : (account.OrganisationId, account.AccessEndedAt is not null);
    }
}
