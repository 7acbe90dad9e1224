using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ReferralNetwork.CommunityProviders;
using ReferralNetwork.CommunityProviders.Inbox;
using ReferralNetwork.EventSourcing;
using ReferralNetwork.Gateway.RateLimiting;
using ReferralNetwork.Messaging;
using ReferralNetwork.Referrals.Webhooks;

namespace ReferralNetwork.UnitTests.Defaults;

/// <summary>Each options class is validated at start: its defaults pass, and a bad value is refused naming the setting.</summary>
public class OptionsValidationTests
{
    [Fact]
    public void The_defaults_pass_and_keep_their_values()
    {
        var provider = Build(new Dictionary<string, string?>(), s => s
            .AddWebhookOptions().AddAcknowledgementPolicy().AddRateLimitOptions().AddRelayOptions());

        provider.GetRequiredService<IStartupValidator>().Validate();

        var webhooks = provider.GetRequiredService<IOptions<WebhookOptions>>().Value;
        Assert.Equal((TimeSpan.FromSeconds(10), 12, TimeSpan.FromSeconds(2)), (webhooks.FirstRetryAfter, webhooks.MaxAttempts, webhooks.PollEvery));
        var limits = provider.GetRequiredService<IOptions<RateLimitOptions>>().Value;
        Assert.Equal((600, 60, 30), (limits.PerPartnerPerMinute, limits.AnonymousPerMinute, limits.TokenPerMinute));
        var relay = provider.GetRequiredService<IOptions<RelayOptions>>().Value;
        Assert.Equal((TimeSpan.FromSeconds(15), TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10)),
            (relay.PublishTimeout, relay.FirstRetryAfter, relay.LongestRetryAfter));
        var acknowledgement = provider.GetRequiredService<IOptions<AcknowledgementPolicy>>().Value;
        Assert.Equal((TimeSpan.FromDays(2), TimeSpan.FromDays(4), TimeSpan.FromDays(7), TimeSpan.FromMinutes(1)),
            (acknowledgement.RemindAfter, acknowledgement.EscalateAfter, acknowledgement.ExpireAfter, acknowledgement.CheckEvery));
    }

    [Fact]
    public void Configured_values_are_bound()
    {
        var provider = Build(new Dictionary<string, string?>
        {
            ["RateLimits:TokenPerMinute"] = "1000",
            ["Webhooks:MaxAttempts"] = "3",
            ["Acknowledgement:ExpireAfter"] = "00:00:30",
            ["Acknowledgement:EscalateAfter"] = "00:00:25",
            ["Acknowledgement:RemindAfter"] = "00:00:20",
            ["Relay:PublishTimeout"] = "00:00:05",
        }, s => s.AddWebhookOptions().AddAcknowledgementPolicy().AddRateLimitOptions().AddRelayOptions());

        provider.GetRequiredService<IStartupValidator>().Validate();

        Assert.Equal(1000, provider.GetRequiredService<IOptions<RateLimitOptions>>().Value.TokenPerMinute);
        Assert.Equal(3, provider.GetRequiredService<IOptions<WebhookOptions>>().Value.MaxAttempts);
        Assert.Equal(TimeSpan.FromSeconds(30), provider.GetRequiredService<IOptions<AcknowledgementPolicy>>().Value.ExpireAfter);
        Assert.Equal(TimeSpan.FromSeconds(5), provider.GetRequiredService<IOptions<RelayOptions>>().Value.PublishTimeout);
    }

    [Theory]
    [InlineData("Webhooks:FirstRetryAfter", "00:00:00")]
    [InlineData("Webhooks:FirstRetryAfter", "-00:00:01")]
    [InlineData("Webhooks:MaxAttempts", "0")]
    [InlineData("Webhooks:MaxAttempts", "101")]
    [InlineData("Webhooks:PollEvery", "00:00:00")]
    [InlineData("Webhooks:AttemptTimeout", "00:00:00")]
    [InlineData("Webhooks:AttemptTimeout", "00:05:00")]
    [InlineData("Webhooks:MaxConcurrentSubscriptions", "0")]
    public void A_bad_webhook_setting_stops_the_start(string setting, string value) =>
        AssertRefused(setting, value, s => s.AddWebhookOptions());

    [Theory]
    [InlineData("Acknowledgement:RemindAfter", "00:00:00")]
    [InlineData("Acknowledgement:EscalateAfter", "2.00:00:00")]
    [InlineData("Acknowledgement:ExpireAfter", "3.00:00:00")]
    [InlineData("Acknowledgement:CheckEvery", "00:00:00")]
    public void A_bad_acknowledgement_setting_stops_the_start(string setting, string value) =>
        AssertRefused(setting, value, s => s.AddAcknowledgementPolicy());

    [Theory]
    [InlineData("RateLimits:PerPartnerPerMinute", "0")]
    [InlineData("RateLimits:AnonymousPerMinute", "-1")]
    [InlineData("RateLimits:TokenPerMinute", "0")]
    public void A_bad_rate_limit_stops_the_start(string setting, string value) =>
        AssertRefused(setting, value, s => s.AddRateLimitOptions());

    [Theory]
    [InlineData("Relay:PublishTimeout", "00:00:00")]
    [InlineData("Relay:FirstRetryAfter", "00:00:00")]
    [InlineData("Relay:LongestRetryAfter", "00:00:00.1")]
    [InlineData("Relay:BatchSize", "0")]
    [InlineData("Relay:RetrySetAsideEvery", "00:00:00")]
    public void A_bad_relay_setting_stops_the_start(string setting, string value) =>
        AssertRefused(setting, value, s => s.AddRelayOptions());

    [Theory]
    [InlineData("Messaging:RetryIntervals:0", "00:00:00")]
    [InlineData("Messaging:RetryIntervals:1", "00:05:00")]
    public void A_bad_consumer_retry_wait_stops_the_start(string setting, string value) =>
        AssertRefused(setting, value, s => s.AddMessagingOptions(), "Messaging:RetryIntervals");

    [Theory]
    [InlineData("Messaging:RedeliveryDelay", "00:00:00.5")]
    [InlineData("Messaging:RedeliveryDelay", "02:00:00")]
    [InlineData("Messaging:Redeliveries", "-1")]
    [InlineData("Messaging:Redeliveries", "5000")]
    public void A_bad_redelivery_setting_stops_the_start(string setting, string value) =>
        AssertRefused(setting, value, s => s.AddMessagingOptions());

    [Fact]
    public void Consumer_retry_waits_default_to_five_and_can_be_configured()
    {
        Assert.Equal(5, Build([], s => s.AddMessagingOptions()).GetRequiredService<IOptions<MessagingOptions>>().Value.RetryIntervals.Length);
        var configured = Build(new Dictionary<string, string?> { ["Messaging:RetryIntervals:0"] = "00:00:01" }, s => s.AddMessagingOptions());
        configured.GetRequiredService<IStartupValidator>().Validate();
        Assert.Equal(TimeSpan.FromSeconds(1), configured.GetRequiredService<IOptions<MessagingOptions>>().Value.RetryIntervals[0]);
    }

    private static void AssertRefused(string setting, string value, Action<IServiceCollection> register, string? named = null)
    {
        var provider = Build(new Dictionary<string, string?> { [setting] = value }, register);

        var refused = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        var failure = Assert.Single(refused.Failures);
        Assert.StartsWith((named ?? setting) + " ", failure);
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings, Action<IServiceCollection> register)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        register(services);
        return services.BuildServiceProvider();
    }
}
