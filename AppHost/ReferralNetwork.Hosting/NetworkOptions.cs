namespace ReferralNetwork.Hosting;

/// <summary>How to run the local referral network. A port of 0 means "pick a free one" (handy for tests).</summary>
public sealed record NetworkOptions
{
    /// <summary>Holds the PostgreSQL cluster, RabbitMQ state, keys, secrets and logs.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>The folder with ReferralNetwork.sln; service dlls are found under it.</summary>
    public required string RepositoryRoot { get; init; }

    /// <summary>The build configuration whose service outputs are run ("Release" or "Debug").</summary>
    public string Configuration { get; init; } = "Release";

    public int GatewayPort { get; init; } = 8080;

    public int PostgresPort { get; init; } = 55432;

    public int RabbitMqPort { get; init; } = 55672;

    /// <summary>
    /// The management UI and HTTP API of our RabbitMQ (the dashboard reads queue depths there), on
    /// 127.0.0.1 only; null runs the node without the management plugin. Unused with <see cref="ExternalRabbitMq"/>.
    /// </summary>
    public int? RabbitMqManagementPort { get; init; } = 55673;

    /// <summary>referrals = +0, linkworkers = +1, communityproviders = +2, feedback = +3.</summary>
    public int FirstServicePort { get; init; } = 5101;

    /// <summary>When null, one is generated and kept in the data folder.</summary>
    public string? OperatorClientSecret { get; init; }

    /// <summary>Export telemetry here instead of to our own OTLP receiver (which then is not started).</summary>
    public string? OtlpEndpoint { get; init; }

    /// <summary>Where our OTLP/HTTP receiver listens; null for none (services then export nothing unless <see cref="OtlpEndpoint"/> is set).</summary>
    public int? OtlpPort { get; init; } = 18889;

    /// <summary>Where the operators' dashboard listens; null for no dashboard.</summary>
    public int? DashboardPort { get; init; } = 18888;

    /// <summary>Connection string of an existing PostgreSQL server: then we start none, only create the databases.</summary>
    public string? ExternalPostgres { get; init; }

    /// <summary>AMQP URI of an existing RabbitMQ: then we start none.</summary>
    public string? ExternalRabbitMq { get; init; }

    /// <summary>Receives every line of output, already prefixed with the resource name.</summary>
    public Action<string>? Log { get; init; }

    /// <summary>
    /// Further settings for every service and the gateway, as environment variables (for example
    /// <c>Acknowledgement__RemindAfter</c> to shorten the providers' deadlines in a test or a demo).
    /// </summary>
    public IReadOnlyDictionary<string, string> ExtraEnvironment { get; init; } = new Dictionary<string, string>();

    /// <summary>How long each service may take to answer /health with 200 after launch.</summary>
    public TimeSpan HealthTimeout { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>Walks up from <paramref name="startDirectory"/> to the folder holding ReferralNetwork.sln.</summary>
    public static string FindRepositoryRoot(string startDirectory)
    {
        for (var folder = new DirectoryInfo(startDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "ReferralNetwork.sln")))
            {
                return folder.FullName;
            }
        }
        throw new InvalidOperationException($"No ReferralNetwork.sln in {startDirectory} or any folder above it.");
    }
}
