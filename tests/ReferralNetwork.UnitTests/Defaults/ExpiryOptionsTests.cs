using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ReferralNetwork.Messaging;
using ReferralNetwork.PartnerApi;

namespace ReferralNetwork.UnitTests.Defaults;

/// <summary>How long the inbox and the idempotency keys remember: defaults as documented, bad values refused at start.</summary>
public class ExpiryOptionsTests
{
    [Fact]
    public void The_inbox_keeps_14_days_and_idempotency_keys_7_checked_hourly_a_thousand_rows_at_a_time()
    {
        using var provider = Build([], s => s.AddInboxExpiry().AddIdempotencyKeyExpiry());

        provider.GetRequiredService<IStartupValidator>().Validate();

        var inbox = provider.GetRequiredService<IOptions<InboxOptions>>().Value;
        Assert.Equal((TimeSpan.FromDays(14), TimeSpan.FromHours(1), 1000), (inbox.KeepFor, inbox.CheckEvery, inbox.DeleteBatchSize));
        var keys = provider.GetRequiredService<IOptions<IdempotencyKeyOptions>>().Value;
        Assert.Equal((TimeSpan.FromDays(7), TimeSpan.FromHours(1), 1000), (keys.KeepFor, keys.CheckEvery, keys.DeleteBatchSize));
    }

    [Fact]
    public void Configured_retentions_are_bound()
    {
        using var provider = Build(new() { ["Inbox:KeepFor"] = "30.00:00:00", ["IdempotencyKeys:DeleteBatchSize"] = "50" },
            s => s.AddInboxExpiry().AddIdempotencyKeyExpiry());

        provider.GetRequiredService<IStartupValidator>().Validate();

        Assert.Equal(TimeSpan.FromDays(30), provider.GetRequiredService<IOptions<InboxOptions>>().Value.KeepFor);
        Assert.Equal(50, provider.GetRequiredService<IOptions<IdempotencyKeyOptions>>().Value.DeleteBatchSize);
    }

    [Theory]
    [InlineData("Inbox:KeepFor", "00:00:00")]
    [InlineData("Inbox:CheckEvery", "00:00:00")]
    [InlineData("Inbox:CheckEvery", "2.00:00:00")]
    [InlineData("Inbox:DeleteBatchSize", "0")]
    [InlineData("IdempotencyKeys:KeepFor", "-1.00:00:00")]
    [InlineData("IdempotencyKeys:CheckEvery", "00:00:00")]
    [InlineData("IdempotencyKeys:DeleteBatchSize", "1000000")]
    public void A_bad_retention_setting_stops_the_start_naming_it(string setting, string value)
    {
        using var provider = Build(new() { [setting] = value }, s => s.AddInboxExpiry().AddIdempotencyKeyExpiry());

        var refused = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.StartsWith(setting + " ", Assert.Single(refused.Failures));
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings, Action<IServiceCollection> register)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        register(services);
        return services.BuildServiceProvider();
    }
}
