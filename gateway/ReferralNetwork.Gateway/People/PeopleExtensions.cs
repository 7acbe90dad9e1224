using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using ReferralNetwork.EventSourcing;

namespace ReferralNetwork.Gateway.People;

public static class PeopleExtensions
{
    /// <summary>The longest a person must wait after too many failed sign-ins.</summary>
    public static readonly TimeSpan LockoutFor = TimeSpan.FromMinutes(15);

    public const int FailedSignInsBeforeLockout = 5;

    /// <summary>People's accounts (ASP.NET Core Identity on EF Core) in the gateway's database, schema identity, migrated at start.</summary>
    public static IHostApplicationBuilder AddPeople(this IHostApplicationBuilder builder, string connectionName)
    {
        var limits = builder.Configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions();
        var connectionString = limits.ApplyTo(builder.Configuration.GetConnectionString(connectionName)
            ?? throw new InvalidOperationException($"ConnectionStrings:{connectionName} is not set."));

        builder.Services.AddDbContext<PeopleDb>(o => o.UsePeopleDatabase(connectionString));
        builder.Services.AddIdentityCore<PersonAccount>(o =>
            {
                o.User.RequireUniqueEmail = true;
                // The user name is the email, already checked by PeopleRules; Identity's default alphabet would refuse valid addresses.
                o.User.AllowedUserNameCharacters = "";
                // NCSC guidance: length over composition rules.
                o.Password.RequiredLength = 12;
                o.Password.RequireDigit = false;
                o.Password.RequireLowercase = false;
                o.Password.RequireUppercase = false;
                o.Password.RequireNonAlphanumeric = false;
                o.Password.RequiredUniqueChars = 4;
                o.Lockout.AllowedForNewUsers = true;
                o.Lockout.MaxFailedAccessAttempts = FailedSignInsBeforeLockout;
                o.Lockout.DefaultLockoutTimeSpan = LockoutFor;
            })
            .AddEntityFrameworkStores<PeopleDb>()
            .AddDefaultTokenProviders();

        builder.Services.AddScoped<PeopleAuthority>();
        builder.Services.AddHostedService<PeopleMigrations>();
        return builder;
    }

    public static DbContextOptionsBuilder UsePeopleDatabase(this DbContextOptionsBuilder options, string connectionString) =>
        options.UseNpgsql(connectionString, npgsql => npgsql.MigrationsHistoryTable("__ef_migrations_history", PeopleDb.Schema));
}

/// <summary>
/// Applies the accounts' migrations before the gateway serves anything (hosted services start before the
/// server listens). EF Core takes a database lock while migrating, so replicas starting together are safe.
/// </summary>
internal sealed class PeopleMigrations(IServiceScopeFactory scopes) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<PeopleDb>().Database.MigrateAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
