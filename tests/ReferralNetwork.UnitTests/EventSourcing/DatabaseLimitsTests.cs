using Marten;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;
using ReferralNetwork.EventSourcing;

namespace ReferralNetwork.UnitTests.EventSourcing;

/// <summary>
/// The event store's sessions run under PostgreSQL's statement and idle-in-transaction timeouts, and its daemon's
/// handling of sequence gaps is pinned. What the settings do on a real server is in the integration tests' EventLogGapTests.
/// </summary>
public class DatabaseLimitsTests
{
    private const string Database = "Host=127.0.0.1;Port=5432;Database=referralsdb;Username=referrals";

    [Fact]
    public void Every_session_of_the_store_gets_the_default_limits_in_its_startup_options()
    {
        using var host = EventStoreHost([]);

        var options = Options(host);

        Assert.Equal("-c statement_timeout=30000 -c idle_in_transaction_session_timeout=60000", options);
    }

    [Fact]
    public void Configured_limits_replace_the_defaults_and_come_after_options_of_the_connection_string()
    {
        using var host = EventStoreHost(new()
        {
            ["ConnectionStrings:db"] = Database + ";Options=-c search_path=referrals",
            ["Database:StatementTimeout"] = "00:00:02.5",
            ["Database:IdleInTransactionSessionTimeout"] = "00:05:00",
        });

        Assert.Equal("-c search_path=referrals -c statement_timeout=2500 -c idle_in_transaction_session_timeout=300000", Options(host));
        Assert.Equal(TimeSpan.FromSeconds(2.5), host.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value.StatementTimeout);
    }

    [Theory]
    [InlineData(null, null, 32)]
    [InlineData("0", null, 0)]
    [InlineData(null, "5", 5)]
    [InlineData("64", "5", 5)]
    public void Statements_are_prepared_as_they_recur_unless_the_connection_string_says_otherwise(string? setting, string? inConnectionString, int expected)
    {
        var settings = new Dictionary<string, string?>();
        if (setting is not null)
        {
            settings["Database:MaxAutoPrepare"] = setting;
        }

        if (inConnectionString is not null)
        {
            settings["ConnectionStrings:db"] = Database + ";Max Auto Prepare=" + inConnectionString;
        }

        using var host = EventStoreHost(settings);

        using var connection = host.Services.GetRequiredService<IDocumentStore>().Storage.Database.CreateConnection();
        Assert.Equal(expected, new NpgsqlConnectionStringBuilder(connection.ConnectionString).MaxAutoPrepare);
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("false", false)]
    [InlineData("true", true)]
    public void Pooled_connections_are_not_reset_on_return_unless_the_connection_string_says_so(string? inConnectionString, bool expected)
    {
        using var host = EventStoreHost(inConnectionString is null ? [] : new() { ["ConnectionStrings:db"] = Database + ";No Reset On Close=" + inConnectionString });

        using var connection = host.Services.GetRequiredService<IDocumentStore>().Storage.Database.CreateConnection();
        Assert.Equal(expected, new NpgsqlConnectionStringBuilder(connection.ConnectionString).NoResetOnClose);
    }

    [Fact]
    public void The_daemon_waits_for_a_gap_while_a_transaction_could_fill_it_and_never_skips_past_one()
    {
        using var host = EventStoreHost([]);

        var projections = host.Services.GetRequiredService<StoreOptions>().Projections;

        Assert.True(projections.UseTransactionEvidenceForGapSkipping);
        Assert.Null(projections.SkipStaleGapsDespiteLiveTransactionsAfter);
        Assert.Equal(TimeSpan.FromSeconds(3), projections.StaleSequenceThreshold);
        Assert.True(host.Services.GetRequiredService<StoreOptions>().Events.EnableAdvancedAsyncTracking);
    }

    [Theory]
    [InlineData("Database:StatementTimeout", "00:00:00")]
    [InlineData("Database:StatementTimeout", "-00:00:01")]
    [InlineData("Database:StatementTimeout", "02:00:00")]
    [InlineData("Database:IdleInTransactionSessionTimeout", "00:00:00")]
    [InlineData("Database:IdleInTransactionSessionTimeout", "1.00:00:00")]
    public void A_bad_limit_stops_the_start_naming_the_setting(string setting, string value)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [setting] = value }).Build());
        services.AddDatabaseOptions();
        using var provider = services.BuildServiceProvider();

        var refused = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.StartsWith(setting + " ", Assert.Single(refused.Failures));
    }

    /// <summary>A host with the event store registered as the services register it; nothing connects until it starts.</summary>
    private static IHost EventStoreHost(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:db"] = Database });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddEventStore("db", opts => opts.DatabaseSchemaName = "limits");
        return builder.Build();
    }

    private static string? Options(IHost host)
    {
        using var connection = host.Services.GetRequiredService<IDocumentStore>().Storage.Database.CreateConnection();
        return new NpgsqlConnectionStringBuilder(connection.ConnectionString).Options;
    }
}
