using System.Text;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using RabbitMQ.Client;

namespace ReferralNetwork.EndToEndTests;

/// <summary>The commands the AppHost adds to the dashboard's resources, run as an operator would.</summary>
[Collection(RunningNetworkCollection.Name)]
public class OperatorCommandTests(RunningNetwork network)
{
    [Fact]
    public async Task Move_failed_messages_back_returns_what_an_error_queue_holds_to_its_own_queue()
    {
        var queue = "operator-command-tests-" + Guid.NewGuid().ToString("N")[..8];
        var factory = new ConnectionFactory { Uri = new Uri((await network.App.GetConnectionStringAsync("rabbitmq"))!) };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
        await channel.QueueDeclareAsync(queue + "_error", durable: true, exclusive: false, autoDelete: false);
        try
        {
            await channel.BasicPublishAsync("", queue + "_error", Encoding.UTF8.GetBytes("a message its consumer could not handle"));
            // The command moves what the management API reports, which samples every second.
            await Task.Delay(TimeSpan.FromSeconds(2));

            var result = await network.CommandAsync("rabbitmq", "move-failed-messages-back");

            Assert.True(result.Success, result.Message);
            Assert.Contains(queue + "_error", result.Message);
            var moved = await Eventually.GetAsync(async () => await channel.BasicGetAsync(queue, autoAck: true), $"the message back in {queue}", seconds: 20);
            Assert.Equal("a message its consumer could not handle", Encoding.UTF8.GetString(moved.Body.Span));
            Assert.Equal(0u, await channel.MessageCountAsync(queue + "_error"));
        }
        finally
        {
            await channel.QueueDeleteAsync(queue);
            await channel.QueueDeleteAsync(queue + "_error");
        }
    }

    [Fact]
    public async Task Register_demo_organisations_registers_them_through_the_gateway_and_twice_changes_nothing()
    {
        var first = await network.CommandAsync("gateway", "register-demo-organisations");
        Assert.True(first.Success, first.Message);
        var again = await network.CommandAsync("gateway", "register-demo-organisations");
        Assert.True(again.Success, again.Message);

        var operatorClient = await network.OperatorAsync();
        var organisations = JsonDocument.Parse(await operatorClient.GetStringAsync("/api/admin/organisations")).RootElement.EnumerateArray()
            .Where(o => o.GetProperty("area").GetString() == "liverpool-north")
            .Select(o => o.GetProperty("name").GetString())
            .ToList();
        Assert.Single(organisations, "Riverside Surgery");
        Assert.Single(organisations, "North Liverpool Social Prescribing");
        Assert.Equal(6, organisations.Count);
    }
}
