using System.Diagnostics;
using ReferralNetwork.ServiceDefaults;

namespace ReferralNetwork.UnitTests.Defaults;

public sealed class BackgroundPollingTracesTests : IDisposable
{
    private readonly ActivitySource npgsql = new("Npgsql");
    private readonly ActivitySource marten = new("Marten");
    private readonly ActivitySource aspNetCore = new("Microsoft.AspNetCore");
    private readonly ActivityListener listener;
    private readonly BackgroundPollingTraces processor = new();

    public BackgroundPollingTracesTests()
    {
        // Samples everything from this test's own sources only (not others of the same name elsewhere in the process).
        ActivitySource[] ours = [npgsql, marten, aspNetCore];
        listener = new ActivityListener
        {
            ShouldListenTo = source => ours.Contains(source),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        Activity.Current = null;
    }

    public void Dispose()
    {
        listener.Dispose();
        npgsql.Dispose();
        marten.Dispose();
        aspNetCore.Dispose();
    }

    private ActivitySource Source(string name) => name switch
    {
        "Npgsql" => npgsql,
        "Marten" => marten,
        _ => aspNetCore,
    };

    [Theory]
    [InlineData("Npgsql")]
    [InlineData("Marten")]
    public void Database_work_with_nothing_above_it_is_not_recorded(string source)
    {
        using var activity = Source(source).StartActivity("poll")!;
        Assert.True(activity.Recorded);

        processor.OnStart(activity);

        Assert.False(activity.Recorded);
        Assert.False(activity.IsAllDataRequested);
    }

    [Theory]
    [InlineData("Npgsql")]
    [InlineData("Marten")]
    public void Database_work_inside_a_request_stays_recorded(string source)
    {
        using var request = aspNetCore.StartActivity("POST /referrals", ActivityKind.Server)!;
        using var activity = Source(source).StartActivity("query")!;
        Assert.Same(request, activity.Parent);

        processor.OnStart(activity);

        Assert.True(activity.Recorded);
        Assert.True(activity.IsAllDataRequested);
    }

    [Theory]
    [InlineData("Npgsql")]
    [InlineData("Marten")]
    public void Database_work_under_a_parent_from_another_process_stays_recorded(string source)
    {
        // A consumer's span continuing a message's trace: the parent is remote, so there is no Parent object.
        var remote = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded, isRemote: true);
        using var activity = Source(source).StartActivity("query", ActivityKind.Client, remote)!;
        Assert.Null(activity.Parent);

        processor.OnStart(activity);

        Assert.True(activity.Recorded);
        Assert.True(activity.IsAllDataRequested);
    }

    [Fact]
    public void A_root_from_another_source_stays_recorded()
    {
        using var request = aspNetCore.StartActivity("GET /referrals", ActivityKind.Server)!;
        Assert.Null(request.Parent);

        processor.OnStart(request);

        Assert.True(request.Recorded);
        Assert.True(request.IsAllDataRequested);
    }
}
