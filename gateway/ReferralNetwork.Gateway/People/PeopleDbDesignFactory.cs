using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace ReferralNetwork.Gateway.People;

/// <summary>
/// For `dotnet ef migrations add` only: builds the model without starting the gateway (which needs its
/// keys, database and broker). No connection is opened, so the connection string is a placeholder.
/// </summary>
internal sealed class PeopleDbDesignFactory : IDesignTimeDbContextFactory<PeopleDb>
{
    public PeopleDb CreateDbContext(string[] args) =>
        new((DbContextOptions<PeopleDb>)new DbContextOptionsBuilder<PeopleDb>().UsePeopleDatabase("Host=design-time-only").Options);
}
