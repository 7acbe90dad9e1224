using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using ReferralNetwork.EventSourcing;
using ReferralNetwork.Gateway.People.OpenIdConnect;
using ReferralNetwork.Gateway.RateLimiting;

namespace ReferralNetwork.Gateway.People;

public static class PeopleExtensions
{
    /// <summary>The longest a person must wait after too many failed sign-ins.</summary>
    public static readonly TimeSpan LockoutFor = TimeSpan.FromMinutes(15);

    public const int FailedSignInsBeforeLockout = 5;

    /// <summary>People's accounts (ASP.NET Core Identity on EF Core) in the gateway's database, schema identity, migrated at start.</summary>
    public static IHostApplicationBuilder AddPeople(this IHostApplicationBuilder builder, string connectionName, Tokens.TokenIssuer issuer)
    {
        var limits = builder.Configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions();
        var connectionString = limits.ApplyTo(builder.Configuration.GetConnectionString(connectionName)
            ?? throw new InvalidOperationException($"ConnectionStrings:{connectionName} is not set."));

        builder.Services.AddDbContext<PeopleDb>(o => o.UsePeopleDatabase(connectionString));
        var allowHttp = builder.Configuration.GetValue<bool>(OidcServer.AllowHttpSetting);
        void Harden(CookieBuilder cookie, string name) => HardenCookie(cookie, name, allowHttp);
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
                o.Tokens.AuthenticatorTokenProvider = PersonAuthenticator.Name;
            })
            .AddEntityFrameworkStores<PeopleDb>()
            .AddSignInManager<PersonSignIn>()
            .AddDefaultTokenProviders()
            .AddTokenProvider<PersonAuthenticator>(PersonAuthenticator.Name);

        // Cookies and antiforgery tokens are protected with keys every replica shares and a restart keeps.
        builder.Services.AddDataProtection()
            .SetApplicationName("referral-network-gateway")
            .PersistKeysToDbContext<PeopleDb>();

        // The bearer scheme stays the default (partners' systems); these cookies serve the account pages only.
        builder.Services.AddAuthentication()
            .AddIdentityCookies(cookies =>
            {
                cookies.ApplicationCookie!.Configure(o =>
                {
                    o.LoginPath = "/account/sign-in";
                    o.LogoutPath = "/account";
                    o.AccessDeniedPath = "/account/sign-in";
                    o.ExpireTimeSpan = TimeSpan.FromHours(8);
                    o.SlidingExpiration = true;
                    Harden(o.Cookie, "__Host-rn-session");
                });
                cookies.TwoFactorUserIdCookie!.Configure(o => Harden(o.Cookie, "__Host-rn-signing-in"));
            });
        builder.Services.AddAuthentication().AddCookie(PersonSignIn.EnrolmentScheme, o =>
        {
            o.ExpireTimeSpan = TimeSpan.FromMinutes(15);
            o.SlidingExpiration = false;
            Harden(o.Cookie, "__Host-rn-enrolment");
        });
        // Ending access changes the security stamp: an open session notices within a minute.
        builder.Services.Configure<SecurityStampValidatorOptions>(o => o.ValidationInterval = TimeSpan.FromMinutes(1));
        builder.Services.AddAntiforgery(o => Harden(o.Cookie, "__Host-rn-antiforgery"));
        builder.Services.AddRazorPages(o => o.RootDirectory = "/People/Pages");

        builder.Services.AddScoped<PeopleAuthority>();
        builder.Services.AddHostedService<PeopleMigrations>();
        // After the migrations: it registers the configured clients in the tables they create.
        builder.AddPeopleSignInServer(issuer);
        return builder;
    }

    /// <summary>The account pages, with headers that keep them out of frames and away from anything but the gateway itself.</summary>
    public static WebApplication MapPeoplePages(this WebApplication app)
    {
        app.MapRazorPages().RequireRateLimiting(RateLimits.PartnerPolicy);
        app.MapPeopleSignInServer();
        return app;
    }

    public static Task ApplyPageHeadersAsync(HttpContext context, RequestDelegate next)
    {
        if (context.Request.Path.StartsWithSegments("/account") || context.Request.Path.StartsWithSegments("/oidc"))
        {
            // Styles from this gateway only (the web app's, at /app/css): no script, no frames, nothing else.
            context.Response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'";
            context.Response.Headers.XFrameOptions = "DENY";
            context.Response.Headers["Referrer-Policy"] = "no-referrer";
        }

        return next(context);
    }

    // __Host- cookies: only over HTTPS, for this host alone, for the whole site; never readable by script.
    // Lax, so the redirect back from a sign-in started by a web app on another site still carries them.
    // Where the gateway is plain HTTP on loopback (People:AllowHttp, the AppHost) they cannot be Secure, and a
    // __Host- cookie must be: there they are sent as the request came, under the same names without the prefix.
    private static void HardenCookie(CookieBuilder cookie, string name, bool allowHttp)
    {
        cookie.Name = allowHttp ? name["__Host-".Length..] : name;
        cookie.HttpOnly = true;
        cookie.SecurePolicy = allowHttp ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
        cookie.SameSite = SameSiteMode.Lax;
        cookie.Path = "/";
        cookie.Domain = null;
    }

    public static DbContextOptionsBuilder UsePeopleDatabase(this DbContextOptionsBuilder options, string connectionString) =>
        options.UseNpgsql(connectionString, npgsql => npgsql.MigrationsHistoryTable("__ef_migrations_history", PeopleDb.Schema));
}

/// <summary>
/// Applies the accounts' migrations before the gateway serves anything (hosted services start before the
/// server listens), one gateway at a time: EF Core's own migration lock did not stop two gateways started
/// together from both creating the schema (seen with the AppHost's --instances 2), so they queue on a
/// PostgreSQL advisory lock, and the second finds nothing left to apply.
/// </summary>
internal sealed class PeopleMigrations(IServiceScopeFactory scopes) : IHostedService
{
    /// <summary>"RN-MIGRT": the session-level advisory lock the gateways migrate under.</summary>
    private const long LockKey = 0x524E_2D4D_4947_5254;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var database = scope.ServiceProvider.GetRequiredService<PeopleDb>().Database;
        // A connection of its own, outside the pool: the lock is the session's and goes with it.
        var lockConnectionString = new Npgsql.NpgsqlConnectionStringBuilder(database.GetConnectionString()) { Pooling = false }.ConnectionString;
        await using var connection = new Npgsql.NpgsqlConnection(lockConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using (var take = new Npgsql.NpgsqlCommand("select pg_advisory_lock(@key)", connection))
        {
            take.Parameters.AddWithValue("key", LockKey);
            await take.ExecuteNonQueryAsync(cancellationToken);
        }
        await database.MigrateAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
