namespace ReferralNetwork.Hosting;

/// <summary>
/// A resource a service can reference; the reference becomes <c>ConnectionStrings__{Name}</c> in the
/// service's environment, exactly as Aspire's <c>WithReference</c> does.
/// </summary>
public interface IResourceWithConnectionString
{
    string Name { get; }

    string ConnectionString { get; }
}

/// <summary>A named connection string: a database we created or an external server we were given.</summary>
public sealed record ConnectionStringResource(string Name, string ConnectionString) : IResourceWithConnectionString;
